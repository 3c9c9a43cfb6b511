#include "harvest.hpp"

#include <array>
#include <cmath>
#include <string>

#include "output.hpp"

namespace troupe::sim_driver {
namespace {

namespace json = boost::json;

constexpr double minute_ms = 60'000;
constexpr double hour_ms = 60 * minute_ms;

// Every text is "<opener> <topic>. <closer>": 40 to 129 characters.
constexpr std::array<const char*, 8> openers{"Hot take on",
                                             "Unpopular opinion about",
                                             "Honest question for everyone into",
                                             "Spent the whole weekend thinking about",
                                             "Three years in and I still get excited about",
                                             "Nobody talks enough about",
                                             "Just shipped a small tool for",
                                             "A few lessons I learned the hard way from"};
constexpr std::array<const char*, 12> topics{"remote work",
                                             "writing tests before the code",
                                             "sourdough starters",
                                             "running a marathon on four months of training",
                                             "small teams shipping fast",
                                             "the cost of cloud bills",
                                             "learning a second language as an adult",
                                             "home espresso setups",
                                             "open source maintainership",
                                             "city cycling infrastructure",
                                             "keeping a reading habit",
                                             "pricing a side project"};
constexpr std::array<const char*, 8> closers{"Change my mind.",
                                             "What am I missing?",
                                             "Curious how others handle it.",
                                             "Long thread below.",
                                             "Would love your take.",
                                             "Still surprised how much it mattered.",
                                             "Replies open, be kind.",
                                             "Tell me I am not the only one."};

template <std::size_t size>
const char* pick(randomness& random, const std::array<const char*, size>& choices) {
  return choices[static_cast<std::size_t>(random.between(0, static_cast<std::int64_t>(size) - 1))];
}

std::string post_text(randomness& random) {
  return std::string(pick(random, openers)) + ' ' + pick(random, topics) + ". " +
         pick(random, closers);
}

// 5 min .. 30 h, skewed young: u^2.6 puts about 70 % of the ages under
// 12 h and about 8 % over 24 h, so a 24 h freshness filter has some to drop.
std::int64_t age_ms(randomness& random) {
  const double youngest = 5 * minute_ms;
  const double oldest = 30 * hour_ms;
  return static_cast<std::int64_t>(youngest +
                                   (oldest - youngest) * std::pow(random.uniform(), 2.6));
}

// Log-uniform over 10 .. 2,000,000: most authors are small, a few are huge.
std::int64_t followers(randomness& random) {
  return static_cast<std::int64_t>(10 * std::exp(random.uniform() * std::log(200'000.0)));
}

// A fraction drawn log-uniformly between `low` and `high`.
double log_uniform(randomness& random, double low, double high) {
  return low * std::exp(random.uniform() * std::log(high / low));
}

// Engagement grows with reach and with age, most of it in the first hours.
void add_engagement(json::object& item, randomness& random, std::int64_t reach, std::int64_t age) {
  const double maturity = 1 - std::exp(-static_cast<double>(age) / (4 * hour_ms));
  const double rate = log_uniform(random, 0.0005, 0.05);
  const auto likes = static_cast<std::int64_t>(static_cast<double>(reach) * rate * maturity) +
                     random.between(0, 3);
  const auto share_of_likes = [&](double low, double high) {
    return static_cast<std::int64_t>(static_cast<double>(likes) * log_uniform(random, low, high));
  };
  item["likes"] = likes;
  item["replies"] = share_of_likes(0.03, 0.25);
  item["reposts"] = share_of_likes(0.05, 0.3);
}

json::object harvested_item(randomness& random, std::int64_t now_ms) {
  const auto id = "sim-" + hex(random.next());
  const auto author = "author_" + std::to_string(random.between(1, 9999));
  const auto reach = followers(random);
  const auto age = age_ms(random);
  json::object item{{"id", id},
                    {"author", author},
                    {"author_followers", reach},
                    {"text", post_text(random)},
                    {"url", "https://example.invalid/" + author + "/status/" + id},
                    {"posted_at_ms", now_ms - age}};
  add_engagement(item, random, reach, age);
  return item;
}

} // namespace

json::array harvested_items(randomness& random, std::optional<std::int64_t> count,
                            std::int64_t now_ms) {
  json::array items;
  for (auto n = count ? *count : random.between(3, 12); n > 0; --n) {
    items.push_back(harvested_item(random, now_ms));
  }
  return items;
}

} // namespace troupe::sim_driver
