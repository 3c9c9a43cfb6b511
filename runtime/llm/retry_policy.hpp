// Whether a failed HTTP attempt of an LLM call is tried again, and after
// how long. Retried: connection errors (refused, reset, timed out) and the
// statuses 408, 409, 429 and 5xx, at most `max_retries` times; never a 429
// saying the quota is exhausted (that opens the breaker instead), another
// 4xx, a TLS failure or a malformed response. The delay is the server's
// Retry-After when it is 0..60 s, else an exponential backoff with jitter.
// Pure functions of (outcome, attempt, settings, random draw): thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace troupe::llm {

struct retry_settings {
  int max_retries = 2;                          // retries after the first attempt, >= 0
  std::chrono::milliseconds base_delay{500};    // the first backoff
  std::chrono::milliseconds max_delay{20'000};  // the backoff's cap
  double jitter = 0.5;  // a backoff loses a random share of up to this much, in [0, 1]
  std::chrono::milliseconds max_retry_after{60'000};  // a longer Retry-After is ignored
};

// How one HTTP attempt ended, as far as retrying is concerned.
struct attempt_outcome {
  enum class kind {
    response,          // a response with `status` arrived
    connection_error,  // no response: refused, reset, timed out
    permanent_error,   // no response, and trying again cannot help (TLS, malformed)
  };
  kind ended = kind::response;
  int status = 0;                                        // iff response
  bool quota_exhausted = false;                          // a 429 whose body says insufficient_quota
  std::optional<std::chrono::milliseconds> retry_after;  // the response's Retry-After
};

struct retry_decision {
  bool retry = false;
  std::chrono::milliseconds delay{0};  // to wait before the next attempt, iff retry
};

// Returns true iff `outcome` is worth another attempt (ignoring the count).
bool is_retryable(const attempt_outcome& outcome);

// After the `attempt`-th attempt (1-based) ended with `outcome`: retry iff
// it is retryable and attempt <= max_retries. `draw` is a uniform random
// number in [0, 1) that picks the jitter.
retry_decision decide_retry(const attempt_outcome& outcome, int attempt,
                            const retry_settings& settings, double draw);

// base_delay * 2^(attempt-1), capped at max_delay, minus draw * jitter of it.
std::chrono::milliseconds backoff_delay(int attempt, const retry_settings& settings, double draw);

// A Retry-After header's delay when it is a number of seconds (fractions
// allowed, as some servers send); nullopt for an HTTP date, a negative or
// malformed value.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header);

}  // namespace troupe::llm
