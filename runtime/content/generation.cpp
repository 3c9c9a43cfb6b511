#include "runtime/content/generation.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <cctype>

#include "runtime/policy/local_time.hpp"
#include "runtime/time_units.hpp"

namespace troupe::content {
namespace {

using time_units::minute_ms;

// The phrases synthetic texts are drawn from: 8 x 8 x 8 combinations per
// arm keep repeats rare without reading like noise.
constexpr std::array<std::string_view, 8> post_openers{
    "Quick thought on",          "Something I keep noticing about", "A small lesson from",
    "Notes from this week on",   "What surprised me about",         "One more take on",
    "Lately I have been mulling", "A question worth asking about"};
constexpr std::array<std::string_view, 8> observations{
    "the details matter more than the plan.",
    "most of the value shows up after the first month.",
    "simple routines beat clever tricks.",
    "people remember how you made them feel.",
    "the boring parts are where progress hides.",
    "small experiments teach faster than long debates.",
    "consistency looks slow until it compounds.",
    "the best ideas usually start as side notes."};
constexpr std::array<std::string_view, 8> closers{
    "Curious how others see it.", "What would you add?",   "Trying it again tomorrow.",
    "Worth a second look.",       "More on this soon.",    "Your mileage may vary.",
    "Still learning here.",       "Agree or disagree?"};
constexpr std::array<std::string_view, 8> reply_openers{
    "Good point about",  "This matches what I saw with", "Interesting angle on",
    "Thanks for sharing", "I had the same experience with", "Well put on",
    "Fair take on",      "Adding to this on"};

template <std::size_t N>
std::string_view pick(const std::array<std::string_view, N>& phrases, policy::rng& random) {
  return phrases[static_cast<std::size_t>(random.uniform_int(0, static_cast<std::int64_t>(N) - 1))];
}

// The first words of a target, so a synthetic reply shows what it answers.
std::string excerpt(std::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  auto cut = text.substr(0, max_chars);
  const auto space = cut.rfind(' ');
  if (space != std::string_view::npos && space > max_chars / 2) cut = cut.substr(0, space);
  return std::string(cut) + "...";
}

std::string arm_description(const arm_labels& arm) {
  return fmt::format("Topic: {}. Angle: {}.", arm.topic, arm.angle);
}

}  // namespace

std::string new_decision_id(policy::rng& random) {
  const std::uint64_t high = (random() & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  const std::uint64_t low = (random() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;   // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xFFFF, high & 0xFFFF,
                     low >> 48, low & 0xFFFFFFFFFFFFULL);
}

std::optional<int> slot_minute_of_day(std::string_view slot) {
  if (slot.size() != 5 || slot[2] != ':') return std::nullopt;
  for (std::size_t i : {0, 1, 3, 4}) {
    if (!std::isdigit(static_cast<unsigned char>(slot[i]))) return std::nullopt;
  }
  const int hours = (slot[0] - '0') * 10 + (slot[1] - '0');
  const int minutes = (slot[3] - '0') * 10 + (slot[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

std::optional<std::int64_t> next_slot_instant(const date::time_zone* zone, std::int64_t now_ms,
                                              std::string_view slot, std::int64_t lead_ms) {
  const auto minute = slot_minute_of_day(slot);
  if (!minute) return std::nullopt;
  const std::int64_t earliest = now_ms + lead_ms;
  // Today's slot, else tomorrow's (a DST day may move it, never past the next).
  for (int day = 0; day < 3; ++day) {
    const auto at = policy::instant_of_local_minute(zone, earliest, *minute + day * 24 * 60);
    if (at >= earliest) return at;
  }
  return earliest + minute_ms;  // unreachable for a real zone; never schedules in the past
}

std::string synthetic_post(const arm_labels& arm, policy::rng& random) {
  return fmt::format("{} {} ({}): {} {}", pick(post_openers, random), arm.topic, arm.angle,
                     pick(observations, random), pick(closers, random));
}

std::string synthetic_reply(const arm_labels& arm, std::string_view target_text, policy::rng& random) {
  return fmt::format("{} {} (re \"{}\"): {} {}", pick(reply_openers, random), arm.topic,
                     excerpt(target_text, 40), pick(observations, random), pick(closers, random));
}

llm::chat_request post_prompt(const arm_labels& arm, std::string_view account, int max_chars) {
  llm::chat_request request;
  request.messages.push_back(
      {"system", fmt::format("You write short social media posts for the account {}. Write one post of at most {} "
                             "characters, plain text, no hashtags unless natural, no links.",
                             account, max_chars)});
  request.messages.push_back({"user", arm_description(arm) + " Write the post."});
  request.temperature = 0.9;
  return request;
}

llm::chat_request reply_prompt(const arm_labels& arm, std::string_view target_text, int max_chars) {
  llm::chat_request request;
  request.messages.push_back(
      {"system", fmt::format("You write short, friendly, specific replies to social media posts. Write one reply of "
                             "at most {} characters, plain text, no links.",
                             max_chars)});
  request.messages.push_back(
      {"user", fmt::format("{} Reply to this post:\n{}", arm_description(arm), target_text)});
  request.temperature = 0.7;
  return request;
}

std::string clean_generated_text(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  text = text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  return std::string(text);
}

bool needs_approval(const approval_rule& rule, bool is_reply) {
  if (!rule.live || rule.auto_approve) return false;
  return is_reply || rule.approve_posts;
}

std::string decision_features_json(const gate_chain_result& chain, const choice_features& choice) {
  auto features = boost::json::parse(gate_chain_features_json(chain)).as_object();
  features["arm"] = choice.arm;
  features["arm_propensity"] = choice.arm_propensity;
  features["slot"] = choice.slot;
  features["embedding_model"] = choice.embedding_model;
  features["generation_source"] = choice.generation_source;
  if (choice.llm_request_id) {
    features["llm_request_id"] = *choice.llm_request_id;
  } else {
    features["llm_request_id"] = nullptr;
  }
  return boost::json::serialize(features);
}

}  // namespace troupe::content
