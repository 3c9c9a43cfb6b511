// The posts a simulated harvest finds: opportunities to reply to, with the
// reach, age and engagement a real timeline shows. Every value is drawn from
// the invocation's randomness except posted_at_ms, which is the drawn age
// before `now_ms`, so one seed and session give the same ages at any time.
// Not thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>

#include "randomness.hpp"

namespace troupe::sim_driver {

// The harvest's items: `count` of them, or 3..12 when it is empty.
boost::json::array harvested_items(randomness& random, std::optional<std::int64_t> count,
                                   std::int64_t now_ms);

} // namespace troupe::sim_driver
