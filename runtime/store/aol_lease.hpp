// The single-daemon lease `aol_lease`: among the daemons sharing a database,
// the one holding the lease named e.g. "aol" runs the loop. Its epoch grows
// by one with every new holder and never goes back (the row is never
// deleted), so it works as a fencing token across holders. Whether a
// holder's lease is still valid at `now` is decided in the database with the
// times passed in: a lease is valid through expires_at_ms and expired after.
//
// Functions use the given database only; its contract (one thread at a time)
// applies. Behaviour is identical on SQLite and PostgreSQL; two connections
// racing for the lease never both get it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

struct lease {
  std::string owner;
  std::int64_t epoch = 0;
  std::int64_t expires_at_ms = 0;
};

// Takes or renews the lease `name` for `owner` until now + ttl_ms and
// returns it: renewed with the same epoch when `owner` holds it unexpired;
// taken with the epoch plus one (1 for a lease never held) when it is free,
// released or expired (also when it was `owner`'s own, since others may
// have seen it lapse). Returns nullopt when another owner holds it
// unexpired. Owners must be unique per process (e.g. host:pid:random).
// Fails on an empty name or owner or a ttl_ms < 1.
result<std::optional<lease>> try_acquire_or_renew_lease(database& db, const std::string& name,
                                                        const std::string& owner,
                                                        std::int64_t now_ms, std::int64_t ttl_ms);

// Gives the lease up so that another daemon need not wait for it to expire.
// Returns false when `owner` does not hold it with that epoch (nothing is
// changed then). The epoch stays; the next holder gets epoch + 1.
result<bool> release_lease(database& db, const std::string& name, const std::string& owner,
                           std::int64_t epoch);

// The lease as stored (possibly expired or released), or nullopt if it was
// never taken. A released lease reads with expires_at_ms = released_lease_expiry.
result<std::optional<lease>> load_lease(database& db, const std::string& name);

// The expiry a release stores: before any time passed in.
constexpr std::int64_t released_lease_expiry = -1;

}  // namespace troupe::store
