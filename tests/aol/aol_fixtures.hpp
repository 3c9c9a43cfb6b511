// Helpers shared by the action queue's tests: building and enqueuing
// actions, claiming them, and running work on several connections at once.
#pragma once

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "runtime/store/aol_actions.hpp"
#include "runtime/store/aol_claims.hpp"
#include "tests/store/scratch_database.hpp"

namespace troupe::aol::testing {

using store::action;
using store::database;

inline store::new_action request(const std::string& key, int priority = 0,
                                 std::int64_t run_at_ms = 0, int max_attempts = 3) {
  store::new_action request;
  request.type = "POST_SOCIAL";
  request.payload_json = R"({"account":"acct-1","text":"hello"})";
  request.idempotency_key = key;
  request.priority = priority;
  request.run_at_ms = run_at_ms;
  request.max_attempts = max_attempts;
  return request;
}

inline action enqueued(database& db, const store::new_action& request, std::int64_t now_ms = 0) {
  auto outcome = store::enqueue_action(db, request, now_ms);
  REQUIRE_OK(outcome);
  REQUIRE(outcome->created);
  return outcome->queued;
}

inline action enqueued(database& db, const std::string& key) { return enqueued(db, request(key)); }

inline std::vector<action> claimed(database& db, const std::string& owner, std::int64_t now_ms,
                                   std::int64_t lease_ms = 30'000, int max_batch = 100) {
  auto claim = store::claim_due_actions(db, owner, now_ms, lease_ms, max_batch);
  REQUIRE_OK(claim);
  return *claim;
}

// Claims the one due action there must be.
inline action claimed_one(database& db, const std::string& owner, std::int64_t now_ms,
                          std::int64_t lease_ms = 30'000) {
  auto claim = claimed(db, owner, now_ms, lease_ms, 1);
  REQUIRE(claim.size() == 1);
  return claim.front();
}

inline action load_existing(database& db, std::int64_t id) {
  auto loaded = store::load_action(db, id);
  REQUIRE_OK(loaded);
  REQUIRE(loaded->has_value());
  return **loaded;
}

inline std::vector<std::int64_t> ids_of(const std::vector<action>& actions) {
  std::vector<std::int64_t> ids;
  for (const auto& queued : actions) ids.push_back(queued.id);
  return ids;
}

// `count` connections of their own to the scratch database at `url`.
inline std::vector<database> connections(const std::string& url, int count) {
  std::vector<database> opened;
  for (int i = 0; i < count; ++i) {
    auto connection = database::open(url);
    REQUIRE_OK(connection);
    opened.push_back(std::move(connection).value());
  }
  return opened;
}

// Runs work(i, connection i) on one thread per connection, all released at
// once, and waits for them. Catch2's assertions are not thread-safe: work
// records what it saw, the test checks it afterwards.
inline void run_concurrently(std::vector<database>& dbs,
                             const std::function<void(std::size_t, database&)>& work) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < dbs.size(); ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      work(i, dbs[i]);
    });
  }
  go.store(true);
  for (auto& thread : threads) thread.join();
}

}  // namespace troupe::aol::testing
