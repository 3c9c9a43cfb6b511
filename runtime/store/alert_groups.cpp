#include "runtime/store/alert_groups.hpp"

#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

// What makes a group open; binds :type.
constexpr const char* open_group_condition =
    "type = :type AND status = 'PENDING' AND attempts = 0 AND proof_artifact IS NULL";

}  // namespace

result<std::optional<open_alert_group>> load_open_alert_group(database& db) {
  return guarded("cannot read the open alert group", [&] {
    const std::string type = alert_group_action;
    open_alert_group group;
    const bool found =
        query_first_row(db.session(),
                        std::string("SELECT id, payload FROM aol_actions WHERE ") +
                            open_group_condition + " ORDER BY id DESC LIMIT 1",
                        soci::into(group.id), soci::into(group.payload_json), soci::use(type));
    return found ? std::optional<open_alert_group>(std::move(group)) : std::nullopt;
  });
}

result<std::vector<std::int64_t>> alert_group_send_times(database& db, std::int64_t since_ms) {
  return guarded("cannot read when alert groups were sent", [&] {
    const std::string type = alert_group_action;
    std::int64_t run_at = 0;
    auto select = prepare(
        db.session(), "SELECT run_at_ms FROM aol_actions WHERE type = :type AND run_at_ms > :since",
        soci::into(run_at), soci::use(type), soci::use(since_ms));
    std::vector<std::int64_t> times;
    select.execute();
    while (select.fetch()) times.push_back(run_at);
    return times;
  });
}

result<bool> amend_open_alert_group(database& db, std::int64_t id,
                                    const std::string& expected_payload,
                                    const std::string& payload_json, std::int64_t now_ms) {
  return guarded("cannot add to alert group " + std::to_string(id), [&] {
    const std::string type = alert_group_action;
    const auto changed =
        execute(db.session(),
                std::string("UPDATE aol_actions SET payload = :payload, updated_at_ms = :now"
                            " WHERE id = :id AND payload = :expected AND ") +
                    open_group_condition,
                soci::use(payload_json), soci::use(now_ms), soci::use(id),
                soci::use(expected_payload), soci::use(type));
    return changed == 1;
  });
}

}  // namespace troupe::store
