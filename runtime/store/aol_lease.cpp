#include "runtime/store/aol_lease.hpp"

#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

status check_lease_request(const std::string& name, const std::string& owner) {
  if (name.empty()) return error{"a lease needs a name"};
  if (owner.empty()) return error{"lease " + name + " needs an owner"};
  return {};
}

// Creates the lease row held by `owner` at epoch 1 unless the row exists;
// returns whether it did.
bool insert_first_holder(database& db, const std::string& name, const std::string& owner,
                         std::int64_t expires_at_ms) {
  std::int64_t epoch = 0;
  return query_first_row(db.session(),
                         "INSERT INTO aol_lease (name, owner, epoch, expires_at_ms)"
                         " VALUES (:name, :owner, 1, :expires_at_ms)"
                         " ON CONFLICT (name) DO NOTHING RETURNING epoch",
                         soci::into(epoch), soci::use(name), soci::use(owner),
                         soci::use(expires_at_ms));
}

// Renews the lease if `owner` holds it unexpired, takes it with a new epoch
// if it expired; one conditional UPDATE, so of two racing connections the
// second sees the first's row and finds it held. Returns the lease as it
// now stands, or nullopt when someone else holds it.
std::optional<lease> renew_or_take(database& db, const std::string& name, const std::string& owner,
                                   std::int64_t now_ms, std::int64_t expires_at_ms) {
  lease taken;
  const bool changed = query_first_row(
      db.session(),
      "UPDATE aol_lease SET epoch = CASE WHEN owner = :owner AND expires_at_ms >= :valid_at_ms"
      " THEN epoch ELSE epoch + 1 END, owner = :new_owner, expires_at_ms = :expires_at_ms"
      " WHERE name = :name AND (expires_at_ms < :expired_before_ms OR owner = :holder)"
      " RETURNING owner, epoch, expires_at_ms",
      soci::into(taken.owner), soci::into(taken.epoch), soci::into(taken.expires_at_ms),
      soci::use(owner), soci::use(now_ms), soci::use(owner), soci::use(expires_at_ms),
      soci::use(name), soci::use(now_ms), soci::use(owner));
  if (!changed) return std::nullopt;
  return taken;
}

}  // namespace

result<std::optional<lease>> try_acquire_or_renew_lease(database& db, const std::string& name,
                                                        const std::string& owner,
                                                        std::int64_t now_ms, std::int64_t ttl_ms) {
  if (auto valid = check_lease_request(name, owner); !valid) return valid.failure();
  if (ttl_ms < 1) return error{"lease " + name + " needs a ttl of at least 1 ms"};
  const std::int64_t expires_at_ms = now_ms + ttl_ms;
  return guarded("cannot take lease " + name + " for " + owner, [&] {
    if (insert_first_holder(db, name, owner, expires_at_ms)) {
      return std::optional<lease>{lease{owner, 1, expires_at_ms}};
    }
    return renew_or_take(db, name, owner, now_ms, expires_at_ms);
  });
}

result<bool> release_lease(database& db, const std::string& name, const std::string& owner,
                           std::int64_t epoch) {
  if (auto valid = check_lease_request(name, owner); !valid) return valid.failure();
  const std::int64_t released = released_lease_expiry;
  return guarded("cannot release lease " + name, [&] {
    return execute(db.session(),
                   "UPDATE aol_lease SET expires_at_ms = :released"
                   " WHERE name = :name AND owner = :owner AND epoch = :epoch",
                   soci::use(released), soci::use(name), soci::use(owner), soci::use(epoch)) > 0;
  });
}

result<std::optional<lease>> load_lease(database& db, const std::string& name) {
  return guarded("cannot read lease " + name, [&] {
    lease stored;
    const bool found = query_first_row(
        db.session(), "SELECT owner, epoch, expires_at_ms FROM aol_lease WHERE name = :name",
        soci::into(stored.owner), soci::into(stored.epoch), soci::into(stored.expires_at_ms),
        soci::use(name));
    return found ? std::optional<lease>{stored} : std::nullopt;
  });
}

}  // namespace troupe::store
