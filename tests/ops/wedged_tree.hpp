// A live actor tree for tests that need one in process, and a way to wedge
// it: what the watchdog's and the monitor's tests make stop answering.
#pragma once

#include <atomic>
#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

#include "runtime/daemon.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"
#include "tests/support/command.hpp"

namespace troupe::testing {

// A daemon tree with no pods on a fresh SQLite database in `dir`.
inline std::unique_ptr<daemon_tree> idle_tree(const temp_dir& dir) {
  const auto url = "sqlite:" + dir.file("troupe.db");
  {
    auto db = store::database::open(url);
    REQUIRE(db.ok());
    REQUIRE(store::migrate(*db).ok());
  }
  auto config = std::make_shared<config::troupe_config>();
  config->db.url = url;
  config->log.file.clear();
  return std::make_unique<daemon_tree>(
      config, daemon_options{{}, std::nullopt, std::chrono::seconds(5), nullptr, {}});
}

// Wedges the tree's scheduled actors, the supervisor among them, the way a
// handler that blocks does: each of CAF's scheduler threads runs an actor
// that blocks until release(). Released by the destructor too, so the tree
// can stop however the test ends.
class blocked_scheduler {
 public:
  explicit blocked_scheduler(caf::actor_system& system) {
    const auto threads = system.scheduler().num_workers();
    for (std::size_t i = 0; i < threads; ++i) {
      system.spawn([gate = gate_, blocked = blocked_](caf::event_based_actor* self) {
        ++*blocked;
        gate.wait();
        self->quit();
        return caf::behavior{};
      });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (blocked_->load() < threads && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (blocked_->load() < threads)
      throw std::runtime_error("the scheduler's threads were not all blocked");
  }
  ~blocked_scheduler() { release(); }
  blocked_scheduler(const blocked_scheduler&) = delete;
  blocked_scheduler& operator=(const blocked_scheduler&) = delete;

  void release() {
    if (!released_.exchange(true)) opener_.set_value();
  }

 private:
  std::promise<void> opener_;
  std::shared_future<void> gate_ = opener_.get_future().share();
  std::shared_ptr<std::atomic<std::size_t>> blocked_ =
      std::make_shared<std::atomic<std::size_t>>(0);
  std::atomic<bool> released_{false};
};

}  // namespace troupe::testing
