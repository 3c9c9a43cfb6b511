// Adapters: what each type of queued action does. A registry maps an action
// type to its handler; the loop (runtime/aol/loop.hpp) runs the handler of
// every claimed action and records the outcome in the queue. Built-ins:
//
//   POST_SOCIAL  {"account": "<profile id>", "text": "...", "reply_to": optional}
//                the driver's `post` verb (drivers.verbs.post) with
//                --profile, --idempotency-key K, --text and --reply-to, only
//                when posting_allowed() says so (runtime/effect_gates.hpp);
//                otherwise the action is held with the gate's reason
//   NOTIFY       any JSON payload, POSTed as it is to aol.notifyWebhook
//   NOTIFY_ALERTS an alert group (runtime/ops/notify.hpp), POSTed as it is
//                to notify.url; sent in PROOF mode too: it tells the operator
//                about Troupe and changes nothing on any platform
//   RUN_JOB      {"job": "<name>"}: a named job of the registry's job table
//   RUN_SESSION  {"account": "<profile id>", "activity": optional}: one
//                session through the `session_runner` the registry's
//                builder supplies
//
// Outcomes follow the driver contract: exit 0 succeeds; exit 2 (transient),
// a timeout and a cancel are retried with backoff; every other exit fails
// permanently (the action goes to the DLQ with the error, for an operator).
// A payload that does not fit its type fails permanently too, as does an
// unknown type ("unknown action type X"). A held action is not consumed: it
// goes back to PENDING with its reason and is looked at again later.
//
// PROOF mode: an adapter (NOTIFY_ALERTS excepted) changes nothing outside and instead writes a JSON
// artifact, <aol.dataDir>/proof/<action id>-<attempt>.json, describing
// exactly what it would do (the driver's command line, or the URL and body),
// and reports it as `proofed`: the action waits, PROOFED, for an operator to
// release it for a real run under the same key.
//
// Adapters block (they run drivers and HTTP requests): the loop calls them
// on threads of its own, several at once (aol.maxParallel). A registry is
// built once and then only read; reading it from several threads at once is
// safe. The handlers it holds must be callable concurrently.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "runtime/driver/cancel_token.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/driver/outcome.hpp"
#include "runtime/result.hpp"
#include "runtime/store/aol_actions.hpp"

namespace troupe::aol {

// How an attempt at an action ended, as its adapter says.
struct adapter_outcome {
  enum class kind { succeeded, failed, needs_decision, held, proofed };

  kind result = kind::succeeded;
  // failed: why; needs_decision: the question; held: the reason, one word
  // (shadow_mode, posting_disabled, live_posts_off, no_runner, sleep_window, ...)
  std::string error;
  bool permanent = false;               // failed: no retry, DLQ at once
  std::optional<std::string> artifact;  // proofed: the PROOF artifact written
  std::string held_effect;              // held: what was held back, for the log ("posting")

  static adapter_outcome success();
  static adapter_outcome retryable(std::string error);
  static adapter_outcome permanent_failure(std::string error);
  static adapter_outcome decision_needed(std::string question);
  static adapter_outcome held(std::string reason, std::string effect);
  static adapter_outcome proofed(std::string artifact);
};

// What an adapter works with besides the action. Built by the loop for each
// attempt.
struct adapter_context {
  bool proof = false;                   // write an artifact, change nothing outside
  std::filesystem::path artifact_dir;   // where PROOF artifacts go: <aol.dataDir>/proof
  // The config in force: drivers, activities, aol.notifyWebhook, notify.url. Never null.
  std::shared_ptr<const config::troupe_config> config =
      std::make_shared<const config::troupe_config>();
  // The effective safety flags (the config's, with the environment
  // applied) when the attempt started: what the effect gates read.
  config::flags_config flags;
  std::string driver_program;                     // drivers.command, or --driver
  std::map<std::string, std::string> daemon_env;  // what drivers' environments come from
  // Extends the action's lease (between ticks, at the next tick); false
  // when it was not extended: the action was lost to another holder (stop
  // the work: its outcome will not be recorded), the loop is stopping, or
  // the database did not answer. Irreversible work starts only after true.
  std::function<bool()> renew = [] { return true; };
  // The least lease time the action has left once renew() returned true:
  // what bounds an irreversible call's timeout (a lease that ran out would
  // let another daemon attempt the action at the same time).
  std::chrono::milliseconds renewed_lease{60'000};
  // Cancelled when the attempt must stop (the loop is stopping or lost the
  // action); drivers watch it. Never null.
  std::shared_ptr<const driver::cancel_token> cancel = std::make_shared<driver::cancel_token>();
};

// A handler of one action type.
using adapter = std::function<adapter_outcome(const store::action&, const adapter_context&)>;

class adapter_registry {
 public:
  // Adds (or replaces) the handler of `type`.
  void add(std::string type, adapter handler);

  bool knows(const std::string& type) const;

  // Runs the handler of the action's type. An unknown type fails
  // permanently ("unknown action type X"); a handler that throws fails the
  // attempt, retryably, with what it threw.
  adapter_outcome run(const store::action& action, const adapter_context& context) const;

 private:
  std::map<std::string, adapter> handlers_;
};

// A named job for RUN_JOB: it gets the action and the context like an adapter.
using job = adapter;
using job_table = std::map<std::string, job>;

// What RUN_SESSION asks for.
struct session_request {
  std::string account;                  // the profile id
  std::optional<std::string> activity;  // empty: the runner's choice
};

// Runs one session of an account (or, in PROOF mode, writes the artifact of
// what it would run). `troupe run` supplies one that goes through the
// supervisor's semaphore; `troupe daemon`, which runs no account actors,
// uses no_session_runner().
using session_runner = std::function<adapter_outcome(
    const session_request&, const store::action&, const adapter_context&)>;

// The built-in adapters (POST_SOCIAL, NOTIFY, NOTIFY_ALERTS, RUN_JOB with `jobs`,
// RUN_SESSION with `run_session`).
adapter_registry builtin_adapters(session_runner run_session, job_table jobs = {});

// The session runner of a process without account actors: it runs nothing
// and holds every RUN_SESSION with the reason `no_runner`, for a `troupe
// run` sharing the database to serve (only the account's actor may run its
// sessions: the semaphore and "one session per account" live there).
session_runner no_session_runner();

// The reason a RUN_SESSION waits for when no process runs account actors.
constexpr const char* no_runner_reason = "no_runner";

// The time a NOTIFY or NOTIFY_ALERTS request may take, all of it.
constexpr std::chrono::milliseconds notify_timeout{10'000};
// The time a driver verb (POST_SOCIAL) may take.
constexpr std::chrono::milliseconds verb_timeout{300'000};

// The POST_SOCIAL adapter of a payload that names no decision (see the top
// of this file).
adapter_outcome post_social(const store::action& action, const adapter_context& context);

// What a POST_SOCIAL payload asks to post.
struct post_request {
  std::string account;
  std::string text;
  std::optional<std::string> reply_to;
};

// The payload's post request, or why it is none (a permanent failure).
result<post_request> post_request_of(const store::action& action);

// The run of drivers.verbs.<verb> for `account` in the action's current
// attempt, with `extra` arguments; an error when the config has no such verb.
result<driver::driver_invocation> verb_invocation(const adapter_context& context, const store::action& action,
                                                  const std::string& verb, const std::string& account,
                                                  std::vector<std::string> extra, std::chrono::milliseconds timeout);

// The same outside an action (a job's read-only verb): its log is
// `session_id`'s. Only config, driver_program and daemon_env of the context
// are read.
result<driver::driver_invocation> verb_invocation(const adapter_context& context, const std::string& verb,
                                                  const std::string& account, const std::string& session_id,
                                                  std::vector<std::string> extra, std::chrono::milliseconds timeout);

// Runs `invocation` (creating its log's directory), stopping it when the
// context's cancel token fires.
driver::driver_outcome run_invocation(const driver::driver_invocation& invocation, const adapter_context& context);

// The PROOF outcome of `invocation`: the artifact describing the run, with
// `notes` added, written.
adapter_outcome prove_run(const driver::driver_invocation& invocation, const store::action& action,
                          const adapter_context& context, boost::json::object notes = {});

// Writes the PROOF artifact of `action`'s current attempt, describing
// `would_do`, and returns its path: <artifact_dir>/<id>-<attempt>.json with
// the action's id, attempt, type, key and payload. For session runners and
// jobs that honour PROOF mode themselves.
result<std::string> write_proof_artifact(const adapter_context& context,
                                         const store::action& action,
                                         const boost::json::object& would_do);

// The action's payload as a JSON object, or why it is not one.
result<boost::json::object> payload_object(const store::action& action);

// The payload's string field `name`: nullopt when absent, an error when not
// a string or, if `required`, absent or empty. Errors name the action type.
result<std::optional<std::string>> string_field(const boost::json::object& payload, const char* name,
                                                const store::action& action, bool required);

// The outcome of a driver run by the contract (see the top of this file);
// `what` names the run in the error ("driver post").
adapter_outcome outcome_of_driver(const driver::driver_outcome& outcome, const std::string& what);

}  // namespace troupe::aol
