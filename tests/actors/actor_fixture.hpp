// Test support: Troupe's actors on CAF's testing scheduler (virtual time),
// with a recorder that keeps every record the actors send.
#pragma once

#include <caf/all.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <memory>
#include <vector>

#include "actors/supervisor.hpp"
#include "config/config.hpp"
#include "messages/atoms.hpp"
#include "messages/cluster.hpp"
#include "messages/inspect.hpp"
#include "messages/permits.hpp"
#include "messages/registration.hpp"
#include "messages/sessions.hpp"
#include "messages/store.hpp"
#include "runtime/node_context.hpp"
#include "runtime/simulation.hpp"

namespace troupe::testing {

struct recorded {
  std::vector<store::runner_event> events;
  std::vector<msg::permit_event> permits;
  std::map<std::string, account_state> accounts;  // latest state written
  std::map<std::string, std::int64_t>
      lease_epochs;                       // cluster mode: the lease each pod's records go under
  std::vector<std::string> flushed_pods;  // cluster mode: pods whose last records were asked for
};

inline caf::behavior keeping_recorder(caf::event_based_actor*, std::shared_ptr<recorded> log) {
  auto keep = [=](const msg::record& record) {
    if (const auto* state = std::get_if<account_state>(&record))
      log->accounts[state->account_id] = *state;
    if (const auto* event = std::get_if<store::runner_event>(&record))
      log->events.push_back(*event);
  };
  return {
      [=](const msg::record_batch& batch) {
        for (const auto& record : batch.records) keep(record);
      },
      [=](const account_state& state) { keep(state); },
      [=](const store::runner_event& event) { keep(event); },
      [=](const store::session_record&) {},
      [=](const store::runner_summary&) {},
      [=](const msg::permit_event& event) { log->permits.push_back(event); },
      [=](msg::load_atom, const std::string&) { return std::vector<account_state>{}; },
      [=](const msg::pod_lease_taken& taken) { log->lease_epochs[taken.pod] = taken.epoch; },
      [=](msg::flush_atom, const std::string& pod) {
        log->flushed_pods.push_back(pod);
        return true;
      },
  };
}

class actor_fixture {
 public:
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.inline-output", true);
    msg::register_message_types(cfg);
    return cfg;
  }

  actor_fixture()
      : sys(init(cfg)), sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {}

  ~actor_fixture() {
    sched.clock().cancel_all();
    if (supervisor) caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    if (recorder) caf::anon_send_exit(recorder, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // Starts the tree on `config` with modeled sessions.
  void start(std::shared_ptr<const config::troupe_config> config, session_model_settings model = {},
             actors::restart_policy restarts = {}) {
    recorder = sys.spawn(keeping_recorder, log);
    context = std::make_shared<node_context>(node_context{
        wall_clock(start_ms, sched.clock().now()), 42, model, std::nullopt, {}, false, recorder,
        recorder, nullptr, {}});
    context->cluster_node = cluster_node;
    supervisor = sys.spawn(actors::supervisor_actor, context, config, std::vector<std::string>{}, restarts);
    sched.run();
  }

  // Runs every message and timer up to `span` of virtual time from now.
  void run_for(caf::timespan span) {
    const auto end = sched.clock().now() + span;
    run_virtual_time_until(sched, end);
    sched.advance_time(std::max(end - sched.clock().now(), caf::timespan{0}));
    sched.run();
  }

  std::int64_t now_ms() const { return context->clock.wall_ms(sched.clock().now()); }

  actors::supervisor_state& supervisor_state() {
    return dynamic_cast<caf::stateful_actor<actors::supervisor_state>&>(
               *caf::actor_cast<caf::abstract_actor*>(supervisor))
        .state;
  }

  // The answers to an operator's session request sent now (CAF errors as
  // a session_finished with outcome "caf_error" and the rendered error).
  std::shared_ptr<std::vector<msg::session_finished>> ask_session(const std::string& account,
                                                                  const std::string& activity) {
    auto answers = std::make_shared<std::vector<msg::session_finished>>();
    auto to = supervisor;
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(to, std::chrono::minutes(180), msg::session_request{account, activity})
          .then([=](const msg::session_finished& done) { answers->push_back(done); },
                [=](caf::error& err) {
                  msg::session_finished failed;
                  failed.outcome = "caf_error";
                  failed.error = self->system().render(err);
                  answers->push_back(failed);
                });
    });
    return answers;
  }

  // The snapshots of the whole tree as it answers now (no virtual time passes).
  std::vector<msg::actor_snapshot> tree_now() {
    auto tree = std::make_shared<std::vector<msg::actor_snapshot>>();
    auto to = supervisor;
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(to, std::chrono::seconds(10), msg::tree_atom::value)
          .then([=](const msg::tree_snapshot& answer) { *tree = answer.actors; });
    });
    sched.run();
    return *tree;
  }

  // The snapshot of `account_id`'s actor; kind empty when it does not answer.
  msg::actor_snapshot account_now(const std::string& account_id) {
    for (auto& snap : tree_now()) {
      if (snap.id == "account:" + account_id) return snap;
    }
    return {};
  }

  std::vector<store::runner_event> events_of(const std::string& kind) const {
    std::vector<store::runner_event> found;
    for (const auto& event : log->events) {
      if (event.kind == kind) found.push_back(event);
    }
    return found;
  }

  // 2026-01-05 08:00 UTC: a Monday morning, awake in the reference moods.
  std::int64_t start_ms = 1'767'600'000'000;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::shared_ptr<recorded> log = std::make_shared<recorded>();
  std::shared_ptr<node_context> context;
  caf::actor recorder;
  caf::actor supervisor;
  caf::actor cluster_node;  // set before start(): the tree runs in cluster mode under it
};

// The reference config with `pods` pods of `accounts` accounts each.
inline std::shared_ptr<config::troupe_config> config_with_pods(int pods, int accounts) {
  auto config = std::make_shared<config::troupe_config>();
  for (int p = 1; p <= pods; ++p) {
    config::pod_config pod;
    pod.name = "pod" + std::to_string(p);
    for (int a = 1; a <= accounts; ++a) pod.accounts.push_back(pod.name + "-a" + std::to_string(a));
    config->pods.push_back(pod);
  }
  return config;
}

}  // namespace troupe::testing
