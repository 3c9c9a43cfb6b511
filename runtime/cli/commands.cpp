#include "runtime/cli/commands.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>

#include "config/flags.hpp"
#include "config/json.hpp"
#include "config/loader.hpp"
#include "runtime/aol/loop.hpp"
#include "runtime/aol/tree_session_runner.hpp"
#include "runtime/cli/cluster_commands.hpp"
#include "runtime/cli/effective_config.hpp"
#include "runtime/cli/exit_codes.hpp"
#include "runtime/cli/store_access.hpp"
#include "runtime/config_reloader.hpp"
#include "runtime/daemon.hpp"
#include "runtime/effect_gates.hpp"
#include "runtime/file_watcher.hpp"
#include "runtime/http/api_context.hpp"
#include "runtime/http/server.hpp"
#include "runtime/logging.hpp"
#include "runtime/ops/cleanup_job.hpp"
#include "runtime/ops/fatal_issues.hpp"
#include "runtime/ops/monitor_job.hpp"
#include "runtime/ops/notify.hpp"
#include "runtime/ops/report_sources.hpp"
#include "runtime/ops/report_writer.hpp"
#include "runtime/ops/service_announcer.hpp"
#include "runtime/ops/tree_probe.hpp"
#include "runtime/pipeline/content_jobs.hpp"
#include "runtime/pipeline/job_support.hpp"
#include "runtime/pipeline/posting.hpp"
#include "runtime/self_test.hpp"
#include "runtime/signals.hpp"
#include "runtime/store/accounts.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/system_clock.hpp"

namespace troupe::cli {
namespace {

const char* environment_lookup(const char* name) { return std::getenv(name); }

void log_start_summary(const config::troupe_config& config, const std::vector<std::string>& files) {
  spdlog::info("troupe {} starting; config from {}", TROUPE_VERSION,
               files.empty() ? std::string("built-in defaults") : fmt::format("{}", fmt::join(files, ", ")));
  spdlog::info("config: {}", config::config_summary(config));
  spdlog::info("safety: {}", effect_gates_summary(effective_flags(config), {}));
  if (effective_flags(config).auto_approve) {
    spdlog::warn("AUTO_APPROVE=true: live replies and posts are queued without an operator's approval");
  }
}

// Logs the safety line again when a reload changed it.
class safety_line_logger {
 public:
  explicit safety_line_logger(const config::troupe_config& config)
      : last_(effect_gates_summary(effective_flags(config), {})) {}

  void reloaded(const config::troupe_config& next, std::uint64_t version) {
    auto line = effect_gates_summary(effective_flags(next), {});
    if (line == last_) return;
    spdlog::info("safety (config version {}): {}", version, line);
    last_ = std::move(line);
  }

 private:
  std::string last_;  // reloads are serialized: no lock needed
};

std::optional<std::string> unknown_pod(const config::troupe_config& config, const std::vector<std::string>& pods) {
  for (const auto& name : pods) {
    auto found = std::find_if(config.pods.begin(), config.pods.end(),
                              [&](const config::pod_config& pod) { return pod.name == name; });
    if (found == config.pods.end()) return name;
  }
  return std::nullopt;
}

// Clears the running flags a crash left behind, before any account starts.
bool prepare_store(const config::troupe_config& config, bool clustered) {
  auto db = open_store_for_daemon(config);
  if (!db) return false;
  if (clustered) {
    // Other nodes' sessions run: the running flags are theirs to clear.
    spdlog::info("database {} ready", db->url_for_logs());
    return true;
  }
  auto cleared = store::clear_stale_running(*db);
  if (!cleared) {
    spdlog::error("{}", cleared.failure().message);
    return false;
  }
  if (*cleared > 0) spdlog::warn("cleared {} stale running flags left by a previous run", *cleared);
  spdlog::info("database {} ready", db->url_for_logs());
  return true;
}

// Why the LLM cannot be called now, for the monitor: the circuit or the budget.
std::optional<std::string> llm_blocked(pipeline::llm_service& llm, const config::troupe_config& config) {
  const auto availability = llm.availability(config);
  if (availability.reason == "ai_quota_circuit_open" || availability.reason == "budget_spent") {
    return availability.reason;
  }
  return std::nullopt;
}

// Sends the issues a monitor run raised and resolved to the operator's webhook (notify.url).
void notify_monitor_changes(const ops::reconciliation& changes, const config::troupe_config& config) {
  std::vector<ops::alert> alerts;
  for (const auto* issues : {&changes.raised, &changes.resolved}) {
    for (const auto& issue : *issues) {
      alerts.push_back(ops::monitor_issue_alert(issue.condition_id, ops::to_string(issue.level), issue.title,
                                                issue.evidence, issue.suggested_action, issue.first_seen_at_ms,
                                                issue.resolved_at_ms));
    }
  }
  if (auto queued = ops::notify(config, alerts, system_now_ms()); !queued) {
    spdlog::warn("[MONITOR] cannot queue the notification: {}", queued.failure().message);
  }
}

// The probe of the tree, used once the tree exists.
std::function<ops::tree_view(std::chrono::milliseconds)> tree_probe(std::optional<daemon_tree>& tree) {
  return [&tree](std::chrono::milliseconds bound) { return ops::probe_tree(*tree, bound); };
}

// What job:monitor looks at in `troupe run`: the tree (once it exists), the
// LLM client, the AOL loop's lease owner, this process and its executable.
ops::monitor_sources monitor_sources_for(const command_line& line, std::optional<daemon_tree>& tree,
                                         std::shared_ptr<pipeline::llm_service> llm, std::string aol_owner,
                                         std::shared_ptr<ops::monitor_board> board) {
  ops::monitor_sources sources;
  sources.probe_tree = tree_probe(tree);
  sources.llm_unavailable = [llm](const config::troupe_config& config) { return llm_blocked(*llm, config); };
  sources.posting_allowed = [](const config::troupe_config& config) {
    return posting_allowed(effective_flags(config)).allowed;
  };
  sources.now_ms = system_now_ms;
  sources.aol_owner = std::move(aol_owner);
  sources.started_at_ms = system_now_ms();
  sources.binary = ops::running_binary();
  sources.pods = line.run.pods;
  sources.board = std::move(board);
  sources.on_changes = notify_monitor_changes;
  return sources;
}

// The jobs of `troupe run`: the content pipeline's with the process's one
// LLM client (drivers' verbs run `driver_program`, empty: drivers.command),
// the monitor and the cleanup.
jobs::job_catalog job_bodies(const command_line& line, const config_reloader& reloader, std::optional<daemon_tree>& tree,
                             const std::shared_ptr<node_metrics>& metrics, const std::string& aol_owner,
                             const std::shared_ptr<ops::monitor_board>& board) {
  const auto config = reloader.current();
  pipeline::pipeline_services services;
  services.llm = pipeline::llm_service::create(
      *config, [&reloader] { return effective_flags(*reloader.current()); }, environment_lookup);
  services.flags = [](const config::troupe_config& current) { return effective_flags(current); };
  services.now_ms = system_now_ms;
  services.seed = std::random_device{}();
  services.driver_program = line.run.driver.value_or("");
  services.on_post_skip = [metrics](const std::string& reason) { metrics->post_skipped(reason); };
  services.on_learn_run = [metrics] { metrics->learn_ran(); };
  auto catalog = pipeline::content_jobs(services);
  catalog["monitor"] = ops::monitor_job(monitor_sources_for(line, tree, services.llm, aol_owner, board));
  catalog.emplace("cleanup", pipeline::recorded(ops::cleanup_job(system_now_ms), system_now_ms));
  return catalog;
}

// "ADDR:PORT" of --http into the config's http section.
status apply_http_option(const std::string& option, config::http_config& http) {
  const auto colon = option.rfind(':');
  if (colon == std::string::npos || colon == 0) return error{"--http " + option + ": expected ADDR:PORT"};
  try {
    std::size_t used = 0;
    const int port = std::stoi(option.substr(colon + 1), &used);
    if (used != option.size() - colon - 1 || port < 0 || port > 65535) throw std::out_of_range(option);
    http.address = option.substr(0, colon);
    http.port = port;
    return {};
  } catch (const std::exception&) {
    return error{"--http " + option + ": the port must be a number in 0..65535"};
  }
}

// The config of `troupe run`: the files, --db, --log-level and --http.
config::load_result load_for_run(const command_line& line) {
  auto loaded = load_with_overrides(line.common);
  if (!loaded.ok() || !line.run.http) return loaded;
  auto effective = std::make_shared<config::troupe_config>(*loaded.config);
  if (auto applied = apply_http_option(*line.run.http, effective->http); !applied) {
    loaded.diagnostics.push_back({config::severity::error, "command line", 0, 0, "http", applied.failure().message});
    loaded.config = nullptr;
    return loaded;
  }
  loaded.config = std::move(effective);
  return loaded;
}

// Starts the API and console on the config's http address.
// `running` is set to the server once it has its final place; until then
// /metrics shows no request counts.
using running_server = std::shared_ptr<std::atomic<const http::server*>>;

// The status report of `troupe run` on a database connection (or null and why).
using report_builder = std::function<boost::json::object(store::database*, const std::string&)>;

report_builder report_of_run(std::optional<daemon_tree>& tree, const config_reloader& reloader,
                             std::shared_ptr<node_metrics> metrics, std::shared_ptr<const ops::monitor_board> monitor,
                             std::string aol_owner) {
  ops::report_sources sources;
  sources.probe_tree = tree_probe(tree);
  sources.reloader = &reloader;
  sources.metrics = std::move(metrics);
  sources.monitor = std::move(monitor);
  sources.aol_owner = std::move(aol_owner);
  sources.started_at_ms = system_now_ms();
  sources.now_ms = system_now_ms;
  return [sources](store::database* db, const std::string& problem) {
    return ops::gather_report(sources, db, problem);
  };
}

result<http::server> serve_api(daemon_tree& tree, config_reloader& reloader, node_metrics& metrics,
                               http::query_worker& queries, const running_server& running,
                               std::shared_ptr<const ops::monitor_board> monitor, report_builder report) {
  const auto config = reloader.current();
  auto context = std::make_shared<http::api_context>(http::api_context{
      http::actor_bridge(tree.system(), tree.supervisor()), reloader, metrics, queries,
      [running] {
        const auto* server = running->load();
        return server ? server->request_counts() : std::map<int, std::uint64_t>{};
      },
      system_now_ms, environment_lookup, std::move(monitor), std::move(report)});
  http::server_options options;
  options.address = config->http.address;
  options.port = static_cast<std::uint16_t>(config->http.port);
  auto server = http::server::start(options, http::api_routes(context));
  if (!server) return error{"cannot serve the API on " + config->http.address + ":" + std::to_string(config->http.port) +
                            ": " + server.failure().message};
  spdlog::info("API and console on http://{}:{}/", config->http.address, server->port());
  if (!context->admin_token()) spdlog::warn("no admin token configured: admin endpoints are refused");
  return server;
}

// Reloads on the reloader's own thread: neither the watcher's thread nor the
// signal loop waits on reading files. Queued reloads read the files as they
// are when they run, so one more adds nothing.
void reload_soon(config_reloader& reloader, const char* trigger) {
  if (!reloader.reload_later(trigger, system_now_ms())) {
    spdlog::info("{}: reloads are queued already; not queuing another", trigger);
  }
}

// Reloads when a config file changes; nullopt (with a warning) when the
// files cannot be watched: SIGHUP and POST /admin/reload still work.
std::optional<file_watcher> watch_config_files(config_reloader& reloader) {
  const auto files = reloader.files();
  if (files.empty()) return std::nullopt;  // built-in defaults: nothing to watch
  auto watcher = file_watcher::start(files, [&reloader](const std::vector<std::string>& changed) {
    spdlog::info("config file changed: {}", fmt::join(changed, ", "));
    reload_soon(reloader, "inotify");
  });
  if (!watcher) {
    spdlog::warn("not watching the config files: {}", watcher.failure().message);
    return std::nullopt;
  }
  return std::move(watcher).value();
}

// The AOL loop and the LLM client keep the settings they started with: say
// so when a reload changes them.
void warn_if_started_sections_changed(const config::troupe_config& started, const config::troupe_config& next,
                                      std::uint64_t version) {
  const auto before = config::to_json(started).as_object();
  const auto after = config::to_json(next).as_object();
  for (const char* section : {"aol", "llm", "notify"}) {
    if (before.at(section) == after.at(section)) continue;
    spdlog::warn("config version {}: the {} settings change at the next start; the running {} keeps those it "
                 "started with",
                 version, section, section == std::string("llm") ? "LLM client" : "loop");
  }
}

// The AOL loop inside `troupe run`: RUN_SESSION goes through the tree.
aol::loop_options loop_options_for_run(const command_line& line, std::shared_ptr<const config::troupe_config> config,
                                       daemon_tree& tree, const config_reloader& reloader, std::string owner) {
  aol::loop_options options;
  options.config = std::move(config);
  options.owner = std::move(owner);
  options.flags = [&reloader] { return effective_flags(*reloader.current()); };
  options.proof_at_start = config::aol_proof_from_environment(environment_lookup);
  options.adapters = aol::builtin_adapters(aol::tree_session_runner(tree));
  pipeline::add_content_adapters(options.adapters, options.config->db);
  options.driver_program = line.run.driver.value_or("");
  options.on_tick = [](const aol::tick_report& report) { spdlog::debug("{}", aol::tick_line(report)); };
  options.prune_finished_actions = false;  // job:cleanup prunes the queue
  return options;
}

// How long `troupe run` waits for the tree to answer before it tells systemd it is ready.
constexpr std::chrono::seconds readiness_limit{60};

// The STATUS= line systemd shows for this process.
std::string service_status_line(daemon_tree& tree, const config_reloader& reloader, std::chrono::milliseconds bound) {
  const auto summary = tree.summary(bound);
  const auto last = reloader.last_reload();
  return summary ? ops::status_line(*summary, last && !last->ok) : ops::not_answering_line(bound);
}

// The simulated driver installed beside this executable.
std::string sibling_sim_driver() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string("sim-driver") : (self.parent_path() / "sim-driver").string();
}

int self_test_command(const command_line& line) {
  auto config = load_effective_config(line.common);
  if (!config) return exit_bad_input;
  configure_console_logging(line.common.log_level.value_or("warn"));
  self_test_options options;
  options.driver_program = line.run.driver.value_or(sibling_sim_driver());
  const auto outcome = run_self_test(**config, options, [](const self_test_check& check) {
    std::cout << (check.passed ? "PASS " : "FAIL ") << check.name << ": " << check.detail << std::endl;
  });
  if (!outcome.kept_directory.empty()) std::cout << "artifacts kept in " << outcome.kept_directory << "\n";
  std::cout << (outcome.passed ? "self-test passed" : "self-test FAILED") << std::endl;
  spdlog::shutdown();
  return outcome.passed ? exit_ok : exit_failure;
}

}  // namespace

int check_config_command(const command_line& line) {
  auto loaded = config::load_config(line.common.config_files);
  for (const auto& finding : loaded.diagnostics) std::cout << config::format(finding) << "\n";
  if (!loaded.ok()) return exit_bad_input;
  std::cout << "ok\n";
  return exit_ok;
}

int migrate_command(const command_line& line) {
  auto config = load_effective_config(line.common);
  if (!config) return exit_bad_input;
  configure_console_logging((*config)->log.level);
  auto db = open_migrated(**config);
  if (!db) return exit_failure;
  std::cout << "database " << db->url_for_logs() << " is up to date\n";
  return exit_ok;
}

int tables_command(const command_line& line) {
  auto config = load_effective_config(line.common);
  if (!config) return exit_bad_input;
  configure_console_logging((*config)->log.level);
  auto db = open_configured(**config);
  if (!db) return exit_failure;
  auto tables = store::check_tables(*db);
  if (!tables) {
    std::cerr << tables.failure().message << "\n";
    return exit_failure;
  }
  bool all_present = true;
  for (const auto& table : *tables) {
    std::cout << (table.present ? "present  " : "MISSING  ") << table.name << "\n";
    all_present = all_present && table.present;
  }
  return all_present ? exit_ok : exit_bad_input;
}

int run_command(const command_line& line) {
  if (line.run.self_test) return self_test_command(line);
  control_signals signals;  // before any thread starts, so every thread inherits the mask
  auto load = [&line] { return load_for_run(line); };
  auto loaded = load();
  for (const auto& finding : loaded.diagnostics) std::cerr << config::format(finding) << "\n";
  if (!loaded.ok()) return exit_bad_input;
  const auto config = loaded.config;
  if (auto pod = unknown_pod(*config, line.run.pods)) {
    std::cerr << "troupe run: --pod " << *pod << ": no such pod in the config\n";
    return exit_bad_input;
  }
  if (auto logging = configure_logging(config->log, line.common.log_level); !logging) {
    std::cerr << "troupe: " << logging.failure().message << "\n";
    return exit_bad_input;
  }
  const log_drain drain;
  spdlog::flush_every(std::chrono::seconds(1));
  auto cluster = cluster_settings_for_run(line, *config);
  if (!cluster) {
    std::cerr << "troupe run --cluster: " << cluster.failure().message << "\n";
    return exit_bad_input;
  }
  log_start_summary(*config, line.common.config_files);
  if (!prepare_store(*config, cluster->has_value())) return exit_failure;

  ops::service_announcer service(environment_lookup);  // systemd's Type=notify; nothing without NOTIFY_SOCKET
  auto metrics = std::make_shared<node_metrics>();
  // The reloader comes first (the jobs read the config through it); it
  // reaches the tree only on a reload, which nothing triggers before the
  // tree exists.
  std::optional<daemon_tree> tree;
  safety_line_logger safety_line(*config);
  config_reloader reloader(
      config, loaded.files, load,
      [&tree, &config, &safety_line](std::shared_ptr<const config::troupe_config> next, std::uint64_t version) {
        warn_if_started_sections_changed(*config, *next, version);
        safety_line.reloaded(*next, version);
        tree->apply_config(std::move(next), version);
      },
      *metrics, {[&service] { service.reload_started(); }, [&service] { service.reload_finished(); }});
  const auto aol_owner = aol::unique_owner();
  auto monitor = std::make_shared<ops::monitor_board>();
  tree.emplace(config, troupe::daemon_options{
                           line.run.pods, line.run.driver, std::chrono::seconds(30), metrics,
                           job_bodies(line, reloader, tree, metrics, aol_owner, monitor),
                           std::move(*cluster)});
  http::query_worker queries(config->db.url, config->db.busy_timeout_ms);
  auto running = std::make_shared<std::atomic<const http::server*>>(nullptr);
  const auto report = report_of_run(tree, reloader, metrics, monitor, aol_owner);
  auto served = serve_api(*tree, reloader, *metrics, queries, running, monitor, report);
  if (!served) {
    spdlog::critical("{}", served.failure().message);
    tree->stop();
    return exit_failure;
  }
  running->store(&*served);
  auto watcher = watch_config_files(reloader);
  std::optional<ops::report_writer> reports(std::in_place, [&reloader] { return reloader.current(); },
                                            [&reloader, report] {
                                              const auto current = reloader.current();
                                              auto db = store::database::open(current->db.url,
                                                                              current->db.busy_timeout_ms);
                                              return report(db ? &*db : nullptr,
                                                            db ? std::string() : db.failure().message);
                                            },
                                            system_now_ms);
  auto loop = aol::aol_loop::start(loop_options_for_run(line, config, *tree, reloader, aol_owner));
  if (!loop) {
    spdlog::critical("the AOL loop cannot start: {}", loop.failure().message);
    served->stop();
    tree->stop();
    return exit_failure;
  }
  service.announce_ready([&tree](std::chrono::milliseconds bound) { return tree->answers_liveness_probe(bound); },
                         [&tree, &reloader](std::chrono::milliseconds bound) {
                           return service_status_line(*tree, reloader, bound);
                         },
                         readiness_limit);
  auto watchdog = service.start_watchdog();  // ends before the tree it probes
  spdlog::info("actor tree up; running until SIGINT or SIGTERM");
  std::string stop_reason;
  for (;;) {
    int signal_number = signals.wait();
    if (signal_number == SIGHUP && !tree->escalated()) {
      reload_soon(reloader, "sighup");
      continue;
    }
    if (tree->escalated()) {
      stop_reason = "the supervisor gave up; stopping";
      spdlog::critical("{}", stop_reason);
      record_fatal_issue(*reloader.current(), ops::supervisor_escalated,
                         "the supervisor gave up: a pod or job crashed past the restart limit",
                         tree->escalation_reason(), nullptr, true);
    } else {
      stop_reason = fmt::format("received {}; draining", strsignal(signal_number));
      spdlog::info("{}", stop_reason);
    }
    break;
  }
  service.stopping(stop_reason);
  watchdog.reset();
  watcher.reset();
  reports.reset();  // it probes the tree: it stops first
  loop->stop();    // its sessions go through the tree: it stops first
  served->stop();  // no request reaches the tree while it stops
  const int cut_short = tree->stop();
  spdlog::info("stopped cleanly ({} sessions cut short)", cut_short);
  return tree->escalated() ? exit_failure : exit_ok;
}

} // namespace troupe::cli
