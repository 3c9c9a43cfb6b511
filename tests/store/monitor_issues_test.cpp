// The monitor's issues in the store: a run's raised, open and resolved
// issues stored in one transaction with their system events, read back as
// open and recently resolved. On SQLite and PostgreSQL.
#include "runtime/store/monitor_issues.hpp"

#include <soci/soci.h>

#include "runtime/store/statements.hpp"
#include "tests/store/scratch_database.hpp"
#include "tests/support/fixed_time.hpp"

using namespace troupe;
using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::store::testing::test_backends;

namespace {

ops::monitor_issue issue_of(const std::string& condition, std::int64_t first_seen) {
  return {std::nullopt, condition, ops::severity::critical, "title of " + condition, "evidence", "action",
          first_seen, first_seen, std::nullopt};
}

long long events_of_kind(database& db, const std::string& kind) {
  long long count = 0;
  execute(db.session(), "SELECT COUNT(*) FROM system_events WHERE kind = :kind", soci::into(count), soci::use(kind));
  return count;
}

}  // namespace

TEST_CASE("a monitor run stores raised issues with ids, updates open ones and closes resolved ones") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();

  std::vector<ops::monitor_issue> raised{issue_of("dlq_not_empty", t0), issue_of("low_disk:/data", t0)};
  auto open = raised;
  std::vector<ops::monitor_issue> resolved;
  REQUIRE_OK(save_monitor_run(db, raised, open, resolved));
  REQUIRE(raised[0].id);
  CHECK(open[0].id == raised[0].id);
  CHECK(open[1].id == raised[1].id);
  CHECK(events_of_kind(db, "monitor_issue_raised") == 2);

  std::vector<ops::monitor_issue> none;
  open[0].last_seen_at_ms = t0 + 60'000;
  open[0].evidence = "3 actions";
  auto gone = open[1];
  gone.resolved_at_ms = t0 + 60'000;
  std::vector<ops::monitor_issue> still{open[0]};
  std::vector<ops::monitor_issue> cleared{gone};
  REQUIRE_OK(save_monitor_run(db, none, still, cleared));
  CHECK(events_of_kind(db, "monitor_issue_resolved") == 1);

  auto loaded_open = load_open_issues(db);
  REQUIRE_OK(loaded_open);
  REQUIRE(loaded_open->size() == 1);
  CHECK((*loaded_open)[0].condition_id == "dlq_not_empty");
  CHECK((*loaded_open)[0].evidence == "3 actions");
  CHECK((*loaded_open)[0].level == ops::severity::critical);
  CHECK((*loaded_open)[0].first_seen_at_ms == t0);
  CHECK((*loaded_open)[0].last_seen_at_ms == t0 + 60'000);

  auto recent = load_resolved_issues(db, t0);
  REQUIRE_OK(recent);
  REQUIRE(recent->size() == 1);
  CHECK((*recent)[0].condition_id == "low_disk:/data");
  CHECK((*recent)[0].resolved_at_ms == t0 + 60'000);
  auto later = load_resolved_issues(db, t0 + 60'001);
  REQUIRE_OK(later);
  CHECK(later->empty());
}

TEST_CASE("an issue raised and resolved while the database was down is stored with both events") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  auto& db = store.db();
  std::vector<ops::monitor_issue> raised{issue_of("database_unreachable", t0)};
  std::vector<ops::monitor_issue> open;
  auto gone = raised[0];
  gone.resolved_at_ms = t0 + 120'000;
  std::vector<ops::monitor_issue> resolved{gone};
  REQUIRE_OK(save_monitor_run(db, raised, open, resolved));
  CHECK(resolved[0].id == raised[0].id);
  CHECK(events_of_kind(db, "monitor_issue_raised") == 1);
  CHECK(events_of_kind(db, "monitor_issue_resolved") == 1);
  auto loaded_open = load_open_issues(db);
  REQUIRE_OK(loaded_open);
  CHECK(loaded_open->empty());
}
