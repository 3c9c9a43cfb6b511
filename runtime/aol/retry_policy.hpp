// How long a failed action waits before its next attempt: exponential
// backoff with jitter. The nominal delay after the n-th failed attempt is
// base * multiplier^(n-1), capped at max_delay; the delay drawn is uniform in
// [nominal * (1 - jitter), nominal] ("subtractive" jitter), so the cap is a
// hard bound and retries of actions that failed together spread out instead
// of returning at the same instant. Whether attempts remain is the queue's
// business (attempts against max_attempts, see runtime/store/aol_claims.hpp).
//
// Pure functions; the generator is the caller's.
#pragma once

#include <cstdint>

#include "runtime/policy/rng.hpp"
#include "runtime/result.hpp"

namespace troupe::aol {

struct backoff_config {
  std::int64_t base_delay_ms = 10'000;    // after the first failed attempt
  double multiplier = 2.0;                // growth per further failure, >= 1
  std::int64_t max_delay_ms = 3'600'000;  // cap on the nominal delay
  double jitter = 0.5;                    // fraction of the nominal delay drawn off, in [0, 1]
};

// Fails, naming the field, unless base_delay_ms > 0, multiplier >= 1,
// max_delay_ms >= base_delay_ms and jitter lies in [0, 1].
status check_backoff_config(const backoff_config& config);

// The nominal delay after `failed_attempts` failures (values below 1 count
// as 1): min(max_delay, base * multiplier^(failed_attempts - 1)).
std::int64_t nominal_backoff_ms(int failed_attempts, const backoff_config& config);

// The delay to wait after `failed_attempts` failures: uniform in
// [nominal * (1 - jitter), nominal], in whole milliseconds. The same seed
// gives the same delays. `config` must pass check_backoff_config.
std::int64_t backoff_delay_ms(int failed_attempts, const backoff_config& config,
                              policy::rng& random);

}  // namespace troupe::aol
