#include "runtime/content/gates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "runtime/content/ascii.hpp"

namespace troupe::content {
namespace {

constexpr double limit_tolerance = 1e-9;

bool is_ascii_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }
// A byte that can be part of a word or a hashtag: ASCII letters, digits,
// '_' and every byte of a multi-byte UTF-8 character.
bool is_word_byte(unsigned char c) {
  return is_ascii_letter(c) || is_ascii_digit(c) || c == '_' || c >= 0x80;
}

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

std::vector<std::string_view> split_on_space(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t start = 0;
  while (start < text.size()) {
    while (start < text.size() && is_ascii_space(static_cast<unsigned char>(text[start]))) ++start;
    std::size_t end = start;
    while (end < text.size() && !is_ascii_space(static_cast<unsigned char>(text[end]))) ++end;
    if (end > start) tokens.push_back(text.substr(start, end - start));
    start = end;
  }
  return tokens;
}

// Counts whitespace-separated tokens that hold http://, https:// or start with www.
int count_links(std::string_view lower) {
  int links = 0;
  for (const std::string_view token : split_on_space(lower)) {
    const bool link = token.find("http://") != std::string_view::npos ||
                      token.find("https://") != std::string_view::npos ||
                      token.substr(0, 4) == "www.";
    links += link ? 1 : 0;
  }
  return links;
}

// Counts '#' at the start of the text or after a non-word byte, followed by a word byte.
int count_hashtags(std::string_view text) {
  int hashtags = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    const bool starts_tag = i == 0 || !is_word_byte(static_cast<unsigned char>(text[i - 1]));
    if (text[i] == '#' && starts_tag && is_word_byte(static_cast<unsigned char>(text[i + 1]))) {
      ++hashtags;
    }
  }
  return hashtags;
}

// The penalty for words of 4+ letters used more than twice, and the first such word.
std::optional<quality_penalty> repeated_words(std::string_view lower) {
  std::map<std::string_view, int> uses;
  std::string_view first_repeated;
  int extra_uses = 0;
  std::size_t i = 0;
  while (i < lower.size()) {
    while (i < lower.size() && !is_word_byte(static_cast<unsigned char>(lower[i]))) ++i;
    std::size_t end = i;
    while (end < lower.size() && is_word_byte(static_cast<unsigned char>(lower[end]))) ++end;
    const std::string_view word = lower.substr(i, end - i);
    if (code_points(word) >= 4 && ++uses[word] > 2) {
      ++extra_uses;
      if (first_repeated.empty()) first_repeated = word;
    }
    i = end;
  }
  if (extra_uses == 0) return std::nullopt;
  return quality_penalty{fmt::format("repeated_word:{}", first_repeated),
                         std::min(repeated_word_penalty_cap, extra_uses * repeated_word_penalty),
                         false};
}

// The penalty for runs of 4+ equal characters that are not spaces or digits ("!!!!", "soooo").
std::optional<quality_penalty> repeated_runs(std::string_view text) {
  int runs = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i + 1;
    while (end < text.size() && text[end] == text[i]) ++end;
    const auto c = static_cast<unsigned char>(text[i]);
    if (end - i >= 4 && !is_ascii_space(c) && !is_ascii_digit(c)) ++runs;
    i = end;
  }
  if (runs == 0) return std::nullopt;
  return quality_penalty{"repeated_chars",
                         std::min(repeated_run_penalty_cap, runs * repeated_run_penalty), false};
}

std::optional<quality_penalty> shouting(std::string_view text, double max_upper_share) {
  int letters = 0;
  int upper = 0;
  for (const unsigned char c : text) {
    letters += is_ascii_letter(c) ? 1 : 0;
    upper += (c >= 'A' && c <= 'Z') ? 1 : 0;
  }
  if (letters < 10) return std::nullopt;
  const double share = static_cast<double>(upper) / letters;
  if (share <= max_upper_share + limit_tolerance) return std::nullopt;
  return quality_penalty{fmt::format("shouting:{:.2f}>{:.2f}", share, max_upper_share),
                         shouting_penalty, false};
}

double clamp01(double value) { return std::clamp(value, 0.0, 1.0); }

}  // namespace

quality_assessment assess_quality(std::string_view text, const quality_settings& settings) {
  quality_assessment assessment;
  auto& penalties = assessment.penalties;
  const std::size_t length = code_points(text);
  if (length < settings.min_chars) penalties.push_back({"too_short", length_penalty, true});
  if (length > settings.max_chars) penalties.push_back({"too_long", length_penalty, true});

  const std::string lower = ascii_lower(text);
  for (const auto& phrase : settings.banned_phrases) {
    if (!phrase.empty() && lower.find(ascii_lower(phrase)) != std::string::npos) {
      penalties.push_back({"banned_phrase:" + phrase, banned_phrase_penalty, true});
    }
  }
  if (const int links = count_links(lower); links > settings.max_links) {
    penalties.push_back({fmt::format("links:{}>{}", links, settings.max_links),
                         (links - settings.max_links) * link_penalty, false});
  }
  if (const int hashtags = count_hashtags(text); hashtags > settings.max_hashtags) {
    penalties.push_back({fmt::format("hashtags:{}>{}", hashtags, settings.max_hashtags),
                         (hashtags - settings.max_hashtags) * hashtag_penalty, false});
  }
  if (auto penalty = repeated_words(lower)) penalties.push_back(std::move(*penalty));
  if (auto penalty = repeated_runs(text)) penalties.push_back(std::move(*penalty));
  if (auto penalty = shouting(text, settings.max_upper_share)) {
    penalties.push_back(std::move(*penalty));
  }

  double score = 1.0;
  for (const auto& penalty : penalties) score -= penalty.points;
  assessment.score = clamp01(score);
  return assessment;
}

gate_result quality_gate(std::string_view text, const quality_settings& settings,
                         std::optional<double> llm_rating) {
  const quality_assessment assessment = assess_quality(text, settings);
  double score = assessment.score;
  if (llm_rating) {
    const double weight = clamp01(settings.llm_weight);
    score = (1.0 - weight) * assessment.score + weight * clamp01(*llm_rating);
  }
  const bool hard_failure =
      std::any_of(assessment.penalties.begin(), assessment.penalties.end(),
                  [](const quality_penalty& penalty) { return penalty.hard; });
  if (!hard_failure && score >= settings.min_quality_score - limit_tolerance) {
    return {true, score, ""};
  }
  if (!assessment.penalties.empty()) return {false, score, assessment.penalties.front().reason};
  return {false, score, fmt::format("llm_rating:{:.2f}", clamp01(llm_rating.value_or(0.0)))};
}

double uniqueness_threshold(std::string_view model, double dup_cosine_threshold,
                            double similarity_threshold) {
  return model == local_embedding_model ? similarity_threshold : dup_cosine_threshold;
}

gate_result uniqueness_gate(const embedding& candidate, const std::vector<recent_content>& recent,
                            double threshold) {
  double best = 0.0;
  const recent_content* closest = nullptr;
  for (const auto& item : recent) {
    const std::optional<double> similarity = cosine(candidate, item.vector);
    if (similarity && *similarity > best) {
      best = *similarity;
      closest = &item;
    }
  }
  if (closest == nullptr || best < threshold - limit_tolerance) return {true, best, ""};
  return {false, best, "duplicate_of:" + closest->id};
}

gate_result rotation_gate(const content_labels& candidate,
                          const std::vector<recent_content>& recent, std::int64_t now_ms,
                          const rotation_settings& settings) {
  int items = 1;  // the candidate
  int same_topic = 1;
  int same_angle = 1;
  for (const auto& item : recent) {
    if (now_ms - item.created_at_ms > settings.window_ms) continue;
    ++items;
    same_topic += item.topic == candidate.topic ? 1 : 0;
    same_angle += item.angle == candidate.angle ? 1 : 0;
  }
  const double counted = std::max(items, settings.min_window_items);
  const double topic_share = candidate.topic.empty() ? 0.0 : same_topic / counted;
  const double angle_share = candidate.angle.empty() ? 0.0 : same_angle / counted;
  if (topic_share > settings.max_topic_share + limit_tolerance) {
    return {false, topic_share,
            fmt::format("topic_share:{}={:.2f}>{:.2f}", candidate.topic, topic_share,
                        settings.max_topic_share)};
  }
  if (angle_share > settings.max_angle_share + limit_tolerance) {
    return {false, angle_share,
            fmt::format("angle_share:{}={:.2f}>{:.2f}", candidate.angle, angle_share,
                        settings.max_angle_share)};
  }
  return {true, std::max(topic_share, angle_share), ""};
}

gate_chain_result run_gate_chain(const gate_candidate& candidate,
                                 const std::vector<recent_content>& recent, std::int64_t now_ms,
                                 const gate_settings& settings) {
  gate_chain_result chain;
  chain.quality = quality_gate(candidate.text, settings.quality, candidate.llm_rating);
  chain.uniqueness =
      uniqueness_gate(candidate.vector, recent,
                      uniqueness_threshold(candidate.vector.model, settings.dup_cosine_threshold,
                                           settings.similarity_threshold));
  chain.rotation = rotation_gate(candidate.labels, recent, now_ms, settings.rotation);
  if (!chain.quality.pass) {
    chain.blocked_by = "quality";
  } else if (!chain.uniqueness.pass) {
    chain.blocked_by = "uniqueness";
  } else if (!chain.rotation.pass) {
    chain.blocked_by = "rotation";
  }
  return chain;
}

namespace {

boost::json::object gate_json(const gate_result& gate) {
  return {{"pass", gate.pass}, {"score", gate.score}, {"reason", gate.reason}};
}

const gate_result& gate_named(const gate_chain_result& chain, std::string_view name) {
  if (name == "quality") return chain.quality;
  if (name == "uniqueness") return chain.uniqueness;
  return chain.rotation;
}

}  // namespace

std::string gate_chain_features_json(const gate_chain_result& chain) {
  boost::json::object features;
  features["quality"] = gate_json(chain.quality);
  features["uniqueness"] = gate_json(chain.uniqueness);
  features["rotation"] = gate_json(chain.rotation);
  if (chain.blocked_by) {
    features["blocked_by"] = *chain.blocked_by;
  } else {
    features["blocked_by"] = nullptr;
  }
  return boost::json::serialize(features);
}

std::optional<std::string> gate_chain_log_line(const gate_chain_result& chain,
                                               std::string_view decision_id) {
  if (!chain.blocked_by) return std::nullopt;
  const gate_result& gate = gate_named(chain, *chain.blocked_by);
  return fmt::format("[GATE_CHAIN] blocked {} decision_id={} reason={} score={:.2f}",
                     *chain.blocked_by, decision_id, gate.reason, gate.score);
}

std::optional<std::string> gate_chain_skip_reason(const gate_chain_result& chain) {
  if (!chain.blocked_by) return std::nullopt;
  return *chain.blocked_by + ":" + gate_named(chain, *chain.blocked_by).reason;
}

}  // namespace troupe::content
