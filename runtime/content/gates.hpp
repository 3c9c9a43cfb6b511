// The gate chain a generated post or reply passes before it is queued:
// quality, then uniqueness, then rotation. Each gate returns whether it
// passes, a score and, when it blocks, a short machine-readable reason. Live
// mode fails closed: the first gate that blocks makes the decision `skipped`
// with that gate's reason.
//
//   quality     score in [0, 1] from the text (penalties below), blended with
//               an LLM rating when there is one; passes iff score >=
//               min_quality_score (MIN_QUALITY_SCORE) and no hard check failed.
//   uniqueness  score = the largest cosine to a recent vector of the same
//               model; blocks iff score >= the model's threshold.
//   rotation    over the window (7 days) plus the candidate, the candidate's
//               topic share must be <= 35 % and its angle share <= 40 %:
//               exactly at a limit passes, above it blocks.
//
// Every comparison with a limit allows 1e-9 for floating-point rounding, so
// 7 of 20 items is exactly 35 %. Pure functions of their arguments (times are
// passed in); safe to call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/content/embedding.hpp"

namespace troupe::content {

// One gate's verdict. `reason` is empty iff the gate passed.
struct gate_result {
  bool pass = true;
  double score = 0;
  std::string reason;
};

// ---- quality -----------------------------------------------------------------

// The quality gate's knobs. Characters are UTF-8 code points.
struct quality_settings {
  std::size_t min_chars = 20;
  std::size_t max_chars = 280;
  std::vector<std::string> banned_phrases;  // matched case-insensitively (ASCII)
  int max_links = 1;
  int max_hashtags = 3;
  double max_upper_share = 0.5;  // of the letters, counted from 10 letters on
  double llm_weight = 0.5;       // the LLM rating's share of the blended score
  double min_quality_score = 0.7;
};

// The points the heuristic scorer takes off, in the order they are checked.
// Hard penalties (length window, banned phrase) block whatever the score.
// A link is a whitespace-separated token holding http:// or https:// or
// starting with www.; a hashtag is a '#' at the start or after a non-word
// character, followed by a word character; shouting counts ASCII letters.
inline constexpr double length_penalty = 1.0;             // hard: too_short / too_long
inline constexpr double banned_phrase_penalty = 1.0;      // hard: banned_phrase:<phrase>
inline constexpr double link_penalty = 0.2;               // per link above max_links
inline constexpr double hashtag_penalty = 0.1;            // per hashtag above max_hashtags
inline constexpr double repeated_word_penalty = 0.1;      // per use of a word beyond its 2nd
inline constexpr double repeated_word_penalty_cap = 0.3;  // words of 4+ letters, any case
inline constexpr double repeated_run_penalty = 0.1;       // per run of 4+ equal characters
inline constexpr double repeated_run_penalty_cap = 0.3;   // runs of spaces or digits are fine
inline constexpr double shouting_penalty = 0.3;           // upper-case share above max_upper_share

// One deduction of the heuristic scorer: a reason and the points taken off.
struct quality_penalty {
  std::string reason;  // e.g. "too_short", "links:3>1", "repeated_word:great"
  double points = 0;
  bool hard = false;
};

// The heuristic score of a text: 1 minus the penalties, clamped to [0, 1].
struct quality_assessment {
  double score = 1;
  std::vector<quality_penalty> penalties;  // in the order checked
};

// Returns the heuristic assessment of `text` (no LLM).
quality_assessment assess_quality(std::string_view text, const quality_settings& settings);

// Returns the quality verdict: the heuristic score, or (1 - llm_weight) x
// heuristic + llm_weight x rating when an LLM rating (clamped to [0, 1]) is
// given. Blocks on a hard penalty or a score below min_quality_score; the
// reason is the first penalty's, or "llm_rating:<r>" when the text had none.
gate_result quality_gate(std::string_view text, const quality_settings& settings,
                         std::optional<double> llm_rating = std::nullopt);

// ---- uniqueness and rotation -------------------------------------------------

// A piece of content already planned or posted, as the gates see it.
struct recent_content {
  std::string id;
  embedding vector;
  std::string topic;
  std::string angle;
  std::int64_t created_at_ms = 0;
};

// Returns the threshold for vectors of `model`: similarity_threshold
// (SIMILARITY_THRESHOLD) for the local embedding, dup_cosine_threshold
// (DUP_COSINE_THRESHOLD) for any remote model.
double uniqueness_threshold(std::string_view model, double dup_cosine_threshold,
                            double similarity_threshold);

// Returns the uniqueness verdict of `candidate`: score = the largest cosine
// to a comparable recent vector (0 when none is comparable or all are
// negative); blocks iff score >= threshold, reason "duplicate_of:<id>" of the
// closest one (the first on ties).
gate_result uniqueness_gate(const embedding& candidate, const std::vector<recent_content>& recent,
                            double threshold);

inline constexpr std::int64_t rotation_default_window_ms = 7LL * 24 * 60 * 60 * 1000;

// The rotation gate's knobs.
struct rotation_settings {
  double max_topic_share = 0.35;
  double max_angle_share = 0.40;
  std::int64_t window_ms = rotation_default_window_ms;
  // Shares are counted against at least this many items, so that a young
  // history (where any topic is most of the posts) does not block everything.
  int min_window_items = 10;
};

// The labels the rotation gate reads from a candidate; an empty label is
// not checked.
struct content_labels {
  std::string topic;
  std::string angle;
};

// Returns the rotation verdict of `candidate` at `now_ms`. The window holds
// the recent items with now_ms - created_at_ms <= window_ms (items from the
// future count) plus the candidate; share = count / max(items,
// min_window_items). Only the candidate's own topic and angle are checked:
// posting another topic lowers an over-represented share, so it is never
// blocked for it. A share above the limit (by more than 1e-9) blocks, topic
// checked first; reason "topic_share:<topic>=0.40>0.35" or
// "angle_share:<angle>=0.45>0.40". Score = the blocking share, or the larger
// of the two shares when passing.
gate_result rotation_gate(const content_labels& candidate,
                          const std::vector<recent_content>& recent, std::int64_t now_ms,
                          const rotation_settings& settings);

// ---- the chain ---------------------------------------------------------------

// Everything the gates read about one generated piece of content.
struct gate_candidate {
  std::string text;
  std::optional<double> llm_rating;
  embedding vector;
  content_labels labels;
};

// All the chain's knobs; defaults are the flags' defaults.
struct gate_settings {
  quality_settings quality;
  double dup_cosine_threshold = 0.85;  // DUP_COSINE_THRESHOLD, remote models
  double similarity_threshold = 0.85;  // SIMILARITY_THRESHOLD, local embedding
  rotation_settings rotation;
};

// The verdicts of every gate (all three always run) and the first that blocked.
struct gate_chain_result {
  gate_result quality;
  gate_result uniqueness;
  gate_result rotation;
  std::optional<std::string> blocked_by;  // "quality" | "uniqueness" | "rotation"

  // Returns true iff no gate blocked.
  bool passed() const { return !blocked_by.has_value(); }
};

// Runs quality, uniqueness (threshold by the candidate vector's model) and
// rotation over `recent` at `now_ms`.
gate_chain_result run_gate_chain(const gate_candidate& candidate,
                                 const std::vector<recent_content>& recent, std::int64_t now_ms,
                                 const gate_settings& settings);

// Returns the chain as the serialized JSON object stored in a decision's
// `features` column: {"quality":{"pass":..,"score":..,"reason":".."},
// "uniqueness":{..},"rotation":{..},"blocked_by":"<gate>"|null}.
std::string gate_chain_features_json(const gate_chain_result& chain);

// Returns the log line of a blocked chain, exactly
// "[GATE_CHAIN] blocked <gate> decision_id=<id> reason=<reason> score=<0.00>",
// or nullopt when no gate blocked.
std::optional<std::string> gate_chain_log_line(const gate_chain_result& chain,
                                               std::string_view decision_id);

// Returns the skip reason a blocked chain stores, "<gate>:<that gate's
// reason>" ("uniqueness:duplicate_of:<id>"), or nullopt when no gate blocked.
std::optional<std::string> gate_chain_skip_reason(const gate_chain_result& chain);

}  // namespace troupe::content
