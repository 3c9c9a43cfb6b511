#include "runtime/store/api_usage.hpp"

#include <soci/soci.h>

#include "runtime/store/optional_column.hpp"
#include "runtime/store/statements.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe::store;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

constexpr std::int64_t midnight = 1795737600000;  // 2026-11-27T00:00:00Z

api_usage_row call_at(std::int64_t at_ms, double cost_usd,
                      api_call_status status = api_call_status::ok,
                      std::optional<std::string> reason = std::nullopt) {
  api_usage_row usage;
  usage.request_id = "req-" + std::to_string(at_ms);
  usage.model = "gpt-4o-mini";
  usage.prompt_tokens = 100;
  usage.completion_tokens = 20;
  usage.cost_usd = cost_usd;
  usage.status = status;
  usage.failure_reason = std::move(reason);
  usage.latency_ms = 850;
  usage.at_ms = at_ms;
  return usage;
}

double spent(database& db, std::int64_t now_ms) {
  auto sum = spent_on_utc_day(db, now_ms);
  REQUIRE_OK(sum);
  return *sum;
}

}  // namespace

TEST_CASE("a recorded API call reads back with every field") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto usage = call_at(midnight + 5, 0.0125, api_call_status::failed, "timeout");
  usage.kind = api_call_kind::embedding;
  usage.attempts = 3;
  auto first = record_api_usage(store.db(), usage);
  REQUIRE_OK(first);
  auto second = record_api_usage(store.db(), call_at(midnight + 6, 0));
  REQUIRE_OK(second);
  CHECK(*second > *first);

  std::string request_id, call_kind, model, status;
  std::optional<std::string> reason;
  long long prompt = 0, completion = 0, latency = 0, at_ms = 0;
  int attempts = 0;
  double cost = 0;
  troupe::store::execute(
      store.db().session(),
      "SELECT request_id, kind, model, prompt_tokens, completion_tokens, cost_usd, status,"
      " failure_reason, latency_ms, attempts, at_ms FROM api_usage WHERE id = :id",
      soci::into(request_id), soci::into(call_kind), soci::into(model), soci::into(prompt),
      soci::into(completion), soci::into(cost), soci::into(status), soci::into(reason),
      soci::into(latency), soci::into(attempts), soci::into(at_ms), soci::use(*first));
  CHECK(request_id == usage.request_id);
  CHECK(call_kind == "embedding");
  CHECK(model == "gpt-4o-mini");
  CHECK(prompt == 100);
  CHECK(completion == 20);
  CHECK(cost == 0.0125);
  CHECK(status == "failed");
  CHECK(reason == "timeout");
  CHECK(latency == 850);
  CHECK(attempts == 3);
  CHECK(at_ms == midnight + 5);
}

TEST_CASE("record_api_usage refuses a call without a model or with negative amounts") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto no_model = call_at(midnight, 0.1);
  no_model.model.clear();
  auto negative_tokens = call_at(midnight, 0.1);
  negative_tokens.prompt_tokens = -1;
  auto negative_cost = call_at(midnight, -0.1);
  auto nan_cost = call_at(midnight, std::nan(""));
  auto negative_attempts = call_at(midnight, 0.1);
  negative_attempts.attempts = -1;
  for (const auto& bad : {no_model, negative_tokens, negative_cost, nan_cost, negative_attempts}) {
    CHECK_FALSE(record_api_usage(store.db(), bad).ok());
  }
  auto totals = usage_totals(store.db(), midnight);
  REQUIRE_OK(totals);
  CHECK(totals->calls == 0);
}

TEST_CASE("the day's spend sums the calls of the UTC day, midnight in, next midnight out") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  CHECK(spent(db, midnight + 1000) == 0);
  REQUIRE_OK(record_api_usage(db, call_at(midnight - 1, 4.0)));            // the day before
  REQUIRE_OK(record_api_usage(db, call_at(midnight, 0.5)));                // first ms of the day
  REQUIRE_OK(record_api_usage(db, call_at(midnight + 43'200'000, 0.25)));  // noon
  REQUIRE_OK(
      record_api_usage(db, call_at(midnight + utc_day_ms - 1, 0.125)));   // last ms of the day
  REQUIRE_OK(record_api_usage(db, call_at(midnight + utc_day_ms, 2.0)));  // the next day
  REQUIRE_OK(
      record_api_usage(db, call_at(midnight + 1000, 1.0, api_call_status::refused, "budget")));

  CHECK_THAT(spent(db, midnight), WithinAbs(1.875, 1e-9));
  CHECK_THAT(spent(db, midnight + utc_day_ms - 1), WithinAbs(1.875, 1e-9));
  CHECK_THAT(spent(db, midnight - 1), WithinAbs(4.0, 1e-9));
  CHECK_THAT(spent(db, midnight + utc_day_ms), WithinAbs(2.0, 1e-9));
  CHECK(spent(db, midnight + 2 * utc_day_ms) == 0);
}

TEST_CASE("usage_totals counts calls, failures by reason and today's cost") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  REQUIRE_OK(record_api_usage(db, call_at(midnight - 10, 3.0)));
  REQUIRE_OK(record_api_usage(db, call_at(midnight + 10, 0.5)));
  REQUIRE_OK(
      record_api_usage(db, call_at(midnight + 11, 0.25, api_call_status::failed, "timeout")));
  REQUIRE_OK(record_api_usage(db, call_at(midnight + 12, 0, api_call_status::failed, "timeout")));
  REQUIRE_OK(record_api_usage(db, call_at(midnight + 13, 0, api_call_status::failed, "http_429")));
  REQUIRE_OK(record_api_usage(db, call_at(midnight + 14, 0, api_call_status::refused, "budget")));
  REQUIRE_OK(record_api_usage(db, call_at(midnight + 15, 0, api_call_status::failed)));

  auto totals = usage_totals(db, midnight + 100);
  REQUIRE_OK(totals);
  CHECK(totals->calls == 7);
  CHECK(totals->failed == 4);
  CHECK(totals->refused == 1);
  CHECK(totals->failures_by_reason ==
        std::map<std::string, std::int64_t>{
            {"timeout", 2}, {"http_429", 1}, {"budget", 1}, {"unspecified", 1}});
  CHECK_THAT(totals->cost_today_usd, WithinAbs(0.75, 1e-9));
}
