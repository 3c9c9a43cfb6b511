// When a failed attempt is retried, and after how long.
#include "runtime/llm/retry_policy.hpp"

#include <catch2/catch.hpp>

using namespace troupe::llm;
using namespace std::chrono_literals;

namespace {

attempt_outcome answered(int status) {
  attempt_outcome outcome;
  outcome.status = status;
  return outcome;
}

attempt_outcome no_response() {
  attempt_outcome outcome;
  outcome.ended = attempt_outcome::kind::connection_error;
  return outcome;
}

}  // namespace

TEST_CASE("connection errors, 408, 409, 429 and 5xx are retried, other statuses are not") {
  for (const int status : {408, 409, 429, 500, 502, 503, 504, 599}) {
    INFO(status);
    CHECK(is_retryable(answered(status)));
  }
  for (const int status : {200, 400, 401, 403, 404, 422}) {
    INFO(status);
    CHECK_FALSE(is_retryable(answered(status)));
  }
  CHECK(is_retryable(no_response()));
  attempt_outcome tls;
  tls.ended = attempt_outcome::kind::permanent_error;
  CHECK_FALSE(is_retryable(tls));
}

TEST_CASE("a 429 saying the quota is exhausted is never retried") {
  auto quota = answered(429);
  quota.quota_exhausted = true;
  CHECK_FALSE(is_retryable(quota));
  CHECK_FALSE(decide_retry(quota, 1, retry_settings{}, 0.0).retry);
}

TEST_CASE("at most max_retries retries follow the first attempt") {
  retry_settings settings;
  settings.max_retries = 2;
  CHECK(decide_retry(answered(500), 1, settings, 0.0).retry);
  CHECK(decide_retry(answered(500), 2, settings, 0.0).retry);
  CHECK_FALSE(decide_retry(answered(500), 3, settings, 0.0).retry);
  settings.max_retries = 0;
  CHECK_FALSE(decide_retry(answered(500), 1, settings, 0.0).retry);
}

TEST_CASE("the backoff doubles from the base, is capped, and jitter only shortens it") {
  retry_settings settings;
  settings.base_delay = 500ms;
  settings.max_delay = 3000ms;
  settings.jitter = 0.5;
  CHECK(backoff_delay(1, settings, 0.0) == 500ms);
  CHECK(backoff_delay(2, settings, 0.0) == 1000ms);
  CHECK(backoff_delay(3, settings, 0.0) == 2000ms);
  CHECK(backoff_delay(4, settings, 0.0) == 3000ms);
  CHECK(backoff_delay(10, settings, 0.0) == 3000ms);
  CHECK(backoff_delay(2, settings, 1.0) == 500ms);
  CHECK(backoff_delay(2, settings, 0.5) == 750ms);
  CHECK(decide_retry(no_response(), 2, retry_settings{}, 0.0).delay == 1000ms);
}

TEST_CASE("a Retry-After of 0..60 s is the delay, a longer one falls back to the backoff") {
  auto limited = answered(429);
  limited.retry_after = 2000ms;
  CHECK(decide_retry(limited, 1, retry_settings{}, 0.9).delay == 2000ms);
  limited.retry_after = 0ms;
  CHECK(decide_retry(limited, 1, retry_settings{}, 0.9).delay == 0ms);
  limited.retry_after = 60'000ms;
  CHECK(decide_retry(limited, 1, retry_settings{}, 0.0).delay == 60'000ms);
  limited.retry_after = 61'000ms;
  CHECK(decide_retry(limited, 1, retry_settings{}, 0.0).delay == 500ms);
}

TEST_CASE("Retry-After is read as seconds, a date or garbage is ignored") {
  CHECK(parse_retry_after("1") == 1000ms);
  CHECK(parse_retry_after(" 30 ") == 30'000ms);
  CHECK(parse_retry_after("0.25") == 250ms);
  CHECK(parse_retry_after("0") == 0ms);
  CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
  CHECK_FALSE(parse_retry_after("-1"));
  CHECK_FALSE(parse_retry_after(""));
  CHECK_FALSE(parse_retry_after("1.2.3"));
}
