// The shared driver reactor with many drivers at once: one thread watches
// them all, each run is reported once, and one run's trouble (its cancel,
// a throwing callback) leaves the others alone.
#include "runtime/driver/driver_reactor.hpp"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "driver_fixture.hpp"

using namespace troupe::driver;
using namespace troupe::driver::testing;

namespace {

// Collects the outcomes the reactor reports, by run.
class outcome_board {
 public:
  finished_callback reporter(int run) {
    return [this, run](driver_outcome outcome) {
      std::lock_guard<std::mutex> guard(lock_);
      outcomes_.emplace(run, std::move(outcome));
      ++reports_;
      changed_.notify_all();
    };
  }

  // Waits (at most 20 s) until `count` reports came; returns how many did.
  int await(int count) {
    std::unique_lock<std::mutex> guard(lock_);
    changed_.wait_for(guard, 20s, [&] { return reports_ >= count; });
    return reports_;
  }

  driver_outcome outcome(int run) {
    std::lock_guard<std::mutex> guard(lock_);
    return outcomes_.at(run);
  }

 private:
  std::mutex lock_;
  std::condition_variable changed_;
  std::map<int, driver_outcome> outcomes_;
  int reports_ = 0;
};

// Threads of this process whose name is `name`.
int threads_named(const std::string& name) {
  int count = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    if (read_file(task.path().string() + "/comm") == name + "\n") ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("one thread watches many drivers at once and reports each run once") {
  driver_reactor reactor;
  outcome_board board;
  constexpr int runs = 12;
  for (int run = 0; run < runs; ++run) {
    auto invocation = sim_session({"--sim-exit", std::to_string(run % 3), "--sim-progress", "2"},
                                  {{"SIM_DRIVER_TIME_SCALE", "0.001"}});
    reactor.start(invocation, nullptr, nullptr, board.reporter(run));
  }
  CHECK(threads_named("troupe.drivers") >= 1);
  REQUIRE(board.await(runs) == runs);
  for (int run = 0; run < runs; ++run) {
    INFO("run " << run);
    CHECK(board.outcome(run).exit_code == run % 3);
  }
  CHECK(reactor.running() == 0);
  CHECK(zombie_children().empty());
}

TEST_CASE("cancelling one run stops its driver and leaves the others running") {
  driver_reactor reactor;
  outcome_board board;
  auto hanging = sim_session({"--sim-p-hang", "1"});
  hanging.kill_grace = 300ms;
  auto cancelled = std::make_shared<cancel_token>();
  auto kept = std::make_shared<cancel_token>();
  std::mutex lock;
  std::condition_variable progressed;
  int runs_progressed = 0;
  const auto count_progress = [&](const std::string&) {
    std::lock_guard<std::mutex> guard(lock);
    ++runs_progressed;
    progressed.notify_all();
  };
  reactor.start(hanging, cancelled, count_progress, board.reporter(0));
  reactor.start(hanging, kept, count_progress, board.reporter(1));
  {
    std::unique_lock<std::mutex> guard(lock);
    REQUIRE(progressed.wait_for(guard, 20s, [&] { return runs_progressed == 2; }));
  }
  cancelled->cancel();
  REQUIRE(board.await(1) == 1);
  CHECK(board.outcome(0).kind == outcome_kind::cancelled);
  CHECK(reactor.running() == 1);
  kept->cancel();
  REQUIRE(board.await(2) == 2);
  CHECK(board.outcome(1).kind == outcome_kind::cancelled);
}

TEST_CASE("callbacks that throw do not stop the reactor from serving later runs") {
  driver_reactor reactor;
  outcome_board board;
  const auto throwing_progress = [](const std::string&) { throw std::runtime_error("observer"); };
  const auto throwing_finish = [](driver_outcome) { throw std::runtime_error("observer"); };
  const auto two_lines = sim_session({"--sim-progress", "2"});
  reactor.start(two_lines, nullptr, throwing_progress, throwing_finish);
  reactor.start(two_lines, nullptr, throwing_progress, board.reporter(0));
  REQUIRE(board.await(1) == 1);
  CHECK(board.outcome(0).kind == outcome_kind::success);
  CHECK(board.outcome(0).progress_lines == 2);
  reactor.start(sim_session(), nullptr, nullptr, board.reporter(1));
  REQUIRE(board.await(2) == 2);
  CHECK(board.outcome(1).kind == outcome_kind::success);
}

TEST_CASE("a driver that cannot start is reported through the same callback") {
  driver_reactor reactor;
  outcome_board board;
  auto missing = sim_session();
  missing.program = "/nonexistent/driver";
  reactor.start(missing, nullptr, nullptr, board.reporter(0));
  auto cancelled = std::make_shared<cancel_token>();
  cancelled->cancel();
  reactor.start(sim_session(), cancelled, nullptr, board.reporter(1));
  REQUIRE(board.await(2) == 2);
  CHECK(board.outcome(0).kind == outcome_kind::spawn_failed);
  CHECK(board.outcome(1).kind == outcome_kind::cancelled);
  CHECK(board.outcome(1).exit_code == -1);
}

TEST_CASE("a reactor that stops kills and reaps the drivers it still watches") {
  pid_t leader = 0;
  {
    driver_reactor reactor;
    std::mutex lock;
    std::condition_variable reported;
    reactor.start(
        sim_session({"--sim-p-hang", "1"}), nullptr,
        [&](const std::string& line) {
          std::lock_guard<std::mutex> guard(lock);
          leader = reported_pid(line, "pid");
          reported.notify_all();
        },
        nullptr);
    std::unique_lock<std::mutex> guard(lock);
    REQUIRE(reported.wait_for(guard, 20s, [&] { return leader > 0; }));
  }
  CHECK(group_gone_within(leader, 2s));
  CHECK(zombie_children().empty());
}
