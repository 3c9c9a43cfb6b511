#include "actors/session.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <map>

#include "runtime/driver/driver_reactor.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/policy/rng.hpp"
#include "runtime/session_model.hpp"

namespace troupe::actors {
namespace {

std::int64_t now_ms(caf::local_actor* self, const node_context& context) {
  return context.clock.wall_ms(self->clock().now());
}

driver::driver_invocation make_invocation(const std::shared_ptr<const node_context>& context,
                                          const config::troupe_config& config,
                                          const msg::session_spec& spec) {
  // Aliases the context: the environment lives as long as the context.
  const std::shared_ptr<const std::map<std::string, std::string>> daemon_env(context,
                                                                             &context->daemon_env);
  return driver::prepared_invocation(config.drivers,
                                     context->driver_program.value_or(config.drivers.command),
                                     daemon_env, spec.args, spec.session_id,
                                     std::chrono::milliseconds(spec.timeout_ms));
}

msg::session_finished finished_from(const msg::session_spec& spec, std::int64_t started_at_ms,
                                    std::int64_t ended_at_ms, int exit_code, std::string outcome) {
  msg::session_finished finished;
  finished.session_id = spec.session_id;
  finished.account_id = spec.account_id;
  finished.activity = spec.activity;
  finished.recovery_step = spec.recovery_step;
  finished.started_at_ms = started_at_ms;
  finished.ended_at_ms = ended_at_ms;
  finished.exit_code = exit_code;
  finished.outcome = std::move(outcome);
  return finished;
}

// The session_finished of a driver's `outcome`; ended_at_ms is the
// session actor's to stamp.
msg::session_finished finished_from(const msg::session_spec& spec, std::int64_t started_at_ms,
                                    const driver::driver_outcome& outcome) {
  auto finished = finished_from(spec, started_at_ms, 0, outcome.exit_code,
                                driver::to_string(outcome.kind));
  finished.result_json = outcome.result_json.value_or("");
  std::tie(finished.units_done, finished.targets_consumed) = result_counts(finished.result_json);
  finished.error = outcome.error;
  return finished;
}

// Runs the driver process under the shared driver reactor: this actor has
// no thread of its own. Progress lines go from the reactor's thread straight
// to the owner; the outcome comes back here, is stamped with the end time
// and goes to the owner after them. Should this actor die before the run
// ends, the driver is stopped as by a cancel.
caf::behavior driver_session_actor(caf::event_based_actor* self,
                                   std::shared_ptr<const node_context> context,
                                   driver::driver_invocation invocation, msg::session_spec spec,
                                   caf::actor owner, std::shared_ptr<driver::cancel_token> cancel) {
  self->attach_functor([cancel](const caf::error&) { cancel->cancel(); });
  const auto started_at = now_ms(self, *context);
  self->send(owner, msg::session_started{spec.session_id, spec.account_id, started_at});
  auto relay = [owner, session_id = spec.session_id,
                account_id = spec.account_id](const std::string& progress) {
    caf::anon_send(owner, msg::session_progress{session_id, account_id, progress});
  };
  auto report = [session = caf::actor_cast<caf::actor>(self), spec,
                 started_at](driver::driver_outcome outcome) {
    caf::anon_send(session, finished_from(spec, started_at, outcome));
  };
  driver::driver_reactor::shared().start(std::move(invocation), cancel, relay, report);
  return {[=](msg::session_finished& done) {
    done.ended_at_ms = now_ms(self, *context);
    self->send(owner, std::move(done));
    self->quit();
  }};
}

// A modeled session is no actor: its end, drawn now, is a message to the
// account due when the model says the session ends (an actor per session
// cost a spawn and two more messages, a fifth of a simulated session).
void send_modeled_end(caf::local_actor* owner, const node_context& context, const msg::session_spec& spec,
                      std::optional<std::int64_t> count, std::optional<std::int64_t> seconds) {
  policy::rng random(policy::derive_seed(context.root_seed, spec.session_id));
  auto model = model_session(*context.modeled_sessions, count, seconds, !spec.recovery_step.empty(), random);
  const auto started_at = now_ms(owner, context);
  auto finished = finished_from(spec, started_at, started_at + model.duration_ms, model.exit_code,
                                driver::to_string(driver::classify_exit(model.exit_code)));
  finished.units_done = model.units_done;
  finished.targets_consumed = model.units_done;
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(owner), std::chrono::milliseconds(model.duration_ms),
                         std::move(finished));
}

}  // namespace

std::pair<std::int64_t, std::int64_t> result_counts(const std::string& result_json) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(result_json, ec);
  if (ec || !parsed.is_object()) return {0, 0};
  auto number = [&](const char* key) -> std::int64_t {
    const auto* value = parsed.as_object().if_contains(key);
    return value && value->is_int64() ? value->as_int64() : 0;
  };
  return {number("count"), number("consumed")};
}

caf::actor spawn_session(caf::local_actor* owner, const std::shared_ptr<const node_context>& context,
                         const config::troupe_config& config, const msg::session_spec& spec,
                         std::optional<std::int64_t> count, std::optional<std::int64_t> seconds,
                         const std::shared_ptr<driver::cancel_token>& cancel) {
  if (context->modeled_sessions) {
    send_modeled_end(owner, *context, spec, count, seconds);
    return caf::actor{};
  }
  auto owner_handle = caf::actor_cast<caf::actor>(owner);
  // A session killed while its driver runs stops the driver through its
  // token, so a session asked for without one gets its own.
  const auto token = cancel ? cancel : std::make_shared<driver::cancel_token>();
  return owner->spawn(driver_session_actor, context, make_invocation(context, config, spec), spec,
                      owner_handle, token);
}

}  // namespace troupe::actors
