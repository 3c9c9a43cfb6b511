#include "runtime/cli/options.hpp"

#include <boost/program_options.hpp>
#include <map>
#include <sstream>

namespace troupe::cli {
namespace po = boost::program_options;

namespace {

struct subcommand {
  command_kind kind;
  const char* summary;
};

const std::map<std::string, subcommand>& subcommands() {
  static const std::map<std::string, subcommand> table{
      {"run", {command_kind::run, "run the daemon until SIGINT/SIGTERM"}},
      {"check-config",
       {command_kind::check_config, "validate the config; print ok or every error"}},
      {"migrate", {command_kind::migrate, "apply pending database migrations"}},
      {"tables", {command_kind::tables, "list the expected tables and whether each is present"}},
      {"simulate", {command_kind::simulate, "run the actors on a virtual clock and report"}},
      {"status", {command_kind::status, "print a running daemon's health, semaphore and pods"}},
      {"report", {command_kind::report, "print a running daemon's status report, layer by layer"}},
      {"actors", {command_kind::actors, "print a running daemon's actor tree as a table"}},
      {"daemon",
       {command_kind::daemon, "run only the autonomous operations loop, one line per tick"}},
      {"enqueue",
       {command_kind::enqueue, "add an action to the durable queue (idempotent by --key)"}},
      {"actions", {command_kind::actions, "list the queue's actions"}},
      {"flags", {command_kind::flags, "show or set the AOL control flags (paused, proof)"}},
      {"decisions",
       {command_kind::decisions,
        "list content decisions, or answer one waiting for an operator (--id ID --op OP)"}},
      {"summary",
       {command_kind::summary,
        "print a running daemon's daily summaries per account (sessions, errors, skips, ...)"}},
      {"nodes",
       {command_kind::nodes,
        "list the cluster's nodes (live or gone, heartbeat, version) and the pods each holds"}},
      {"diag",
       {command_kind::diag,
        "report the reply pipeline from the database: opportunities, decisions, preflights, "
        "stages"}},
  };
  return table;
}

std::string top_level_usage() {
  std::ostringstream out;
  out << "Usage: troupe [--help] [--version] COMMAND [OPTIONS]\n\n"
      << "Troupe runs scheduled automation for many accounts as an actor tree.\n\nCommands:\n";
  for (const auto& [name, sub] : subcommands()) {
    out << "  " << name << std::string(15 - name.size(), ' ') << sub.summary << "\n";
  }
  out << "\nRun 'troupe COMMAND --help' for a command's options.\n";
  return out.str();
}

po::options_description common_description(common_options& common) {
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")(
      "config", po::value(&common.config_files)->composing(),
      "config file (YAML or JSON); repeat to merge, later files win per top-level key")(
      "db", po::value<std::string>(), "database URL: sqlite:PATH or postgresql://... (wins over db.url)")(
      "log-level", po::value<std::string>(), "trace|debug|info|warn|error|critical|off");
  return desc;
}

void add_run_options(po::options_description& desc, run_options& run) {
  desc.add_options()("pod", po::value(&run.pods)->composing(), "run only this pod (repeatable)")(
      "driver", po::value<std::string>(), "driver program (replaces drivers.command)")(
      "test", po::bool_switch(&run.self_test),
      "self-test: one session of every activity and one forced failure with recovery against the "
      "simulated driver (or --driver) in a temporary database; prints PASS/FAIL per check")(
      "http", po::value<std::string>(),
      "serve the API and console on ADDR:PORT (wins over the config's http)")(
      "cluster", po::bool_switch(&run.cluster),
      "run as one node of a cluster sharing the PostgreSQL of db.url: pods are placed over the "
      "live nodes "
      "under leases (see the config's cluster section)");
}

void add_daemon_options(po::options_description& desc, loop_options& daemon) {
  desc.add_options()("driver", po::value<std::string>(), "driver program (replaces drivers.command)")(
      "proof", po::bool_switch(&daemon.proof), "PROOF mode: adapters write what they would do and change nothing")(
      "ticks", po::value<int>(), "stop after this many ticks");
}

void add_queue_options(po::options_description& desc, command_kind kind, queue_options& queue) {
  if (kind == command_kind::enqueue) {
    desc.add_options()("type", po::value(&queue.type), "the action type (also the first argument)")(
        "payload", po::value(&queue.payload), "the action's JSON payload (default {})")(
        "key", po::value(&queue.key),
        "idempotency key: enqueueing it again returns the same action")(
        "file", po::value<std::string>(),
        "enqueue many actions in one transaction instead: a JSON file ('-': stdin) shaped like "
        "the batch body of POST /api/actions, {\"actions\": [{\"type\", \"idempotency_key\", "
        "\"payload\", ...}, ...]}")("priority", po::value(&queue.priority), "higher runs first (default 0)")(
        "run-at", po::value<std::string>(), "not before: epoch ms or ISO-8601 UTC (default now)");
  }
  if (kind == command_kind::actions) {
    desc.add_options()("status", po::value<std::string>(), "only actions in this status")(
        "release", po::value<std::int64_t>(),
        "send this PROOFED action back to PENDING for a real run under the same key");
  }
  if (kind == command_kind::flags) {
    desc.add_options()("set", po::value(&queue.set)->composing(), "name=value (paused, proof; true/false), repeatable");
  }
  if (kind == command_kind::decisions) {
    desc.add_options()("status", po::value<std::string>(), "only decisions in this status (e.g. unconfirmed)")(
        "id", po::value<std::string>(), "the decision to answer (with --op)")(
        "op", po::value<std::string>(),
        "approve or reject (awaiting approval); mark_posted (with --post-id), retry or drop (unconfirmed)")(
        "post-id", po::value<std::string>(), "the platform's id of the post, for --op mark_posted");
  }
}

void add_client_options(po::options_description& desc, command_kind kind, client_options& client) {
  desc.add_options()("url", po::value<std::string>(),
                     "the daemon's API, e.g. http://127.0.0.1:8080 (default: the config's http section)");
  if (kind == command_kind::actors) desc.add_options()("pod", po::value<std::string>(), "only this pod's actors");
  if (kind == command_kind::report) {
    desc.add_options()("json", po::bool_switch(&client.json), "print the report as one JSON object");
  }
  if (kind == command_kind::summary) {
    desc.add_options()("day", po::value<std::string>(),
                       "the local day YYYY-MM-DD (default: today, in the pod's time zone with --pod)")(
        "pod", po::value<std::string>(), "only this pod's accounts")(
        "json", po::bool_switch(&client.json), "print the daemon's JSON array as it is");
  }
}

void add_simulate_options(po::options_description& desc, simulate_options& simulate) {
  desc.add_options()("days", po::value(&simulate.days)->default_value(1), "simulated days")(
      "seed", po::value(&simulate.seed)->default_value(1), "random seed (same seed, same report)")(
      "pods", po::value<int>(), "replace the config's pods with this many synthetic pods")(
      "accounts-per-pod", po::value<int>(), "accounts of each synthetic pod")(
      "p-hard", po::value(&simulate.p_hard)->default_value(0.0), "share of sessions failing hard")(
      "p-transient", po::value(&simulate.p_transient)->default_value(0.0),
      "share of sessions failing transiently")(
      "p-recovery-fails", po::value(&simulate.p_recovery_fails)->default_value(0.0),
      "share of recovery steps failing")("json", po::bool_switch(&simulate.json),
                                         "print the report as one JSON object");
}

std::string usage_of(const std::string& name, const po::options_description& desc) {
  std::ostringstream out;
  out << "Usage: troupe " << name << " [OPTIONS]\n  " << subcommands().at(name).summary << "\n\n"
      << desc;
  return out.str();
}

template <class T>
std::optional<T> optional_value(const po::variables_map& vm, const char* key) {
  if (vm.count(key) == 0) return std::nullopt;
  return vm[key].as<T>();
}

parse_result parse_subcommand(const std::string& name, const subcommand& sub,
                              const std::vector<std::string>& args) {
  command_line line;
  line.kind = sub.kind;
  auto desc = common_description(line.common);
  if (sub.kind == command_kind::simulate) add_simulate_options(desc, line.simulate);
  if (sub.kind == command_kind::run) add_run_options(desc, line.run);
  if (sub.kind == command_kind::status || sub.kind == command_kind::actors || sub.kind == command_kind::report ||
      sub.kind == command_kind::summary) {
    add_client_options(desc, sub.kind, line.client);
  }
  if (sub.kind == command_kind::daemon) add_daemon_options(desc, line.daemon);
  if (sub.kind == command_kind::enqueue || sub.kind == command_kind::actions || sub.kind == command_kind::flags ||
      sub.kind == command_kind::decisions) {
    add_queue_options(desc, sub.kind, line.queue);
  }
  if (sub.kind == command_kind::diag) {
    desc.add_options()("json", po::bool_switch(&line.diag.json), "print the report as one JSON object");
  }
  po::positional_options_description positional;
  if (sub.kind == command_kind::enqueue) positional.add("type", 1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).positional(positional).run(), vm);
    if (vm.count("help")) {
      line.kind = command_kind::help;
      line.help_text = usage_of(name, desc);
      return {line, std::nullopt};
    }
    po::notify(vm);
    line.common.db_url = optional_value<std::string>(vm, "db");
    line.common.log_level = optional_value<std::string>(vm, "log-level");
    line.run.driver = optional_value<std::string>(vm, "driver");
    line.run.http = optional_value<std::string>(vm, "http");
    line.client.url = optional_value<std::string>(vm, "url");
    line.daemon.ticks = optional_value<int>(vm, "ticks");
    line.queue.run_at = optional_value<std::string>(vm, "run-at");
    line.queue.file = optional_value<std::string>(vm, "file");
    line.queue.status = optional_value<std::string>(vm, "status");
    line.queue.release = optional_value<std::int64_t>(vm, "release");
    line.queue.decision_id = optional_value<std::string>(vm, "id");
    line.queue.op = optional_value<std::string>(vm, "op");
    line.queue.post_id = optional_value<std::string>(vm, "post-id");
    if (sub.kind == command_kind::actors || sub.kind == command_kind::summary) {
      line.client.pod = optional_value<std::string>(vm, "pod");
    }
    line.client.day = optional_value<std::string>(vm, "day");
    line.simulate.pods = optional_value<int>(vm, "pods");
    line.simulate.accounts_per_pod = optional_value<int>(vm, "accounts-per-pod");
    return {line, std::nullopt};
  } catch (const po::error& e) {
    return {std::nullopt, usage_error{e.what(), usage_of(name, desc)}};
  }
}

}  // namespace

parse_result parse_command_line(int argc, const char* const argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return {std::nullopt, usage_error{"no command given", top_level_usage()}};
  const std::string& first = args.front();
  if (first == "--help" || first == "-h" || first == "help") {
    command_line line;
    line.help_text = top_level_usage();
    return {line, std::nullopt};
  }
  if (first == "--version") {
    command_line line;
    line.kind = command_kind::version;
    return {line, std::nullopt};
  }
  auto found = subcommands().find(first);
  if (found == subcommands().end()) {
    return {std::nullopt, usage_error{"unknown command '" + first + "'", top_level_usage()}};
  }
  return parse_subcommand(first, found->second, {args.begin() + 1, args.end()});
}

} // namespace troupe::cli
