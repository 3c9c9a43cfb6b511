// What every troupe command exits with.
#pragma once

namespace troupe::cli {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_bad_input = 2;  // a bad flag, file or argument: nothing was done

}  // namespace troupe::cli
