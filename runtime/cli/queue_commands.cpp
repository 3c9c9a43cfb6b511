// `troupe enqueue`, `troupe actions`, `troupe flags` and `troupe decisions`:
// the action queue, the loop's control flags and the content decisions in
// the configured database, read and written directly (no daemon needed). Input is checked before the database is
// opened, so a typo never leaves anything behind.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>

#include "runtime/cli/aol_commands.hpp"
#include "runtime/cli/effective_config.hpp"
#include "runtime/cli/exit_codes.hpp"
#include "runtime/cli/store_access.hpp"
#include "runtime/cli/table.hpp"
#include "runtime/http/action_requests.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/http/query.hpp"
#include "runtime/logging.hpp"
#include "runtime/pipeline/operator_answers.hpp"
#include "runtime/pipeline/reply_diagnostics.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/system_clock.hpp"

namespace troupe::cli {
namespace {

// These commands print a result; the log says only what went wrong unless
// --log-level asks for more.
constexpr const char* quiet_log_level = "warn";

int bad_input(const std::string& command, const std::string& message) {
  std::cerr << "troupe " << command << ": " << message << "\n";
  return exit_bad_input;
}

int failed(const std::string& command, const error& failure) {
  std::cerr << "troupe " << command << ": " << failure.message << "\n";
  return exit_failure;
}

// Runs `work` on the configured database, opened and migrated: exit 2 on a
// bad config, 1 when the database cannot be opened.
int with_store(const command_line& line,
               const std::function<int(const config::troupe_config&, store::database&)>& work) {
  auto config = load_effective_config(line.common);
  if (!config) return exit_bad_input;
  configure_console_logging(line.common.log_level.value_or(quiet_log_level));
  auto db = open_migrated(**config);
  if (!db) return exit_failure;
  return work(**config, *db);
}

// The action `troupe enqueue` asks for (max_attempts is the config's), or
// what is wrong with it.
result<store::new_action> requested_action(const queue_options& options) {
  if (options.type.empty()) return error{"the action type is missing or empty (or give --file)"};
  if (options.key.empty()) return error{"--key is missing or empty"};
  boost::json::error_code problem;
  auto payload = boost::json::parse(options.payload, problem);
  if (problem) return error{"--payload is not JSON: " + problem.message()};
  if (!payload.is_object()) return error{"--payload must be a JSON object, e.g. '{\"text\": \"hello\"}'"};

  store::new_action wanted;
  wanted.type = options.type;
  wanted.payload_json = boost::json::serialize(payload);
  wanted.idempotency_key = options.key;
  wanted.priority = options.priority;
  if (options.run_at) {
    auto run_at = http::parse_timestamp_ms(*options.run_at);
    if (!run_at) return error{"--run-at: " + run_at.failure().message};
    wanted.run_at_ms = *run_at;
  }
  return wanted;
}

// The body of `troupe enqueue --file` as JSON, or why it is not an object.
result<boost::json::object> batch_file_body(const queue_options& options) {
  if (!options.type.empty() || !options.key.empty() || options.payload != "{}" ||
      options.priority != 0 || options.run_at) {
    return error{
        "--file takes every action from the file: leave out the type, --key, --payload, --priority "
        "and --run-at"};
  }
  std::ifstream file;
  if (*options.file != "-") {
    file.open(*options.file);
    if (!file) return error{"--file " + *options.file + ": cannot read it"};
  }
  std::istream& in = *options.file == "-" ? std::cin : file;
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  boost::json::error_code problem;
  auto body = boost::json::parse(text, problem);
  if (problem) return error{"--file " + *options.file + " is not JSON: " + problem.message()};
  if (!body.is_object() || !http::is_action_batch(body.as_object())) {
    return error{"--file " + *options.file +
                 " must hold {\"actions\": [...]}, as POST /api/actions takes a batch"};
  }
  return std::move(body.as_object());
}

result<std::optional<store::action_status>> requested_status(const queue_options& options) {
  if (!options.status) return std::optional<store::action_status>();
  std::string name = *options.status;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
  if (auto parsed = store::parse_action_status(name)) return std::optional<store::action_status>(*parsed);
  return error{"--status " + *options.status +
               ": unknown status; one of PENDING, RUNNING, SUCCEEDED, RETRY, DLQ, NEEDS_DECISION, CANCELLED"};
}

// Every action of `filter`'s status, page after page.
result<std::vector<store::action>> all_actions(store::database& db, store::action_query filter) {
  filter.limit = store::max_action_page;
  std::vector<store::action> all;
  for (;;) {
    auto page = store::list_actions(db, filter);
    if (!page) return page.failure();
    all.insert(all.end(), page->begin(), page->end());
    if (static_cast<int>(page->size()) < filter.limit) return all;
    filter.after_id = page->back().id;
  }
}

// When a waiting action is next due; nothing for one that is not waiting to run.
std::string next_attempt(const store::action& action) {
  const bool waiting = action.status == store::action_status::pending || action.status == store::action_status::retry;
  return waiting ? http::iso_time(action.next_attempt_at_ms) : "–";
}

// Why a PENDING action waits, or where a rehearsal's artifact is.
std::string note_on(const store::action& action) {
  if (action.held_reason) return "held: " + *action.held_reason;
  if (action.status == store::action_status::proofed && action.proof_artifact) {
    return "proof: " + *action.proof_artifact;
  }
  return "";
}

// Sends the PROOFED action `id` back to PENDING; says what it did.
int release_action(store::database& db, std::int64_t id) {
  auto released = store::release_proofed_action(db, id, system_now_ms());
  if (!released) return failed("actions", released.failure());
  if (!*released) {
    auto found = store::load_action(db, id);
    if (!found) return failed("actions", found.failure());
    const std::string state = *found ? std::string("is ") + store::to_string((*found)->status) : "does not exist";
    return bad_input("actions", "--release " + std::to_string(id) + ": action " + std::to_string(id) + " " +
                                    state + "; only a PROOFED action can be released");
  }
  std::cout << "released action " << id << ": PENDING for a real run under the same key\n";
  return exit_ok;
}

std::string actions_table(const std::vector<store::action>& actions) {
  using align = table_column::alignment;
  const std::vector<table_column> columns{
      {"ID", align::right},  {"TYPE"},         {"STATUS"},   {"PRIORITY", align::right}, {"ATTEMPTS", align::right},
      {"NEXT ATTEMPT"},      {"KEY", align::left, 40},       {"LAST ERROR", align::left, 60},
      {"NOTE", align::left, 60}};
  std::vector<table_row> rows;
  for (const auto& action : actions) {
    rows.push_back({std::to_string(action.id), action.type, store::to_string(action.status),
                    std::to_string(action.priority),
                    std::to_string(action.attempts) + "/" + std::to_string(action.max_attempts), next_attempt(action),
                    action.idempotency_key, action.last_error.value_or(""), note_on(action)});
  }
  return format_table(columns, rows);
}

struct flag_setting {
  std::string name;
  bool value = false;
};

// "name=value" of --set: a known flag, true or false.
result<flag_setting> parse_setting(const std::string& text) {
  const auto equals = text.find('=');
  if (equals == std::string::npos) return error{"--set " + text + ": expected name=value, e.g. paused=true"};
  flag_setting setting{text.substr(0, equals)};
  const auto names = store::control_flag_names();
  if (std::find(names.begin(), names.end(), setting.name) == names.end()) {
    std::string known;
    for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
    return error{"--set " + text + ": unknown flag '" + setting.name + "'; the flags are " + known};
  }
  const auto value = text.substr(equals + 1);
  if (value != "true" && value != "false") return error{"--set " + text + ": the value must be true or false"};
  setting.value = value == "true";
  return setting;
}

// The decision's reason: why it was skipped, failed or is unconfirmed.
std::string reason_of(const store::content_decision& decision) {
  return decision.skip_reason.value_or(decision.error_message.value_or(""));
}

std::string decisions_table(const std::vector<store::content_decision>& decisions) {
  using align = table_column::alignment;
  const std::vector<table_column> columns{{"DECISION", align::left, 40}, {"STATUS"}, {"TYPE"}, {"ACCOUNT"},
                                          {"ACTION", align::right},      {"SCHEDULED"},
                                          {"REASON", align::left, 60},   {"TEXT", align::left, 50}};
  std::vector<table_row> rows;
  for (const auto& decision : decisions) {
    rows.push_back({decision.decision_id, store::to_string(decision.status), store::to_string(decision.type),
                    decision.account_id, decision.aol_action_id ? std::to_string(*decision.aol_action_id) : "",
                    decision.scheduled_at_ms ? http::iso_time(*decision.scheduled_at_ms) : "", reason_of(decision),
                    decision.content});
  }
  return format_table(columns, rows);
}

int list_decisions(store::database& db, const std::optional<store::decision_status>& status) {
  store::decision_filter filter;
  filter.status = status;
  auto listed = store::list_decisions(db, filter, {store::max_decision_page, 0});
  if (!listed) return failed("decisions", listed.failure());
  if (listed->decisions.empty()) {
    std::cout << (status ? std::string("no ") + store::to_string(*status) + " decisions\n" : "no decisions\n");
  } else {
    std::cout << decisions_table(listed->decisions);
  }
  return exit_ok;
}

int answer(store::database& db, const std::string& decision_id, const pipeline::operator_op& op) {
  auto answered = pipeline::answer_decision(db, decision_id, op, system_now_ms());
  if (!answered) return failed("decisions", answered.failure());
  if (answered->result != pipeline::operator_answer::kind::answered) {
    std::cerr << "troupe decisions: " << answered->message << "\n";
    return exit_failure;
  }
  std::cout << op.op << ": answered action " << answered->action_id << " of decision " << decision_id
            << "; the operations loop applies it at its next tick\n";
  return exit_ok;
}

// Says what became of one action of `troupe enqueue`.
void print_outcome(const store::enqueue_outcome& outcome) {
  const auto& queued = outcome.queued;
  if (outcome.created) {
    std::cout << "created action " << queued.id << "\n";
  } else {
    std::cout << "exists: action " << queued.id << " (status " << store::to_string(queued.status)
              << ")\n";
  }
}

// `troupe enqueue --file`: every action of the file in one transaction, one
// line per action in the file's order.
int enqueue_file_command(const command_line& line) {
  auto body = batch_file_body(line.queue);
  if (!body) return bad_input("enqueue", body.failure().message);
  // Checked before the database is opened; read again below with the
  // config's aol.maxAttempts for the actions that name none.
  if (auto checked = http::new_actions_of(*body, 1); !checked)
    return bad_input("enqueue", checked.failure().message);
  return with_store(line, [&](const config::troupe_config& config, store::database& db) {
    auto wanted = http::new_actions_of(*body, config.aol.max_attempts);
    if (!wanted) return bad_input("enqueue", wanted.failure().message);
    auto outcomes = store::enqueue_actions(db, *wanted, system_now_ms());
    if (!outcomes) return failed("enqueue", outcomes.failure());
    for (const auto& outcome : *outcomes) print_outcome(outcome);
    return exit_ok;
  });
}

}  // namespace

int enqueue_command(const command_line& line) {
  if (line.queue.file) return enqueue_file_command(line);
  auto wanted = requested_action(line.queue);
  if (!wanted) return bad_input("enqueue", wanted.failure().message);
  return with_store(line, [&](const config::troupe_config& config, store::database& db) {
    wanted->max_attempts = config.aol.max_attempts;
    auto outcome = store::enqueue_action(db, *wanted, system_now_ms());
    if (!outcome) return failed("enqueue", outcome.failure());
    print_outcome(*outcome);
    return exit_ok;
  });
}

int actions_command(const command_line& line) {
  auto status = requested_status(line.queue);
  if (!status) return bad_input("actions", status.failure().message);
  return with_store(line, [&](const config::troupe_config&, store::database& db) {
    if (line.queue.release) return release_action(db, *line.queue.release);
    store::action_query filter;
    filter.status = *status;
    auto actions = all_actions(db, filter);
    if (!actions) return failed("actions", actions.failure());
    if (actions->empty()) {
      std::cout << (*status ? std::string("no ") + store::to_string(**status) + " actions\n" : "no actions\n");
    } else {
      std::cout << actions_table(*actions);
    }
    return exit_ok;
  });
}

int flags_command(const command_line& line) {
  std::vector<flag_setting> settings;
  for (const auto& text : line.queue.set) {
    auto setting = parse_setting(text);
    if (!setting) return bad_input("flags", setting.failure().message);
    settings.push_back(*setting);
  }
  return with_store(line, [&](const config::troupe_config&, store::database& db) {
    for (const auto& setting : settings) {
      if (auto set = store::set_control_flag(db, setting.name, setting.value, system_now_ms()); !set) {
        return failed("flags", set.failure());
      }
    }
    auto flags = store::load_control_flags(db);
    if (!flags) return failed("flags", flags.failure());
    std::cout << std::boolalpha << "paused: " << flags->paused << "\nproof: " << flags->proof << "\n";
    return exit_ok;
  });
}

int decisions_command(const command_line& line) {
  const auto& options = line.queue;
  std::optional<store::decision_status> status;
  if (options.status) {
    status = store::parse_decision_status(*options.status);
    if (!status) return bad_input("decisions", "--status " + *options.status + ": not a decision status");
  }
  if (options.op.has_value() != options.decision_id.has_value()) {
    return bad_input("decisions", "--op and --id go together");
  }
  std::optional<pipeline::operator_op> op;
  if (options.op) {
    auto parsed = pipeline::parse_operator_op(*options.op, options.post_id);
    if (!parsed) return bad_input("decisions", "--op " + *options.op + ": " + parsed.failure().message);
    op = *parsed;
  }
  return with_store(line, [&](const config::troupe_config&, store::database& db) {
    return op ? answer(db, *options.decision_id, *op) : list_decisions(db, status);
  });
}

int diag_command(const command_line& line) {
  return with_store(line, [&](const config::troupe_config& config, store::database& db) {
    auto report = pipeline::reply_pipeline_report(db, config, effective_flags(config), system_now_ms());
    if (!report) return failed("diag", report.failure());
    std::cout << (line.diag.json ? boost::json::serialize(*report) + "\n" : pipeline::reply_pipeline_text(*report));
    return exit_ok;
  });
}

}  // namespace troupe::cli
