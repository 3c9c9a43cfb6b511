// What the plan and reply jobs decide before and around generating a text:
// the decision's id, when a timing slot next comes, the synthetic text of
// shadow mode, the prompts of live mode, whether a decision waits for a
// human, and the `features` a decision keeps.
//
// Synthetic texts are for shadow mode and the demo: they are built from the
// arm's topic and angle and phrases drawn with the caller's generator, long
// enough for the quality gate's default window and varied enough that the
// uniqueness gate blocks only now and then (as it would real content).
//
// Pure functions of their arguments (randomness from the caller's
// generator); safe to call from any thread with distinct generators.
#pragma once

#include <date/tz.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/content/bandits.hpp"
#include "runtime/content/gates.hpp"
#include "runtime/llm/openai_wire.hpp"
#include "runtime/policy/rng.hpp"

namespace troupe::content {

// Returns a random (version 4) UUID in its canonical lower-case form.
std::string new_decision_id(policy::rng& random);

// Returns the minutes after midnight of an "HH:MM" slot (00:00..23:59), or
// nullopt when it is not one.
std::optional<int> slot_minute_of_day(std::string_view slot);

// Returns the first instant at or after now_ms + lead_ms at which the wall
// clock in `zone` reads the slot's time, or nullopt for a malformed slot.
std::optional<std::int64_t> next_slot_instant(const date::time_zone* zone, std::int64_t now_ms,
                                              std::string_view slot, std::int64_t lead_ms = 0);

// What a text is about: the content arm's labels.
struct arm_labels {
  std::string name;
  std::string topic;
  std::string angle;
};

// Returns a synthetic post for the arm (shadow mode).
std::string synthetic_post(const arm_labels& arm, policy::rng& random);

// Returns a synthetic reply to `target_text` for the arm (shadow mode).
std::string synthetic_reply(const arm_labels& arm, std::string_view target_text, policy::rng& random);

// The chat request that asks the LLM for a post of the arm, within
// max_chars characters.
llm::chat_request post_prompt(const arm_labels& arm, std::string_view account, int max_chars);

// The chat request that asks the LLM for a reply of the arm to
// `target_text`, within max_chars characters.
llm::chat_request reply_prompt(const arm_labels& arm, std::string_view target_text, int max_chars);

// Returns the model's answer as a post: surrounding whitespace and one pair
// of surrounding quotes removed.
std::string clean_generated_text(std::string_view text);

// What decides whether a passing decision waits for a human.
struct approval_rule {
  bool live = false;           // MODE=live: shadow content never waits
  bool approve_posts = false;  // approval.posts
  bool auto_approve = false;  // AUTO_APPROVE
};

// Returns true iff the decision waits as awaiting_approval: live mode,
// AUTO_APPROVE off, and a reply, or a post with approval.posts on.
bool needs_approval(const approval_rule& rule, bool is_reply);

// How a decision was chosen, kept in its `features` beside the gates.
struct choice_features {
  std::string arm;
  double arm_propensity = 0;
  std::string slot;               // empty for replies (they go as soon as approved)
  std::string embedding_model;
  std::string generation_source;  // "synthetic" | "real"
  std::optional<std::string> llm_request_id;
};

// Returns the decision's `features` JSON object: the gate chain's fields
// (gate_chain_features_json) plus "arm", "arm_propensity", "slot",
// "embedding_model", "generation_source" and "llm_request_id" (or null).
std::string decision_features_json(const gate_chain_result& chain, const choice_features& choice);

}  // namespace troupe::content
