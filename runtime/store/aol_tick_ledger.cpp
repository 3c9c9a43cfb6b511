#include "runtime/store/aol_tick_ledger.hpp"

#include <stdexcept>
#include <utility>

#include "runtime/store/enum_names.hpp"
#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

constexpr std::pair<tick_status, const char*> tick_status_names[] = {
    {tick_status::running, "RUNNING"},
    {tick_status::success, "SUCCESS"},
    {tick_status::error, "ERROR"},
    {tick_status::paused, "PAUSED"},
};

status check_finish(tick_status final_status, int attempted, int succeeded) {
  if (final_status == tick_status::running) return error{"a tick cannot finish as RUNNING"};
  if (attempted < 0 || succeeded < 0) return error{"a tick's counts cannot be negative"};
  if (succeeded > attempted) return error{"a tick cannot succeed more actions than it attempted"};
  return {};
}

}  // namespace

const char* to_string(tick_status status) { return name_of(tick_status_names, status, "UNKNOWN"); }

std::optional<tick_status> parse_tick_status(std::string_view name) {
  return value_of(tick_status_names, name);
}

result<std::int64_t> begin_tick(database& db, const std::string& owner, std::int64_t epoch,
                                std::int64_t now_ms) {
  if (owner.empty()) return error{"a tick needs the owner of the lease"};
  return guarded("cannot record the start of a tick", [&] {
    std::int64_t id = 0;
    const std::string running = to_string(tick_status::running);
    query_first_row(db.session(),
                    "INSERT INTO aol_tick_ledger (started_at_ms, status, owner, epoch)"
                    " VALUES (:started_at_ms, :status, :owner, :epoch) RETURNING id",
                    soci::into(id), soci::use(now_ms), soci::use(running), soci::use(owner),
                    soci::use(epoch));
    return id;
  });
}

status finish_tick(database& db, std::int64_t id, tick_status final_status, int attempted,
                   int succeeded, std::int64_t now_ms) {
  if (auto valid = check_finish(final_status, attempted, succeeded); !valid) return valid;
  const std::string name = to_string(final_status);
  return guarded("cannot record the end of tick " + std::to_string(id), [&]() -> status {
    const auto changed =
        execute(db.session(),
                "UPDATE aol_tick_ledger SET finished_at_ms = :finished_at_ms, status = :status,"
                " attempted = :attempted, succeeded = :succeeded,"
                " duration_ms = :ended_at_ms - started_at_ms"
                " WHERE id = :id AND status = 'RUNNING'",
                soci::use(now_ms), soci::use(name), soci::use(attempted), soci::use(succeeded),
                soci::use(now_ms), soci::use(id));
    if (changed == 0) return error{"no running tick " + std::to_string(id)};
    return {};
  });
}

result<std::vector<tick_record>> recent_ticks(database& db, int limit) {
  if (limit < 1) return error{"a list of recent ticks needs a limit of at least 1"};
  return guarded("cannot list recent ticks", [&] {
    tick_record tick;
    std::string stored_status;
    auto select = prepare(db.session(),
                          "SELECT id, started_at_ms, finished_at_ms, status, attempted, succeeded,"
                          " duration_ms, owner, epoch FROM aol_tick_ledger"
                          " ORDER BY id DESC LIMIT :limit",
                          soci::into(tick.id), soci::into(tick.started_at_ms),
                          soci::into(tick.finished_at_ms), soci::into(stored_status),
                          soci::into(tick.attempted), soci::into(tick.succeeded),
                          soci::into(tick.duration_ms), soci::into(tick.owner),
                          soci::into(tick.epoch), soci::use(limit));
    std::vector<tick_record> ticks;
    select.execute();
    while (select.fetch()) {
      const auto known = parse_tick_status(stored_status);
      if (!known)
        throw std::runtime_error("tick " + std::to_string(tick.id) + " has an unknown status '" +
                                 stored_status + "'");
      tick.status = *known;
      ticks.push_back(tick);
    }
    return ticks;
  });
}

}  // namespace troupe::store
