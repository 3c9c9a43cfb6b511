#include "runtime/store/sessions.hpp"

#include "tests/store/scratch_database.hpp"

using namespace troupe::store;
using Catch::Matchers::Contains;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

session_record started(const std::string& id, const std::string& account_id,
                       std::int64_t started_at_ms) {
  session_record session;
  session.session_id = id;
  session.account_id = account_id;
  session.pod = "pod-a";
  session.activity = "follow";
  session.started_at_ms = started_at_ms;
  session.log_path = "logs/sessions/" + id + ".log";
  return session;
}

session_record existing_session(database& db, const std::string& id) {
  auto loaded = load_session(db, id);
  REQUIRE_OK(loaded);
  REQUIRE(loaded->has_value());
  return **loaded;
}

std::vector<std::string> ids_of(const std::vector<session_record>& sessions) {
  std::vector<std::string> ids;
  for (const auto& session : sessions) ids.push_back(session.session_id);
  return ids;
}

}  // namespace

TEST_CASE("a started session reads back with its end still absent") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto session = started("s-1", "acct-1", 1000);
  session.burst = true;
  REQUIRE_OK(insert_session(store.db(), session));
  const auto read = existing_session(store.db(), "s-1");
  CHECK(read.session_id == "s-1");
  CHECK(read.account_id == "acct-1");
  CHECK(read.pod == "pod-a");
  CHECK(read.activity == "follow");
  CHECK(read.kind == "session");
  CHECK_FALSE(read.step.has_value());
  CHECK(read.burst);
  CHECK(read.started_at_ms == 1000);
  CHECK_FALSE(read.ended_at_ms.has_value());
  CHECK_FALSE(read.exit_code.has_value());
  CHECK_FALSE(read.outcome.has_value());
  CHECK_FALSE(read.result_json.has_value());
  CHECK(read.log_path == "logs/sessions/s-1.log");
}

TEST_CASE("finishing a session records its end, exit code, outcome and result") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(insert_session(store.db(), started("s-1", "acct-1", 1000)));
  REQUIRE_OK(finish_session(store.db(), "s-1", 95000, 0, "success",
                            std::string(R"({"follows":12,"consumed":12})")));
  const auto read = existing_session(store.db(), "s-1");
  CHECK(read.ended_at_ms == std::optional<std::int64_t>(95000));
  CHECK(read.exit_code == std::optional<int>(0));
  CHECK(read.outcome == std::optional<std::string>("success"));
  CHECK(read.result_json == std::optional<std::string>(R"({"follows":12,"consumed":12})"));
}

TEST_CASE("a session that ends without a result keeps the result absent") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(insert_session(store.db(), started("s-1", "acct-1", 1000)));
  REQUIRE_OK(finish_session(store.db(), "s-1", 2000, 124, "timeout", std::nullopt));
  const auto read = existing_session(store.db(), "s-1");
  CHECK(read.exit_code == std::optional<int>(124));
  CHECK_FALSE(read.result_json.has_value());
}

TEST_CASE("a recovery step is a session of kind recovery with its step") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto step = started("r-1", "acct-1", 1000);
  step.kind = "recovery";
  step.activity = "recover";
  step.step = "homepage";
  REQUIRE_OK(insert_session(store.db(), step));
  const auto read = existing_session(store.db(), "r-1");
  CHECK(read.kind == "recovery");
  CHECK(read.step == std::optional<std::string>("homepage"));
}

TEST_CASE("a session of an unknown kind or with a taken id is refused") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto odd = started("s-1", "acct-1", 1000);
  odd.kind = "batch";
  const auto refused = insert_session(store.db(), odd);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.failure().message, Contains("not session or recovery"));

  REQUIRE_OK(insert_session(store.db(), started("s-1", "acct-1", 1000)));
  const auto duplicate = insert_session(store.db(), started("s-1", "acct-2", 2000));
  REQUIRE_FALSE(duplicate.ok());
  CHECK_THAT(duplicate.failure().message, Contains("cannot record the start of session s-1: "));
  CHECK(existing_session(store.db(), "s-1").account_id == "acct-1");
}

TEST_CASE("finishing an unknown or already finished session writes nothing and says so") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto unknown = finish_session(store.db(), "nope", 2000, 0, "success", std::nullopt);
  REQUIRE_OK(unknown);
  CHECK_FALSE(*unknown);

  REQUIRE_OK(insert_session(store.db(), started("s-1", "acct-1", 1000)));
  const auto first = finish_session(store.db(), "s-1", 2000, 0, "success", std::nullopt);
  REQUIRE_OK(first);
  CHECK(*first);
  const auto again = finish_session(store.db(), "s-1", 3000, 1, "error", std::nullopt);
  REQUIRE_OK(again);
  CHECK_FALSE(*again);
  CHECK(existing_session(store.db(), "s-1").ended_at_ms == std::optional<std::int64_t>(2000));
}

TEST_CASE("loading an unknown session gives no session, not an error") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto loaded = load_session(store.db(), "nope");
  REQUIRE_OK(loaded);
  CHECK_FALSE(loaded->has_value());
}

TEST_CASE("recent sessions of an account are the newest since a time, up to a limit") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(insert_session(store.db(), started("a-1", "acct-a", 1000)));
  REQUIRE_OK(insert_session(store.db(), started("a-2", "acct-a", 2000)));
  REQUIRE_OK(insert_session(store.db(), started("b-1", "acct-b", 2500)));
  REQUIRE_OK(insert_session(store.db(), started("a-3", "acct-a", 3000)));
  REQUIRE_OK(insert_session(store.db(), started("a-4", "acct-a", 4000)));

  auto since = recent_sessions(store.db(), "acct-a", 2000, 10);
  REQUIRE_OK(since);
  CHECK(ids_of(*since) == std::vector<std::string>{"a-4", "a-3", "a-2"});

  auto limited = recent_sessions(store.db(), "acct-a", 0, 2);
  REQUIRE_OK(limited);
  CHECK(ids_of(*limited) == std::vector<std::string>{"a-4", "a-3"});

  auto every_account = recent_sessions(store.db(), "", 2500, 10);
  REQUIRE_OK(every_account);
  CHECK(ids_of(*every_account) == std::vector<std::string>{"a-4", "a-3", "b-1"});

  CHECK_FALSE(recent_sessions(store.db(), "acct-a", 0, 0).ok());
}

TEST_CASE("the sessions without an end are listed oldest first, with their log paths") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  REQUIRE_OK(insert_session(store.db(), started("s-late", "acct-1", 3000)));
  REQUIRE_OK(insert_session(store.db(), started("s-ended", "acct-2", 1000)));
  REQUIRE_OK(insert_session(store.db(), started("s-early", "acct-3", 2000)));
  REQUIRE_OK(finish_session(store.db(), "s-ended", 4000, 0, "success", std::nullopt));
  auto running = unfinished_sessions(store.db());
  REQUIRE_OK(running);
  CHECK(ids_of(*running) == std::vector<std::string>{"s-early", "s-late"});
  CHECK(running->front().log_path == "logs/sessions/s-early.log");
}
