// The content pipeline's job actors under the supervisor, on CAF's real
// scheduler (bodies run on detached run actors' own threads): timed runs on
// the configured interval, an operator's run answered at once, one run at a
// time, reloads, and the status /api/jobs shows. Intervals are short and
// every wait is bounded.
#include "messages/jobs.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "actors/supervisor.hpp"
#include "messages/atoms.hpp"
#include "messages/config_snapshot.hpp"
#include "messages/inspect.hpp"
#include "messages/registration.hpp"

using namespace std::chrono_literals;
namespace jobs = troupe::jobs;
namespace msg = troupe::msg;

namespace {

// A body that counts its runs and, while `hold` is set, waits (at most 10 s).
struct counting_body {
  std::shared_ptr<std::atomic<int>> runs = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<bool>> hold = std::make_shared<std::atomic<bool>>(false);

  jobs::job_body body() const {
    return [runs = runs, hold = hold](const jobs::job_run_context& run) {
      const int number = ++*runs;
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (*hold && std::chrono::steady_clock::now() < deadline && !run.cancel->cancelled()) {
        std::this_thread::sleep_for(5ms);
      }
      return jobs::job_result{true, "run " + std::to_string(number) + " of " + run.job};
    };
  }
};

struct jobs_fixture {
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    msg::register_message_types(cfg);
    return cfg;
  }
  jobs_fixture() : sys(init(cfg)) {}
  ~jobs_fixture() {
    if (supervisor) {
      caf::scoped_actor self{sys};
      self->send_exit(supervisor, caf::exit_reason::user_shutdown);
      self->wait_for(supervisor);
    }
  }

  // Starts a supervisor (no pods) whose only job is `plan` with `body`.
  void start(std::int64_t every_ms, jobs::job_body body) {
    auto context = std::make_shared<troupe::node_context>();
    context->clock = troupe::wall_clock(0, sys.clock().now());
    context->jobs = {{"plan", std::move(body)}};
    config = std::make_shared<troupe::config::troupe_config>();
    config->jobs = {{"plan", {true, every_ms}}};
    supervisor = sys.spawn(troupe::actors::supervisor_actor,
                           std::shared_ptr<const troupe::node_context>(context),
                           std::shared_ptr<const troupe::config::troupe_config>(config),
                           std::vector<std::string>{}, troupe::actors::restart_policy{});
  }

  template <class Reply, class Message>
  Reply ask(Message message) {
    caf::scoped_actor self{sys};
    Reply reply;
    self->request(supervisor, 5s, message)
        .receive([&](const Reply& answer) { reply = answer; },
                 [&](caf::error& err) { FAIL(sys.render(err)); });
    return reply;
  }

  msg::job_status plan_status() {
    const auto view = ask<msg::jobs_view>(msg::jobs_atom::value);
    REQUIRE(view.jobs.size() == 1);
    return view.jobs.front();
  }

  std::size_t runs_with(const std::string& outcome) {
    std::size_t count = 0;
    for (const auto& run : plan_status().runs) count += run.outcome == outcome ? 1 : 0;
    return count;
  }

  // Polls until `count` runs ended with `outcome` (at most 10 s).
  bool wait_for(std::size_t count, const std::string& outcome = "succeeded") {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (runs_with(outcome) >= count) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::shared_ptr<troupe::config::troupe_config> config;
  caf::actor supervisor;
};

}  // namespace

TEST_CASE_METHOD(
    jobs_fixture,
    "a job runs every everyMs from its start, not at once, and shows its runs newest first") {
  counting_body plan;
  start(300, plan.body());
  auto status = plan_status();
  CHECK(status.name == "plan");
  CHECK(status.enabled);
  CHECK(status.every_ms == 300);
  CHECK(status.next_run_at_ms > 0);
  CHECK(status.runs.empty());  // not at once

  REQUIRE(wait_for(2));
  status = plan_status();
  CHECK(status.runs[0].trigger == "timer");
  CHECK(status.runs[0].summary == "run " + std::to_string(*plan.runs) + " of plan");
  CHECK(status.runs[0].started_at_ms > status.runs[1].started_at_ms);
  CHECK(status.runs[0].finished_at_ms >= status.runs[0].started_at_ms);

  bool listed = false;
  caf::scoped_actor self{sys};
  self->request(supervisor, 5s, msg::tree_atom::value)
      .receive(
          [&](const msg::tree_snapshot& tree) {
            for (const auto& actor : tree.actors)
              listed |= actor.id == "job:plan" && actor.parent == "supervisor";
          },
          [](caf::error&) {});
  CHECK(listed);
}

TEST_CASE_METHOD(jobs_fixture,
                 "an operator's run starts at once, a second is refused while it runs, a timer "
                 "during it is skipped") {
  counting_body plan;
  *plan.hold = true;
  start(200, plan.body());
  const auto first = ask<msg::job_run_reply>(msg::job_run_request{"plan"});
  CHECK(first.started);
  CHECK_FALSE(first.run_id.empty());

  const auto second = ask<msg::job_run_reply>(msg::job_run_request{"plan"});
  CHECK_FALSE(second.started);
  CHECK_FALSE(second.unknown_job);
  CHECK(second.refusal == "the previous run is still going");

  REQUIRE(wait_for(1, "skipped"));  // the timer fired during the held run
  auto status = plan_status();
  CHECK(status.runs[0].outcome == "running");
  CHECK(status.runs[0].run_id == first.run_id);
  CHECK(status.runs[0].trigger == "operator");

  *plan.hold = false;
  REQUIRE(wait_for(1));

  const auto unknown = ask<msg::job_run_reply>(msg::job_run_request{"harvest"});
  CHECK_FALSE(unknown.started);
  CHECK(unknown.unknown_job);
}

TEST_CASE_METHOD(
    jobs_fixture,
    "a reload that disables a job stops its timed runs but an operator may still run it") {
  counting_body plan;
  start(60'000, plan.body());
  auto disabled = std::make_shared<troupe::config::troupe_config>(*config);
  disabled->jobs["plan"] = {false, 200};
  caf::anon_send(supervisor, msg::config_snapshot{disabled, 2});
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (plan_status().enabled && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  CHECK_FALSE(plan_status().enabled);
  CHECK(plan_status().next_run_at_ms == 0);
  std::this_thread::sleep_for(600ms);  // three of the old intervals
  CHECK(*plan.runs == 0);
  CHECK(ask<msg::job_run_reply>(msg::job_run_request{"plan"}).started);
  REQUIRE(wait_for(1));
}
