// Reading a driver run's result: its last {"result":{...}} object, parsed,
// and its members as the verbs' callers read them.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "runtime/driver/outcome.hpp"

namespace troupe::driver {

// The result object of a run, when it wrote one that parses (whatever its exit).
std::optional<boost::json::object> result_object(const driver_outcome& outcome);

// The string member `name` of `object`, or "" when it is absent or not a string.
std::string string_member(const boost::json::object& object, const char* name);

// The count member `name` of `object`: 0 when it is absent, nullopt when it
// is not a whole number >= 0.
std::optional<std::int64_t> count_member(const boost::json::object& object, const char* name);

}  // namespace troupe::driver
