#include "runtime/http/actor_bridge.hpp"

#include <caf/all.hpp>

#include "messages/atoms.hpp"

namespace troupe::http {
namespace {

// Spawns an actor that asks `target` once and passes the answer to `done`.
template <class Reply, class... Message>
void ask(caf::actor_system& system, const caf::actor& target, std::chrono::milliseconds timeout,
         std::function<void(result<Reply>)> done, Message... message) {
  system.spawn([=](caf::event_based_actor* self) {
    self->request(target, timeout, message...)
        .then([=](Reply& reply) { done(std::move(reply)); },
              [=](caf::error& err) { done(error{"the actor tree did not answer: " + self->system().render(err)}); });
  });
}

}  // namespace

actor_bridge::actor_bridge(caf::actor_system& system, caf::actor supervisor, std::chrono::milliseconds timeout)
    : system_(system), supervisor_(std::move(supervisor)), timeout_(timeout) {}

void actor_bridge::tree(std::function<void(result<msg::tree_snapshot>)> done) const {
  ask<msg::tree_snapshot>(system_, supervisor_, timeout_, std::move(done), msg::tree_atom::value);
}

void actor_bridge::supervisor(std::function<void(result<msg::actor_snapshot>)> done) const {
  ask<msg::actor_snapshot>(system_, supervisor_, timeout_, std::move(done), msg::inspect_atom::value);
}

void actor_bridge::account(const std::string& account_id,
                           std::function<void(result<std::optional<msg::actor_snapshot>>)> done) const {
  // The tree answers an account no pod runs with an empty snapshot.
  auto found = [done = std::move(done)](result<msg::actor_snapshot> snapshot) {
    if (!snapshot) return done(snapshot.failure());
    if (snapshot->id.empty()) return done(std::optional<msg::actor_snapshot>{});
    done(std::optional<msg::actor_snapshot>{std::move(*snapshot)});
  };
  ask<msg::actor_snapshot>(system_, supervisor_, timeout_, std::function<void(result<msg::actor_snapshot>)>(found),
                           msg::inspect_atom::value, account_id);
}

void actor_bridge::after(std::chrono::milliseconds delay, std::function<void()> action) const {
  system_.spawn<caf::hidden>([=](caf::event_based_actor* self) -> caf::behavior {
    return {caf::after(delay) >> [=] {
      action();
      self->quit();
    }};
  });
}

void actor_bridge::set_paused(bool paused) const {
  if (paused) {
    caf::anon_send(supervisor_, msg::pause_atom::value);
  } else {
    caf::anon_send(supervisor_, msg::resume_atom::value);
  }
}

void actor_bridge::clear_recovery(const std::string& account_id, std::function<void(result<bool>)> done) const {
  ask<bool>(system_, supervisor_, timeout_, std::move(done), msg::clear_recovery_atom::value, account_id);
}

void actor_bridge::jobs(std::function<void(result<msg::jobs_view>)> done) const {
  ask<msg::jobs_view>(system_, supervisor_, timeout_, std::move(done), msg::jobs_atom::value);
}

void actor_bridge::run_job(const std::string& job, std::function<void(result<msg::job_run_reply>)> done) const {
  ask<msg::job_run_reply>(system_, supervisor_, timeout_, std::move(done), msg::job_run_request{job});
}

}  // namespace troupe::http
