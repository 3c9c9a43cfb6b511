#include "runtime/simulation.hpp"

#include <caf/all.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/recorder.hpp"
#include "actors/supervisor.hpp"
#include "messages/registration.hpp"
#include "runtime/simulation_report.hpp"

namespace troupe {
namespace {

caf::actor_system_config& testing_scheduler(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.inline-output", true);
  msg::register_message_types(cfg);
  return cfg;
}

}  // namespace

void run_virtual_time_until(caf::scheduler::test_coordinator& sched,
                            caf::actor_clock::time_point end) {
  auto& clock = sched.clock();
  for (;;) {
    sched.run();
    const auto& pending = clock.schedule();
    if (pending.empty() || pending.begin()->first > end) break;
    const auto step = std::max(pending.begin()->first - clock.now(), caf::timespan{0});
    sched.advance_time(step);
  }
}

std::shared_ptr<const config::troupe_config> simulated_config(const config::troupe_config& config,
                                                              const simulation_options& options) {
  auto simulated = std::make_shared<config::troupe_config>(config);
  if (!options.pods && !options.accounts_per_pod) return simulated;
  const int pods = options.pods.value_or(1);
  const int accounts = options.accounts_per_pod.value_or(config.accounts_per_pod);
  simulated->pods.clear();
  for (int p = 1; p <= pods; ++p) {
    config::pod_config pod;
    pod.name = "pod-" + std::to_string(p);
    for (int a = 1; a <= accounts; ++a) pod.accounts.push_back(pod.name + "-account-" + std::to_string(a));
    simulated->pods.push_back(std::move(pod));
  }
  return simulated;
}

boost::json::object run_simulation(std::shared_ptr<const config::troupe_config> config,
                                   const simulation_options& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  caf::actor_system_config cfg;
  caf::actor_system sys{testing_scheduler(cfg)};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());

  auto report = std::make_shared<simulation_report>(config);
  auto recorder = sys.spawn(actors::recorder_actor, report);
  node_context context{};
  context.clock = wall_clock(options.start_ms, sched.clock().now());
  context.root_seed = options.seed;
  context.modeled_sessions = options.model;
  context.records = recorder;
  context.permit_observer = recorder;
  context.records_sessions = false;  // the report reads no session rows or summaries
  auto shared_context = std::make_shared<const node_context>(std::move(context));
  auto supervisor = sys.spawn(actors::supervisor_actor, shared_context, config,
                              std::vector<std::string>{}, actors::restart_policy{});
  const auto span = std::chrono::hours(24) * options.days;
  run_virtual_time_until(sched, sched.clock().now() + span);

  const auto wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const auto span_ms = std::chrono::duration_cast<std::chrono::milliseconds>(span).count();
  auto result = report->to_json(options.start_ms, options.start_ms + span_ms, wall_seconds);

  sched.clock().cancel_all();
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(recorder, caf::exit_reason::user_shutdown);
  sched.run();
  return result;
}

}  // namespace troupe
