#include "runtime/aol/adapters.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <utility>

#include "runtime/atomic_file.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/driver/run_driver.hpp"
#include "runtime/effect_gates.hpp"
#include "runtime/http/client.hpp"
#include "runtime/store/alert_groups.hpp"

namespace troupe::aol {

namespace json = boost::json;

// The payload as a JSON object, or why it is not one.
result<json::object> payload_object(const store::action& action) {
  boost::system::error_code failure;
  auto parsed = json::parse(action.payload_json, failure);
  if (failure || !parsed.is_object()) {
    return error{action.type + " needs a JSON object as its payload, got " + action.payload_json};
  }
  return std::move(parsed.as_object());
}

// The string field `name`: nullopt when absent, an error when not a string
// or, if `required`, absent or empty.
result<std::optional<std::string>> string_field(const json::object& payload, const char* name,
                                                const store::action& action, bool required) {
  const auto* value = payload.if_contains(name);
  if (value == nullptr || value->is_null()) {
    if (required) return error{action.type + " needs \"" + name + "\" in its payload"};
    return std::optional<std::string>{};
  }
  if (!value->is_string() || (required && value->as_string().empty())) {
    return error{action.type + ": \"" + name + "\" must be a non-empty string"};
  }
  return std::optional<std::string>{std::string(value->as_string())};
}

namespace {

// A session id for the driver's log and arguments, unique per attempt.
std::string attempt_session_id(const store::action& action) {
  return fmt::format("aol-{}-{}", action.id, action.attempts);
}

json::array strings(const std::vector<std::string>& values) {
  return json::array(values.begin(), values.end());
}

// A driver run as the session actors build it, from the config's drivers section.
driver::driver_invocation driver_invocation_for(const adapter_context& context,
                                                std::vector<std::string> args,
                                                const std::string& session_id,
                                                std::chrono::milliseconds timeout) {
  const auto& drivers = context.config->drivers;
  return driver::configured_invocation(drivers, context.driver_program.empty() ? drivers.command : context.driver_program,
                                       context.daemon_env, std::move(args), session_id, timeout);
}

// What a PROOF artifact says of a driver run. Environment values are left
// out: they may be secrets.
json::object describe_run(const driver::driver_invocation& invocation) {
  json::array env_names;
  for (const auto& entry : invocation.env) env_names.emplace_back(entry.first);
  return {{"run",
           {{"program", invocation.program},
            {"args", strings(invocation.args)},
            {"working_dir", invocation.working_dir},
            {"env", std::move(env_names)},
            {"timeout_ms", invocation.timeout.count()},
            {"log", invocation.log_path}}}};
}

// The PROOF outcome: the artifact describing `would_do`, written.
adapter_outcome prove(const adapter_context& context, const store::action& action,
                      const json::object& would_do) {
  auto artifact = write_proof_artifact(context, action, would_do);
  if (!artifact) return adapter_outcome::retryable(artifact.failure().message);
  return adapter_outcome::proofed(*artifact);
}

json::object gate_json(const gate_decision& gate) {
  return {{"allowed", gate.allowed}, {"reason", gate.reason}};
}

// Runs the driver, or in PROOF mode writes what it would run (with `notes`
// added to the description).
adapter_outcome run_or_prove(const driver::driver_invocation& invocation,
                             const store::action& action, const adapter_context& context,
                             const std::string& what, json::object notes = {}) {
  if (context.proof) return prove_run(invocation, action, context, std::move(notes));
  return outcome_of_driver(run_invocation(invocation, context), what);
}

// Where a webhook URL posts: "http://host[:port][/path][?query]".
result<std::pair<http::base_url, std::string>> webhook_endpoint(const std::string& url) {
  const auto query = url.find('?');
  auto base = http::parse_base_url(url.substr(0, query));
  if (!base) return base.failure();
  std::string target = base->prefix.empty() ? "/" : base->prefix;
  if (query != std::string::npos) target += url.substr(query);
  base->prefix.clear();
  return std::pair<http::base_url, std::string>{*base, target};
}

bool is_transient_status(int status) { return status == 408 || status == 429 || status >= 500; }

// POSTs the action's payload (a JSON object) to `url`; in PROOF mode, when
// `rehearse`, writes what it would send instead. `what` names the action
// type in errors.
adapter_outcome post_payload(const store::action& action, const adapter_context& context, const std::string& url,
                             const std::string& what, bool rehearse) {
  if (auto payload = payload_object(action); !payload) {
    return adapter_outcome::permanent_failure(payload.failure().message);
  }
  auto endpoint = webhook_endpoint(url);
  if (!endpoint) return adapter_outcome::permanent_failure(endpoint.failure().message);
  if (rehearse) {
    json::object request{{"method", "POST"},
                         {"url", url},
                         {"content_type", "application/json"},
                         {"body", action.payload_json},
                         {"timeout_ms", notify_timeout.count()}};
    return prove(context, action, {{"http", std::move(request)}});
  }
  auto answer = http::post(endpoint->first, endpoint->second, action.payload_json,
                           "application/json", notify_timeout);
  if (!answer) return adapter_outcome::retryable(what + ": " + answer.failure().message);
  if (answer->status >= 200 && answer->status < 300) return adapter_outcome::success();
  const auto error = fmt::format("{}: the webhook answered {}: {}", what, answer->status,
                                 answer->body.substr(0, 200));
  return is_transient_status(answer->status) ? adapter_outcome::retryable(error)
                                             : adapter_outcome::permanent_failure(error);
}

adapter_outcome notify(const store::action& action, const adapter_context& context) {
  const auto& url = context.config->aol.notify_webhook;
  if (url.empty()) {
    return adapter_outcome::permanent_failure("NOTIFY needs aol.notifyWebhook in the config");
  }
  return post_payload(action, context, url, "NOTIFY", context.proof);
}

// An alert group tells the operator about Troupe itself and changes nothing
// on any platform: like an approval, PROOF mode does not rehearse it, so a
// new install (PROOF by default) still alerts its operator.
adapter_outcome notify_alerts(const store::action& action, const adapter_context& context) {
  const auto& url = context.config->notify.url;
  if (url.empty()) {
    return adapter_outcome::permanent_failure(std::string(store::alert_group_action) +
                                              " needs notify.url in the config the loop started with");
  }
  return post_payload(action, context, url, store::alert_group_action, false);
}

std::string job_names(const job_table& jobs) {
  if (jobs.empty()) return "none";
  std::string names;
  for (const auto& entry : jobs) names += (names.empty() ? "" : ", ") + entry.first;
  return names;
}

adapter run_job(job_table jobs) {
  return [jobs = std::move(jobs)](const store::action& action, const adapter_context& context) {
    auto payload = payload_object(action);
    if (!payload) return adapter_outcome::permanent_failure(payload.failure().message);
    auto name = string_field(*payload, "job", action, true);
    if (!name) return adapter_outcome::permanent_failure(name.failure().message);
    const auto found = jobs.find(**name);
    if (found == jobs.end()) {
      return adapter_outcome::permanent_failure("unknown job '" + **name +
                                                "' (known: " + job_names(jobs) + ")");
    }
    return found->second(action, context);
  };
}

adapter run_session(session_runner runner) {
  return [runner = std::move(runner)](const store::action& action,
                                      const adapter_context& context) {
    auto payload = payload_object(action);
    if (!payload) return adapter_outcome::permanent_failure(payload.failure().message);
    auto account = string_field(*payload, "account", action, true);
    if (!account) return adapter_outcome::permanent_failure(account.failure().message);
    auto activity = string_field(*payload, "activity", action, false);
    if (!activity) return adapter_outcome::permanent_failure(activity.failure().message);
    if (!runner) return adapter_outcome::permanent_failure("RUN_SESSION has no session runner");
    return runner(session_request{**account, *activity}, action, context);
  };
}

}  // namespace

result<post_request> post_request_of(const store::action& action) {
  auto payload = payload_object(action);
  if (!payload) return payload.failure();
  auto account = string_field(*payload, "account", action, true);
  auto text = string_field(*payload, "text", action, true);
  auto reply_to = string_field(*payload, "reply_to", action, false);
  for (const auto* field : {&account, &text, &reply_to}) {
    if (!*field) return field->failure();
  }
  return post_request{**account, **text, *reply_to};
}

result<driver::driver_invocation> verb_invocation(const adapter_context& context, const std::string& verb,
                                                  const std::string& account, const std::string& session_id,
                                                  std::vector<std::string> extra, std::chrono::milliseconds timeout) {
  const auto& verbs = context.config->drivers.verbs;
  const auto script = verbs.find(verb);
  if (script == verbs.end()) return error{"no drivers.verbs." + verb};
  auto args = driver::verb_arguments(script->second, verb, account, session_id, false, std::move(extra));
  return driver_invocation_for(context, std::move(args), session_id, timeout);
}

result<driver::driver_invocation> verb_invocation(const adapter_context& context, const store::action& action,
                                                  const std::string& verb, const std::string& account,
                                                  std::vector<std::string> extra, std::chrono::milliseconds timeout) {
  return verb_invocation(context, verb, account, attempt_session_id(action), std::move(extra), timeout);
}

driver::driver_outcome run_invocation(const driver::driver_invocation& invocation, const adapter_context& context) {
  if (!invocation.log_path.empty()) {
    std::error_code ignored;  // run_driver reports a log it cannot open
    std::filesystem::create_directories(std::filesystem::path(invocation.log_path).parent_path(), ignored);
  }
  return driver::run_driver(invocation, [](const std::string&) {}, *context.cancel);
}

adapter_outcome prove_run(const driver::driver_invocation& invocation, const store::action& action,
                          const adapter_context& context, json::object notes) {
  auto would_do = describe_run(invocation);
  for (auto& note : notes) would_do.insert_or_assign(note.key(), std::move(note.value()));
  return prove(context, action, would_do);
}

adapter_outcome post_social(const store::action& action, const adapter_context& context) {
  auto request = post_request_of(action);
  if (!request) return adapter_outcome::permanent_failure(request.failure().message);
  std::vector<std::string> extra{"--idempotency-key", action.idempotency_key, "--text", request->text};
  if (request->reply_to) {
    extra.push_back("--reply-to");
    extra.push_back(*request->reply_to);
  }
  // A rehearsal changes nothing, so PROOF runs whatever the switches say
  // and records what they would decide; a real post needs all of them.
  const auto gate = posting_allowed(context.flags);
  if (!gate.allowed && !context.proof) return adapter_outcome::held(gate.reason, "posting");
  auto invocation = verb_invocation(context, action, "post", request->account, std::move(extra), verb_timeout);
  if (!invocation) return adapter_outcome::permanent_failure(invocation.failure().message);
  return run_or_prove(*invocation, action, context, "driver post", {{"posting_allowed", gate_json(gate)}});
}

adapter_outcome adapter_outcome::success() { return adapter_outcome{}; }

adapter_outcome adapter_outcome::retryable(std::string error) {
  adapter_outcome outcome;
  outcome.result = kind::failed;
  outcome.error = std::move(error);
  return outcome;
}

adapter_outcome adapter_outcome::permanent_failure(std::string error) {
  auto outcome = retryable(std::move(error));
  outcome.permanent = true;
  return outcome;
}

adapter_outcome adapter_outcome::decision_needed(std::string question) {
  adapter_outcome outcome;
  outcome.result = kind::needs_decision;
  outcome.error = std::move(question);
  return outcome;
}

adapter_outcome adapter_outcome::held(std::string reason, std::string effect) {
  adapter_outcome outcome;
  outcome.result = kind::held;
  outcome.error = std::move(reason);
  outcome.held_effect = std::move(effect);
  return outcome;
}

adapter_outcome adapter_outcome::proofed(std::string artifact) {
  adapter_outcome outcome;
  outcome.result = kind::proofed;
  outcome.artifact = std::move(artifact);
  return outcome;
}

void adapter_registry::add(std::string type, adapter handler) {
  handlers_[std::move(type)] = std::move(handler);
}

bool adapter_registry::knows(const std::string& type) const { return handlers_.count(type) != 0; }

adapter_outcome adapter_registry::run(const store::action& action,
                                      const adapter_context& context) const {
  const auto handler = handlers_.find(action.type);
  if (handler == handlers_.end()) {
    return adapter_outcome::permanent_failure("unknown action type " + action.type);
  }
  try {
    return handler->second(action, context);
  } catch (const std::exception& thrown) {
    return adapter_outcome::retryable(action.type + " failed: " + thrown.what());
  }
}

adapter_registry builtin_adapters(session_runner run_session_with, job_table jobs) {
  adapter_registry registry;
  registry.add("POST_SOCIAL", post_social);
  registry.add("NOTIFY", notify);
  registry.add(store::alert_group_action, notify_alerts);
  registry.add("RUN_JOB", run_job(std::move(jobs)));
  registry.add("RUN_SESSION", run_session(std::move(run_session_with)));
  return registry;
}

session_runner no_session_runner() {
  return [](const session_request&, const store::action&, const adapter_context&) {
    return adapter_outcome::held(no_runner_reason, "session");
  };
}

result<std::string> write_proof_artifact(const adapter_context& context,
                                         const store::action& action,
                                         const json::object& would_do) {
  boost::system::error_code parse_failure;
  auto payload = json::parse(action.payload_json, parse_failure);
  if (parse_failure) payload = json::string(action.payload_json);
  json::object artifact{{"action", action.id},
                        {"attempt", action.attempts},
                        {"type", action.type},
                        {"idempotency_key", action.idempotency_key},
                        {"payload", std::move(payload)},
                        {"proof", true},
                        {"would", would_do}};
  const auto path = context.artifact_dir / fmt::format("{}-{}.json", action.id, action.attempts);
  // Written beside and renamed, so a reader never sees half an artifact.
  if (auto written = write_file_atomically(path, json::serialize(artifact) + "\n"); !written) {
    return error{"cannot write the PROOF artifact: " + written.failure().message};
  }
  return path.string();
}

adapter_outcome outcome_of_driver(const driver::driver_outcome& outcome, const std::string& what) {
  using driver::outcome_kind;
  if (outcome.kind == outcome_kind::success) return adapter_outcome::success();
  const auto error = what + ": " + outcome.error;
  switch (outcome.kind) {
    case outcome_kind::transient:
    case outcome_kind::timeout:
    case outcome_kind::cancelled:
      return adapter_outcome::retryable(error);
    default:
      return adapter_outcome::permanent_failure(error);
  }
}

}  // namespace troupe::aol
