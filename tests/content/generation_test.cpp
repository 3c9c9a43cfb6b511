// What the jobs decide around a generated text: ids, timing slots, synthetic
// texts that the default gates accept, approval, features.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "runtime/content/generation.hpp"
#include "runtime/policy/local_time.hpp"

using namespace troupe;
using namespace troupe::content;

namespace {

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

const arm_labels craft_tip{"craft-tip", "craft", "tip"};

}  // namespace

TEST_CASE("decision ids are version 4 UUIDs, distinct over many draws") {
  policy::rng random(11);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto id = new_decision_id(random);
    REQUIRE(id.size() == 36);
    for (std::size_t at : {8, 13, 18, 23}) CHECK(id[at] == '-');
    for (std::size_t at = 0; at < id.size(); ++at) {
      if (id[at] != '-') CHECK(is_lower_hex(id[at]));
    }
    CHECK(id[14] == '4');                                      // version
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);  // variant
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("a timing slot is HH:MM within a day") {
  CHECK(slot_minute_of_day("00:00") == 0);
  CHECK(slot_minute_of_day("09:30") == 570);
  CHECK(slot_minute_of_day("23:59") == 1439);
  CHECK_FALSE(slot_minute_of_day("24:00"));
  CHECK_FALSE(slot_minute_of_day("9:30"));
  CHECK_FALSE(slot_minute_of_day("09:60"));
  CHECK_FALSE(slot_minute_of_day("0930"));
}

TEST_CASE("a slot comes next today when it is still ahead, else tomorrow, in the pod's zone") {
  const auto* berlin = date::locate_zone("Europe/Berlin");
  // 2026-06-01 10:00 in Berlin (UTC+2) is 08:00 UTC.
  const std::int64_t ten_berlin = 1'780'300'800'000;
  REQUIRE(policy::iso_utc_time(ten_berlin) == "2026-06-01T08:00:00.000Z");
  CHECK(policy::iso_utc_time(*next_slot_instant(berlin, ten_berlin, "12:30")) == "2026-06-01T10:30:00.000Z");
  CHECK(policy::iso_utc_time(*next_slot_instant(berlin, ten_berlin, "09:00")) == "2026-06-02T07:00:00.000Z");
  // A slot starting within the lead is tomorrow's.
  CHECK(policy::iso_utc_time(*next_slot_instant(berlin, ten_berlin, "10:00", 60'000)) ==
        "2026-06-02T08:00:00.000Z");
  CHECK_FALSE(next_slot_instant(berlin, ten_berlin, "noon"));
}

TEST_CASE("synthetic posts and replies pass the default quality gate and rarely repeat") {
  policy::rng random(3);
  const quality_settings defaults;  // 20..280 characters, no banned phrase in the pools
  quality_settings configured = defaults;
  configured.min_chars = 40;  // content.quality.minChars' default
  configured.banned_phrases = {"click here", "follow for follow", "link in bio", "guaranteed"};
  std::set<std::string> posts;
  for (int i = 0; i < 200; ++i) {
    const auto post = synthetic_post(craft_tip, random);
    INFO(post);
    CHECK(quality_gate(post, configured).pass);
    CHECK(post.find("craft") != std::string::npos);
    posts.insert(post);
    const auto reply = synthetic_reply(craft_tip, "Shipping the new release today, finally!", random);
    INFO(reply);
    CHECK(quality_gate(reply, configured).pass);
    CHECK(reply.find("Shipping the new release") != std::string::npos);
  }
  CHECK(posts.size() > 150);  // 512 combinations per arm
}

TEST_CASE("live replies wait for approval, posts only with approval.posts, never with AUTO_APPROVE or in shadow") {
  CHECK(needs_approval({true, false, false}, true));
  CHECK_FALSE(needs_approval({true, false, false}, false));
  CHECK(needs_approval({true, true, false}, false));
  CHECK_FALSE(needs_approval({true, true, true}, true));
  CHECK_FALSE(needs_approval({false, true, false}, true));
}

TEST_CASE("the model's answer loses surrounding space and one pair of quotes") {
  CHECK(clean_generated_text("  \"Hello there\"\n") == "Hello there");
  CHECK(clean_generated_text("say \"hi\"") == "say \"hi\"");
  CHECK(clean_generated_text(" \n ") == "");
}

TEST_CASE("a decision's features hold the gates and how it was chosen") {
  gate_chain_result chain;
  chain.quality = {true, 0.9, ""};
  chain.uniqueness = {false, 0.97, "duplicate_of:d-1"};
  chain.blocked_by = "uniqueness";
  const auto features = boost::json::parse(decision_features_json(
      chain, {"craft-tip", 0.42, "09:00", "local-ngram-v1", "synthetic", std::nullopt}));
  CHECK(features.at("quality").at("score") == 0.9);
  CHECK(features.at("uniqueness").at("reason") == "duplicate_of:d-1");
  CHECK(features.at("blocked_by") == "uniqueness");
  CHECK(features.at("arm") == "craft-tip");
  CHECK(features.at("arm_propensity") == 0.42);
  CHECK(features.at("slot") == "09:00");
  CHECK(features.at("embedding_model") == "local-ngram-v1");
  CHECK(features.at("generation_source") == "synthetic");
  CHECK(features.at("llm_request_id").is_null());
  CHECK(gate_chain_skip_reason(chain) == std::optional<std::string>("uniqueness:duplicate_of:d-1"));
}
