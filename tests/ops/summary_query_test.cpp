// Which daily summaries GET /api/summaries and `troupe summary` show: a day
// written YYYY-MM-DD that exists, "today" in the right time zone, one pod's
// accounts, and clear refusals of a bad day or an unknown pod.
#include "runtime/ops/summary_query.hpp"

#include <catch2/catch.hpp>

using namespace troupe;
using namespace troupe::ops;

namespace {

// 2026-03-01T02:30:00Z: still February 28 in New York, already March 1 in UTC and Tokyo.
constexpr std::int64_t early_march_1_utc = 1'772'332'200'000;

config::troupe_config two_pods() {
  config::troupe_config config;
  config.timezone = "UTC";
  config.pods = {{"alpha", {"a1", "a2"}, "", {}}, {"east", {"e1"}, "America/New_York", {}}};
  return config;
}

store::runner_summary row(const std::string& account, const std::string& day) {
  store::runner_summary summary;
  summary.account_id = account;
  summary.day = day;
  return summary;
}

std::vector<std::string> accounts_of(const std::vector<store::runner_summary>& rows) {
  std::vector<std::string> accounts;
  for (const auto& each : rows) accounts.push_back(each.account_id);
  return accounts;
}

}  // namespace

TEST_CASE("a summary day is a real date written YYYY-MM-DD") {
  CHECK(*parse_summary_day("2026-03-01") == "2026-03-01");
  CHECK(*parse_summary_day("2024-02-29") == "2024-02-29");  // a leap day
  for (const char* bad :
       {"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-3-1", "20260301",
        "2026/03/01", "today", "", "2026-03-01T00:00:00Z", " 2026-03-01", "+026-03-01"}) {
    CAPTURE(bad);
    const auto parsed = parse_summary_day(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.failure().message ==
          "day '" + std::string(bad) + "' is not a date (expected YYYY-MM-DD)");
  }
}

TEST_CASE(
    "without a day the summaries are today's, in the pod's time zone when a pod is asked for") {
  const auto config = two_pods();
  auto every = resolve_summary_query(config, std::nullopt, std::nullopt, early_march_1_utc);
  REQUIRE(every.ok());
  CHECK(every->day == "2026-03-01");  // the config's timezone, UTC
  CHECK_FALSE(every->accounts.has_value());

  auto east = resolve_summary_query(config, std::nullopt, std::string("east"), early_march_1_utc);
  REQUIRE(east.ok());
  CHECK(east->day == "2026-02-28");  // New York's date
  auto alpha = resolve_summary_query(config, std::nullopt, std::string("alpha"), early_march_1_utc);
  REQUIRE(alpha.ok());
  CHECK(alpha->day == "2026-03-01");  // no zone of its own: the config's

  auto tokyo_config = config;
  tokyo_config.timezone = "Asia/Tokyo";
  CHECK(resolve_summary_query(tokyo_config, std::nullopt, std::nullopt,
                              early_march_1_utc - 3 * 3'600'000)
            ->day == "2026-03-01");  // 23:30 UTC on February 28
}

TEST_CASE("a pod's summaries are those of its accounts on the day asked for") {
  const auto config = two_pods();
  auto query = resolve_summary_query(config, std::string("2026-02-10"), std::string("alpha"),
                                     early_march_1_utc);
  REQUIRE(query.ok());
  CHECK(query->day == "2026-02-10");
  const std::vector<store::runner_summary> rows{
      row("a1", "2026-02-10"), row("a2", "2026-02-10"), row("e1", "2026-02-10"),
      row("retired", "2026-02-10"), row("a1", "2026-02-11")};
  CHECK(accounts_of(select_summaries(*query, rows)) == std::vector<std::string>{"a1", "a2"});
  auto every =
      resolve_summary_query(config, std::string("2026-02-10"), std::nullopt, early_march_1_utc);
  CHECK(accounts_of(select_summaries(*every, rows)) ==
        std::vector<std::string>{"a1", "a2", "e1", "retired"});
}

TEST_CASE("a bad day or an unknown pod is refused, saying why") {
  const auto config = two_pods();
  const auto bad_day =
      resolve_summary_query(config, std::string("2026-02-30"), std::nullopt, early_march_1_utc);
  REQUIRE_FALSE(bad_day.ok());
  CHECK(bad_day.failure().message == "day '2026-02-30' is not a date (expected YYYY-MM-DD)");
  const auto unknown =
      resolve_summary_query(config, std::nullopt, std::string("gamma"), early_march_1_utc);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.failure().message == "no pod named 'gamma' (pods: alpha, east)");
  CHECK_FALSE(resolve_summary_query(config, std::nullopt, std::string(""), early_march_1_utc).ok());
}
