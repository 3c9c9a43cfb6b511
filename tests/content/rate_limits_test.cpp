// The posting rate limits: per-account posts per sliding hour, the minimum
// interval between two posts of one account, the platform-wide hourly cap,
// and the instant a blocked post becomes possible. Checked case by case,
// against a naive minute-by-minute scan, and on three virtual days of an
// orchestrator posting for several accounts.
#include "runtime/content/rate_limits.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/content/content_fixture.hpp"

using namespace troupe::content;

namespace {

std::int64_t minutes(std::int64_t count) { return count * minute_ms; }

post_rate_limits limits_of(int per_hour, int interval_minutes, int platform_per_hour) {
  return {per_hour, interval_minutes, platform_per_hour};
}

// The account's own posts, which are also the platform's.
post_history own_posts(std::vector<std::int64_t> posts) { return {posts, posts}; }

// ---- the limits read straight from their definition -------------------------

int posts_in_hour_ending(const std::vector<std::int64_t>& posts, std::int64_t t) {
  return static_cast<int>(std::count_if(posts.begin(), posts.end(), [t](std::int64_t post) {
    return post > t - hour_ms && post <= t;
  }));
}

// The reasons of every limit a post at `t` would break, in the order of the header.
std::vector<std::string> naive_blocking(const post_rate_limits& limits, const post_history& history,
                                        std::int64_t t) {
  std::vector<std::string> reasons;
  if (posts_in_hour_ending(history.account_posts_ms, t) >= limits.max_posts_per_hour) {
    reasons.emplace_back("max_posts_per_hour");
  }
  const std::int64_t interval_ms = minutes(limits.min_post_interval_minutes);
  const bool too_close =
      std::any_of(history.account_posts_ms.begin(), history.account_posts_ms.end(),
                  [&](std::int64_t post) { return std::max(t - post, post - t) < interval_ms; });
  if (too_close) reasons.emplace_back("min_post_interval");
  if (limits.platform_max_posts_per_hour > 0 &&
      posts_in_hour_ending(history.platform_posts_ms, t) >= limits.platform_max_posts_per_hour) {
    reasons.emplace_back("platform_max_posts_per_hour");
  }
  return reasons;
}

bool contains(const std::vector<std::string>& reasons, const std::string& reason) {
  return std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
}

// The first minute from now on (up to `horizon_ms` later) at which no limit
// named in `only` blocks (every limit when `only` is empty); nullopt if none.
std::optional<std::int64_t> naive_first_minute(const post_rate_limits& limits,
                                               const post_history& history,
                                               const std::vector<std::string>& only,
                                               std::int64_t horizon_ms) {
  for (std::int64_t t = now_ms; t <= now_ms + horizon_ms; t += minute_ms) {
    const std::vector<std::string> blocking = naive_blocking(limits, history, t);
    const bool free = std::none_of(blocking.begin(), blocking.end(), [&](const std::string& r) {
      return only.empty() || contains(only, r);
    });
    if (free) return t;
  }
  return std::nullopt;
}

// The most posts of one account a sliding hour can hold when they must be
// `interval_minutes` apart: k posts span (k - 1) intervals, less than an hour.
int posts_an_hour_can_hold(int interval_minutes) {
  if (interval_minutes <= 0) return std::numeric_limits<int>::max();
  return static_cast<int>((hour_ms - 1) / minutes(interval_minutes)) + 1;
}

// The most posts of `posts` (sorted) in any sliding hour: some busiest window ends at a post.
int busiest_hour(const std::vector<std::int64_t>& posts) {
  int busiest = 0;
  for (const std::int64_t end : posts) {
    const auto first = std::upper_bound(posts.begin(), posts.end(), end - hour_ms);
    const auto last = std::upper_bound(posts.begin(), posts.end(), end);
    busiest = std::max(busiest, static_cast<int>(last - first));
  }
  return busiest;
}

std::int64_t smallest_gap(const std::vector<std::int64_t>& posts) {
  std::int64_t smallest = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = 1; i < posts.size(); ++i)
    smallest = std::min(smallest, posts[i] - posts[i - 1]);
  return smallest;
}

// ---- the virtual-time orchestrator ------------------------------------------

struct virtual_days {
  std::vector<std::vector<std::int64_t>> account_posts;  // in posting order
  std::vector<std::int64_t> platform_posts;
  int checks = 0;
  int blocked = 0;
};

// Due posts of one account over `span_ms`: exponential gaps of the given mean.
std::vector<std::int64_t> due_stream(double mean_gap_minutes, std::int64_t start_ms,
                                     std::int64_t span_ms, std::mt19937_64& random) {
  std::exponential_distribution<double> gap(1.0 / (mean_gap_minutes * minute_ms));
  std::vector<std::int64_t> dues;
  for (double t = double(start_ms) + gap(random); t < double(start_ms + span_ms);
       t += gap(random)) {
    dues.push_back(static_cast<std::int64_t>(t));
  }
  return dues;
}

// The orchestrator's wake-ups: every minute, and in about a quarter of the
// minutes one more at a random millisecond inside it.
std::vector<std::int64_t> wake_times(std::int64_t start_ms, std::int64_t span_ms,
                                     std::mt19937_64& random) {
  std::uniform_int_distribution<std::int64_t> inside_minute(1, minute_ms - 1);
  std::bernoulli_distribution extra(0.25);
  std::vector<std::int64_t> wakes;
  for (std::int64_t t = start_ms; t < start_ms + span_ms; t += minute_ms) {
    wakes.push_back(t);
    if (extra(random)) wakes.push_back(t + inside_minute(random));
  }
  return wakes;
}

// Checks one account at `t` and verifies the verdict: it agrees with the
// naive reading, and a blocked post is possible exactly from possible_at_ms.
rate_verdict checked_verdict(const post_rate_limits& limits, const post_history& history,
                             std::int64_t t) {
  const rate_verdict verdict = check_post_rate(limits, history, t);
  const std::vector<std::string> blocking = naive_blocking(limits, history, t);
  REQUIRE(verdict.allowed == blocking.empty());
  if (verdict.allowed) {
    REQUIRE(verdict.possible_at_ms == t);
    return verdict;
  }
  REQUIRE(contains(blocking, verdict.reason));
  REQUIRE(verdict.possible_at_ms.has_value());
  const std::int64_t possible_at = *verdict.possible_at_ms;
  REQUIRE(possible_at > t);
  REQUIRE(check_post_rate(limits, history, possible_at).allowed);
  REQUIRE_FALSE(check_post_rate(limits, history, possible_at - 1).allowed);
  return verdict;
}

// Runs three virtual days: accounts with due posts at the given mean gaps;
// at each wake-up, in a random order, every account with a post due posts
// iff its check allows. Histories are handed over unsorted.
virtual_days run_virtual_days(const post_rate_limits& limits,
                              const std::vector<double>& mean_gap_minutes, std::uint64_t seed) {
  std::mt19937_64 random{seed};
  constexpr std::int64_t span_ms = 3 * day_ms;
  std::vector<std::vector<std::int64_t>> dues;
  for (const double mean : mean_gap_minutes)
    dues.push_back(due_stream(mean, now_ms, span_ms, random));

  virtual_days days;
  days.account_posts.resize(dues.size());
  std::vector<std::size_t> due_so_far(dues.size(), 0);
  std::vector<std::size_t> order(dues.size());
  for (std::size_t account = 0; account < order.size(); ++account) order[account] = account;

  for (const std::int64_t t : wake_times(now_ms, span_ms, random)) {
    std::shuffle(order.begin(), order.end(), random);
    for (const std::size_t account : order) {
      while (due_so_far[account] < dues[account].size() &&
             dues[account][due_so_far[account]] <= t) {
        ++due_so_far[account];
      }
      if (days.account_posts[account].size() >= due_so_far[account]) continue;  // nothing due

      post_history history{days.account_posts[account], days.platform_posts};
      std::reverse(history.account_posts_ms.begin(), history.account_posts_ms.end());
      if (!history.platform_posts_ms.empty()) {
        std::uniform_int_distribution<std::size_t> pivot(0, history.platform_posts_ms.size() - 1);
        std::rotate(history.platform_posts_ms.begin(),
                    history.platform_posts_ms.begin() + static_cast<std::ptrdiff_t>(pivot(random)),
                    history.platform_posts_ms.end());
      }
      ++days.checks;
      if (!checked_verdict(limits, history, t).allowed) {
        ++days.blocked;
        continue;
      }
      days.account_posts[account].push_back(t);
      days.platform_posts.push_back(t);
    }
  }
  return days;
}

}  // namespace

// ---- each limit --------------------------------------------------------------

TEST_CASE("with no history a post is allowed now with no reason", "[rate_limits]") {
  const rate_verdict verdict = check_post_rate(post_rate_limits{}, post_history{}, now_ms);
  CHECK(verdict.allowed);
  CHECK(verdict.reason.empty());
  CHECK(verdict.possible_at_ms == now_ms);
}

TEST_CASE("the defaults are 4 posts an hour 10 minutes apart and no platform cap",
          "[rate_limits]") {
  const post_rate_limits defaults;
  CHECK(defaults.max_posts_per_hour == 4);
  CHECK(defaults.min_post_interval_minutes == 10);
  CHECK(defaults.platform_max_posts_per_hour == 0);
}

TEST_CASE("fewer than max_posts_per_hour posts in the last hour allow a post", "[rate_limits]") {
  const auto history =
      own_posts({now_ms - minutes(50), now_ms - minutes(30), now_ms - minutes(10)});
  CHECK(check_post_rate(limits_of(4, 0, 0), history, now_ms).allowed);
}

TEST_CASE("max_posts_per_hour posts in the last hour block until the oldest is an hour old",
          "[rate_limits]") {
  const auto history = own_posts(
      {now_ms - minutes(10), now_ms - minutes(50), now_ms - minutes(30), now_ms - minutes(40)});
  const rate_verdict verdict = check_post_rate(limits_of(4, 0, 0), history, now_ms);
  CHECK_FALSE(verdict.allowed);
  CHECK(verdict.reason == "max_posts_per_hour");
  CHECK(verdict.possible_at_ms == now_ms + minutes(10));
}

TEST_CASE("with more posts than the maximum the post waits for the count to drop below it",
          "[rate_limits]") {
  // 6 posts in the window and a maximum of 4: the 3rd oldest must leave.
  const auto history =
      own_posts({now_ms - minutes(5), now_ms - minutes(55), now_ms - minutes(45),
                 now_ms - minutes(35), now_ms - minutes(25), now_ms - minutes(15)});
  const rate_verdict verdict = check_post_rate(limits_of(4, 0, 0), history, now_ms);
  CHECK(verdict.reason == "max_posts_per_hour");
  CHECK(verdict.possible_at_ms == now_ms - minutes(35) + hour_ms);
}

TEST_CASE("the sliding hour is half open: a post exactly an hour old no longer counts",
          "[rate_limits]") {
  CHECK(check_post_rate(limits_of(1, 0, 0), own_posts({now_ms - hour_ms}), now_ms).allowed);
  const rate_verdict verdict =
      check_post_rate(limits_of(1, 0, 0), own_posts({now_ms - hour_ms + 1}), now_ms);
  CHECK_FALSE(verdict.allowed);
  CHECK(verdict.possible_at_ms == now_ms + 1);
}

TEST_CASE("a post in flight at now counts in the window", "[rate_limits]") {
  const rate_verdict verdict = check_post_rate(limits_of(1, 0, 0), own_posts({now_ms}), now_ms);
  CHECK(verdict.reason == "max_posts_per_hour");
  CHECK(verdict.possible_at_ms == now_ms + hour_ms);
}

TEST_CASE("duplicate post times each count", "[rate_limits]") {
  const auto history = own_posts({now_ms - minutes(20), now_ms - minutes(20)});
  const rate_verdict verdict = check_post_rate(limits_of(2, 0, 0), history, now_ms);
  CHECK(verdict.reason == "max_posts_per_hour");
  CHECK(verdict.possible_at_ms == now_ms + minutes(40));
  CHECK(check_post_rate(limits_of(3, 0, 0), history, now_ms).allowed);
}

TEST_CASE("max_posts_per_hour of 0 or less never allows a post", "[rate_limits]") {
  for (const int max : {0, -1}) {
    const rate_verdict verdict = check_post_rate(limits_of(max, 10, 0), post_history{}, now_ms);
    CHECK_FALSE(verdict.allowed);
    CHECK(verdict.reason == "max_posts_per_hour");
    CHECK_FALSE(verdict.possible_at_ms.has_value());
  }
}

TEST_CASE("a post closer than the minimum interval to the last one waits for the interval",
          "[rate_limits]") {
  const auto history = own_posts({now_ms - minutes(30), now_ms - minutes(9)});
  const rate_verdict verdict = check_post_rate(limits_of(4, 10, 0), history, now_ms);
  CHECK_FALSE(verdict.allowed);
  CHECK(verdict.reason == "min_post_interval");
  CHECK(verdict.possible_at_ms == now_ms + minutes(1));
}

TEST_CASE("a post exactly the minimum interval after the last one is allowed", "[rate_limits]") {
  CHECK(check_post_rate(limits_of(4, 10, 0), own_posts({now_ms - minutes(10)}), now_ms).allowed);
}

TEST_CASE("a post booked later than now blocks until the interval after it", "[rate_limits]") {
  const rate_verdict verdict =
      check_post_rate(limits_of(4, 10, 0), own_posts({now_ms + minutes(5)}), now_ms);
  CHECK(verdict.reason == "min_post_interval");
  CHECK(verdict.possible_at_ms == now_ms + minutes(15));
  CHECK(check_post_rate(limits_of(4, 10, 0), own_posts({now_ms + minutes(10)}), now_ms).allowed);
}

TEST_CASE("a minimum interval of 0 or less allows posts at the same instant", "[rate_limits]") {
  CHECK(check_post_rate(limits_of(4, 0, 0), own_posts({now_ms}), now_ms).allowed);
  CHECK(check_post_rate(limits_of(4, -5, 0), own_posts({now_ms}), now_ms).allowed);
}

TEST_CASE("the platform cap counts every account's posts in the last hour", "[rate_limits]") {
  const post_history history{{}, {now_ms - minutes(50), now_ms - minutes(20)}};
  CHECK(check_post_rate(limits_of(4, 10, 3), history, now_ms).allowed);
  const rate_verdict verdict = check_post_rate(limits_of(4, 10, 2), history, now_ms);
  CHECK_FALSE(verdict.allowed);
  CHECK(verdict.reason == "platform_max_posts_per_hour");
  CHECK(verdict.possible_at_ms == now_ms + minutes(10));
}

TEST_CASE("a platform cap of 0 or less is no cap", "[rate_limits]") {
  const post_history history{{}, std::vector<std::int64_t>(50, now_ms - minutes(1))};
  CHECK(check_post_rate(limits_of(4, 10, 0), history, now_ms).allowed);
  CHECK(check_post_rate(limits_of(4, 10, -1), history, now_ms).allowed);
}

// ---- the reason and possible_at when several limits block --------------------

TEST_CASE("the reason is the limit that lifts latest and possible_at is when all have lifted",
          "[rate_limits]") {
  // Account posts at -50 and -5 minutes: the hourly limit of 2 lifts at +10,
  // a 20-minute interval at +15 and a 12-minute one at +7; the platform has
  // a third post at -30 minutes.
  const post_history history{{now_ms - minutes(50), now_ms - minutes(5)},
                             {now_ms - minutes(50), now_ms - minutes(5), now_ms - minutes(30)}};
  SECTION("the interval lifts after the hourly limit") {
    const rate_verdict verdict = check_post_rate(limits_of(2, 20, 0), history, now_ms);
    CHECK(verdict.reason == "min_post_interval");
    CHECK(verdict.possible_at_ms == now_ms + minutes(15));
  }
  SECTION("the hourly limit lifts after the interval") {
    const rate_verdict verdict = check_post_rate(limits_of(2, 12, 0), history, now_ms);
    CHECK(verdict.reason == "max_posts_per_hour");
    CHECK(verdict.possible_at_ms == now_ms + minutes(10));
  }
  SECTION("the platform cap lifts last") {
    // Platform count 3 with a cap of 2: the 2nd oldest (-30) must leave, at +30.
    const rate_verdict verdict = check_post_rate(limits_of(2, 12, 2), history, now_ms);
    CHECK(verdict.reason == "platform_max_posts_per_hour");
    CHECK(verdict.possible_at_ms == now_ms + minutes(30));
  }
}

TEST_CASE("on a tie the reason follows the order hourly then interval then platform",
          "[rate_limits]") {
  // Every limit lifts at +10 minutes.
  const post_history history{{now_ms - minutes(50), now_ms - minutes(5)},
                             {now_ms - minutes(50), now_ms - minutes(5)}};
  CHECK(check_post_rate(limits_of(2, 15, 2), history, now_ms).reason == "max_posts_per_hour");
  const post_history late_first{{now_ms - minutes(55), now_ms - minutes(5)},
                                {now_ms - minutes(50), now_ms - minutes(5)}};
  // Hourly lifts at +5, interval and platform both at +10.
  const rate_verdict verdict = check_post_rate(limits_of(2, 15, 2), late_first, now_ms);
  CHECK(verdict.reason == "min_post_interval");
  CHECK(verdict.possible_at_ms == now_ms + minutes(10));
}

TEST_CASE("a limit that never lifts is the reason even when others block too", "[rate_limits]") {
  const post_history history{{now_ms - minutes(1)}, {now_ms - minutes(1)}};
  const rate_verdict verdict = check_post_rate(limits_of(0, 10, 1), history, now_ms);
  CHECK(verdict.reason == "max_posts_per_hour");
  CHECK_FALSE(verdict.possible_at_ms.has_value());
}

TEST_CASE("a post booked later than now keeps blocking after the hourly window lifts",
          "[rate_limits]") {
  // The window lifts at +55 but the post booked at +20 is in the window then;
  // only at +80 do both the hour and the interval allow a post.
  const auto history = own_posts({now_ms + minutes(20), now_ms - minutes(5)});
  const rate_verdict verdict = check_post_rate(limits_of(1, 10, 0), history, now_ms);
  CHECK(verdict.reason == "max_posts_per_hour");
  CHECK(verdict.possible_at_ms == now_ms + minutes(80));
}

TEST_CASE("verdicts agree with a minute by minute scan of the definitions of the limits",
          "[rate_limits]") {
  // On a minute grid every instant where a limit lifts is a whole minute, so
  // the first free minute of a naive scan is the exact earliest instant.
  std::mt19937_64 random{20240611};
  std::uniform_int_distribution<int> per_hour(-1, 5);
  std::uniform_int_distribution<int> interval(-5, 40);
  std::uniform_int_distribution<int> platform(-1, 6);
  std::uniform_int_distribution<int> post_count(0, 8);
  std::uniform_int_distribution<std::int64_t> offset_minutes(-90, 40);
  constexpr std::int64_t horizon_ms = 4 * hour_ms;
  for (int round = 0; round < 3000; ++round) {
    const post_rate_limits limits = limits_of(per_hour(random), interval(random), platform(random));
    post_history history;
    for (int i = post_count(random); i > 0; --i) {
      history.account_posts_ms.push_back(now_ms + minutes(offset_minutes(random)));
    }
    history.platform_posts_ms = history.account_posts_ms;
    for (int i = post_count(random); i > 0; --i) {
      history.platform_posts_ms.push_back(now_ms + minutes(offset_minutes(random)));
    }
    if (!history.account_posts_ms.empty() && round % 3 == 0) {  // duplicates
      history.account_posts_ms.push_back(history.account_posts_ms.front());
      history.platform_posts_ms.push_back(history.account_posts_ms.front());
    }
    std::shuffle(history.platform_posts_ms.begin(), history.platform_posts_ms.end(), random);

    const rate_verdict verdict = check_post_rate(limits, history, now_ms);
    const std::vector<std::string> blocking = naive_blocking(limits, history, now_ms);
    INFO("round " << round);
    REQUIRE(verdict.allowed == blocking.empty());
    REQUIRE(verdict.possible_at_ms == naive_first_minute(limits, history, {}, horizon_ms));
    if (verdict.allowed) {
      REQUIRE(verdict.reason.empty());
      continue;
    }
    // The reason: the blocking limit whose own first free minute is latest.
    std::string latest_reason;
    std::optional<std::int64_t> latest_lift = now_ms;
    for (const std::string& reason : blocking) {
      const std::optional<std::int64_t> lift =
          naive_first_minute(limits, history, {reason}, horizon_ms);
      if (latest_reason.empty() || (latest_lift && (!lift || *lift > *latest_lift))) {
        latest_reason = reason;
        latest_lift = lift;
      }
    }
    REQUIRE(verdict.reason == latest_reason);
  }
}

// ---- virtual time ------------------------------------------------------------

TEST_CASE(
    "Rate limits on virtual time: never more than MAX_POSTS_PER_HOUR in any sliding hour and "
    "never two posts of one account closer than MIN_POST_INTERVAL_MINUTES",
    "[rate_limits][virtual_time]") {
  const post_rate_limits limits =
      GENERATE(limits_of(4, 10, 0), limits_of(1, 0, 0), limits_of(6, 5, 10), limits_of(3, 30, 2));
  INFO("limits " << limits.max_posts_per_hour << "/" << limits.min_post_interval_minutes << "/"
                 << limits.platform_max_posts_per_hour);
  // Accounts 0 and 1 always have posts due; the others post now and then.
  const std::vector<double> mean_gap_minutes = {2, 2, 7, 25, 90};
  const virtual_days days = run_virtual_days(limits, mean_gap_minutes, 7);
  CHECK(days.blocked > 0);

  for (const std::vector<std::int64_t>& posts : days.account_posts) {
    REQUIRE_FALSE(posts.empty());
    CHECK(busiest_hour(posts) <= limits.max_posts_per_hour);
    CHECK(smallest_gap(posts) >= minutes(limits.min_post_interval_minutes));
  }
  const int reachable =
      std::min(limits.max_posts_per_hour, posts_an_hour_can_hold(limits.min_post_interval_minutes));
  if (limits.platform_max_posts_per_hour > 0) {
    CHECK(busiest_hour(days.platform_posts) == limits.platform_max_posts_per_hour);
  } else {
    // Not over-restrictive: an account with posts always due fills its hours.
    CHECK(busiest_hour(days.account_posts[0]) == reachable);
    CHECK(busiest_hour(days.account_posts[1]) == reachable);
  }

  // Alone on the platform, a busy account fills its hours up to every limit.
  const virtual_days alone = run_virtual_days(limits, {2}, 11);
  const int platform_cap = limits.platform_max_posts_per_hour > 0
                               ? limits.platform_max_posts_per_hour
                               : std::numeric_limits<int>::max();
  CHECK(busiest_hour(alone.account_posts[0]) == std::min(reachable, platform_cap));
  CHECK(smallest_gap(alone.account_posts[0]) >= minutes(limits.min_post_interval_minutes));
}
