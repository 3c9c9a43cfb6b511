// Session actors with real driver processes (the simulated driver) on CAF's
// real scheduler.
#include <catch2/catch.hpp>

#include <caf/all.hpp>
#include <csignal>
#include <filesystem>

#include "actors/session.hpp"
#include "messages/registration.hpp"
#include "tests/driver/driver_fixture.hpp"
#include "tests/support/command.hpp"

using namespace std::chrono_literals;
using troupe::driver::testing::group_gone_within;
using troupe::driver::testing::live_members;
using troupe::driver::testing::reported_pid;

namespace {

std::size_t thread_count() {
  std::size_t threads = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task"))
    ++threads;
  return threads;
}

struct session_fixture {
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    troupe::msg::register_message_types(cfg);
    return cfg;
  }
  session_fixture() : sys(init(cfg)) {
    auto ctx = std::make_shared<troupe::node_context>();
    ctx->clock = troupe::wall_clock(0, sys.clock().now());
    ctx->driver_program = SIM_DRIVER_BINARY;
    ctx->daemon_env = {{"PATH", "/usr/bin:/bin"}};
    context = ctx;
    config.drivers.log_dir = dir.file("logs");
    config.drivers.env = {{"SIM_DRIVER_TIME_SCALE", "0.001"}};
  }

  troupe::msg::session_spec spec(const std::string& id, std::vector<std::string> args) {
    troupe::msg::session_spec s;
    s.session_id = id;
    s.pod = "pod";
    s.account_id = "acct";
    s.activity = "follow";
    s.args = std::move(args);
    s.timeout_ms = 20'000;
    return s;
  }

  // Waits (at most 30 s) for the session's end, counting progress lines.
  troupe::msg::session_finished await_finished(caf::scoped_actor& owner, int* progress = nullptr) {
    troupe::msg::session_finished finished;
    bool done = false;
    owner->receive_while([&] { return !done; })(
        [&](const troupe::msg::session_started&) {},
        [&](const troupe::msg::session_progress&) {
          if (progress) ++*progress;
        },
        [&](const troupe::msg::session_finished& f) {
          finished = f;
          done = true;
        },
        caf::after(30s) >> [&] { done = true; });
    return finished;
  }

  troupe::testing::temp_dir dir;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::shared_ptr<const troupe::node_context> context;
  troupe::config::troupe_config config;
};

}  // namespace

TEST_CASE_METHOD(session_fixture, "a session runs the driver, relays its progress and reports its result") {
  caf::scoped_actor owner{sys};
  auto cancel = std::make_shared<troupe::driver::cancel_token>();
  troupe::actors::spawn_session(owner.ptr(), context, config,
                                spec("s1", {"follow.js", "--profile", "acct", "--count", "7", "--session", "s1"}),
                                7, std::nullopt, cancel);
  bool started = false;
  owner->receive([&](const troupe::msg::session_started& s) { started = s.session_id == "s1"; },
                 caf::after(30s) >> [] {});
  int progress = 0;
  auto finished = await_finished(owner, &progress);
  CHECK(started);
  CHECK(progress > 0);
  CHECK(finished.outcome == "success");
  CHECK(finished.exit_code == 0);
  CHECK(finished.units_done == 7);
  CHECK(std::filesystem::exists(dir.file("logs/s1.log")));
}

TEST_CASE_METHOD(session_fixture, "a driver's hard failure comes back as hard_error with its exit code") {
  caf::scoped_actor owner{sys};
  auto cancel = std::make_shared<troupe::driver::cancel_token>();
  troupe::actors::spawn_session(
      owner.ptr(), context, config,
      spec("s2", {"follow.js", "--profile", "acct", "--count", "1", "--session", "s2", "--sim-exit", "1"}),
      1, std::nullopt, cancel);
  auto finished = await_finished(owner);
  CHECK(finished.outcome == "hard_error");
  CHECK(finished.exit_code == 1);
}

TEST_CASE_METHOD(session_fixture, "cancelling a session stops its driver at once") {
  caf::scoped_actor owner{sys};
  auto cancel = std::make_shared<troupe::driver::cancel_token>();
  config.drivers.kill_grace_ms = 500;
  // A driver that hangs after its first progress line, which names its pid
  // (its group's id). It ignores SIGTERM and has forked a grandchild that
  // ignores it too: only a SIGKILL to the whole group stops them.
  troupe::actors::spawn_session(
      owner.ptr(), context, config,
      spec("s3", {"reels.js", "--profile", "acct", "--seconds", "600000", "--session", "s3", "--sim-p-hang", "1",
                  "--sim-p-grandchild", "1", "--sim-ignore-term"}),
      std::nullopt, 600000, cancel);
  bool started = false;
  pid_t driver_group = 0;
  for (int message = 0; message < 2; ++message) {
    owner->receive([&](const troupe::msg::session_started&) { started = true; },
                   [&](const troupe::msg::session_progress& progress) {
                     driver_group = reported_pid(progress.progress_json, "pid");
                   },
                   caf::after(10s) >> [] {});
  }
  REQUIRE(started);
  REQUIRE(driver_group > 0);
  REQUIRE_FALSE(live_members(driver_group).empty());
  const auto asked = std::chrono::steady_clock::now();
  cancel->cancel();
  auto finished = await_finished(owner);
  CHECK(finished.outcome == "cancelled");
  CHECK(std::chrono::steady_clock::now() - asked < 10s);
  const bool gone = group_gone_within(driver_group, 2s);
  if (!gone) ::kill(-driver_group, SIGKILL);  // a broken build must not leave the group behind
  CHECK(gone);  // no process of the driver is left
}

TEST_CASE_METHOD(session_fixture, "sessions running at once have no thread of their own") {
  caf::scoped_actor owner{sys};
  const auto hanging = [&](const std::string& id) {
    return spec(id, {"reels.js", "--profile", "acct", "--seconds", "600000", "--session", id,
                     "--sim-p-hang", "1"});
  };
  int progress_lines = 0;
  const auto await_progress = [&](int lines) {
    owner->receive_while([&] { return progress_lines < lines; })(
        [](const troupe::msg::session_started&) {},
        [&](const troupe::msg::session_progress&) { ++progress_lines; },
        caf::after(10s) >> [&] { progress_lines = lines; });
  };
  // A first session starts the shared driver reactor's thread.
  std::vector<std::shared_ptr<troupe::driver::cancel_token>> cancels;
  cancels.push_back(std::make_shared<troupe::driver::cancel_token>());
  troupe::actors::spawn_session(owner.ptr(), context, config, hanging("t0"), std::nullopt, 600000,
                                cancels.back());
  await_progress(1);
  const auto threads_before = thread_count();
  for (int session = 1; session <= 5; ++session) {
    cancels.push_back(std::make_shared<troupe::driver::cancel_token>());
    troupe::actors::spawn_session(owner.ptr(), context, config,
                                  hanging("t" + std::to_string(session)), std::nullopt, 600000,
                                  cancels.back());
  }
  await_progress(6);
  CHECK(thread_count() == threads_before);
  for (const auto& cancel : cancels) cancel->cancel();
  int finished = 0;
  owner->receive_while([&] { return finished < 6; })(
      [](const troupe::msg::session_progress&) {},
      [&](const troupe::msg::session_finished& done) {
        CHECK(done.outcome == "cancelled");
        ++finished;
      },
      caf::after(30s) >> [&] { finished = 6; });
}

TEST_CASE_METHOD(session_fixture, "a session actor that is killed stops its driver") {
  caf::scoped_actor owner{sys};
  std::shared_ptr<troupe::driver::cancel_token> cancel;
  SECTION("with the account's token") { cancel = std::make_shared<troupe::driver::cancel_token>(); }
  SECTION("without a token") {}
  config.drivers.kill_grace_ms = 500;
  auto session = troupe::actors::spawn_session(
      owner.ptr(), context, config,
      spec("s4", {"reels.js", "--profile", "acct", "--seconds", "600000", "--session", "s4",
                  "--sim-p-hang", "1"}),
      std::nullopt, 600000, cancel);
  pid_t driver_group = 0;
  for (int message = 0; message < 2; ++message) {
    owner->receive([](const troupe::msg::session_started&) {},
                   [&](const troupe::msg::session_progress& progress) {
                     driver_group = reported_pid(progress.progress_json, "pid");
                   },
                   caf::after(10s) >> [] {});
  }
  REQUIRE(driver_group > 0);
  caf::anon_send_exit(session, caf::exit_reason::kill);
  const bool gone = group_gone_within(driver_group, 5s);
  if (!gone) ::kill(-driver_group, SIGKILL);
  CHECK(gone);
  if (cancel) CHECK(cancel->cancelled());
}

TEST_CASE("a result object's count and consumed targets are read, anything else reads as zero") {
  using troupe::actors::result_counts;
  CHECK(result_counts(R"({"count":12,"consumed":9})") == std::make_pair<std::int64_t, std::int64_t>(12, 9));
  CHECK(result_counts(R"({"activity":"reels"})") == std::make_pair<std::int64_t, std::int64_t>(0, 0));
  CHECK(result_counts("not json") == std::make_pair<std::int64_t, std::int64_t>(0, 0));
  CHECK(result_counts("") == std::make_pair<std::int64_t, std::int64_t>(0, 0));
}
