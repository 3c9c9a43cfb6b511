#include "runtime/store/harvester_accounts.hpp"

#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

constexpr const char* harvester_columns =
    "SELECT account_id, logged_in, checked_at, logged_out_since, reason, last_harvest_at, last_harvest_count"
    " FROM harvester_accounts";

template <class... Uses>
std::vector<harvester_account> select_accounts(database& db, const std::string& rest, const Uses&... uses) {
  std::vector<harvester_account> accounts;
  harvester_account row;
  int logged_in = 1;
  auto select = prepare(db.session(), harvester_columns + rest, soci::into(row.account_id), soci::into(logged_in),
                        soci::into(row.checked_at_ms), soci::into(row.logged_out_since_ms), soci::into(row.reason),
                        soci::into(row.last_harvest_at_ms), soci::into(row.last_harvest_count), uses...);
  select.execute();
  while (select.fetch()) {
    row.logged_in = logged_in != 0;
    accounts.push_back(row);
  }
  return accounts;
}

}  // namespace

status record_whoami(database& db, const std::string& account_id, bool logged_in, const std::string& reason,
                     std::int64_t now_ms) {
  if (account_id.empty()) return error{"a whoami answer needs its account"};
  return guarded("cannot record the whoami of " + account_id, [&] {
    const int in = logged_in ? 1 : 0;
    const std::optional<std::int64_t> since = logged_in ? std::nullopt : std::optional<std::int64_t>(now_ms);
    const std::string why = logged_in ? std::string() : reason;
    execute(db.session(),
            "INSERT INTO harvester_accounts (account_id, logged_in, checked_at, logged_out_since, reason)"
            " VALUES (:account_id, :logged_in, :checked_at, :since, :reason)"
            " ON CONFLICT (account_id) DO UPDATE SET logged_in = excluded.logged_in,"
            " checked_at = excluded.checked_at, reason = excluded.reason,"
            " logged_out_since = CASE WHEN excluded.logged_in = 1 THEN NULL"
            " ELSE COALESCE(harvester_accounts.logged_out_since, excluded.logged_out_since) END",
            soci::use(account_id), soci::use(in), soci::use(now_ms), soci::use(since), soci::use(why));
  });
}

status record_harvest(database& db, const std::string& account_id, std::int64_t count, std::int64_t now_ms) {
  if (account_id.empty()) return error{"a harvest needs its account"};
  return guarded("cannot record the harvest of " + account_id, [&] {
    execute(db.session(),
            "INSERT INTO harvester_accounts (account_id, last_harvest_at, last_harvest_count)"
            " VALUES (:account_id, :at, :count)"
            " ON CONFLICT (account_id) DO UPDATE SET last_harvest_at = excluded.last_harvest_at,"
            " last_harvest_count = excluded.last_harvest_count",
            soci::use(account_id), soci::use(now_ms), soci::use(count));
  });
}

result<std::optional<harvester_account>> load_harvester_account(database& db, const std::string& account_id) {
  return guarded("cannot read the harvester's view of " + account_id, [&] {
    auto found = select_accounts(db, " WHERE account_id = :account_id", soci::use(account_id));
    return found.empty() ? std::optional<harvester_account>{} : std::optional<harvester_account>{found.front()};
  });
}

result<std::vector<harvester_account>> auth_required_accounts(database& db) {
  return guarded("cannot read the accounts that need their owner",
                 [&] { return select_accounts(db, " WHERE logged_in = 0 ORDER BY account_id"); });
}

}  // namespace troupe::store
