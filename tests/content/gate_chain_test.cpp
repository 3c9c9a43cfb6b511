// The gate chain: order, blocked_by, the features JSON and the log line.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "runtime/content/gates.hpp"
#include "tests/content/content_fixture.hpp"

using namespace troupe::content;

namespace {

gate_candidate candidate(const std::string& text, const std::string& topic = "release") {
  return {text, std::nullopt, local_embedding(text), {topic, "announcement"}};
}

// 19 recent items: one copy of the release note, then coffee posts of 9 topics.
std::vector<recent_content> recent_with(int releases) {
  std::vector<recent_content> recent;
  recent.push_back({"d-dup", local_embedding(release_note), "misc", "misc", now_ms - 1000});
  for (int i = 0; i < 18; ++i) {
    const std::string topic = i < releases ? "release" : "coffee-" + std::to_string(i);
    recent.push_back({"d-" + std::to_string(i),
                      local_embedding("Coffee note number " + std::to_string(i * 7919)), topic,
                      "tip", now_ms - 1000});
  }
  return recent;
}

}  // namespace

TEST_CASE("a candidate that passes every gate is not blocked and has no log line", "[gate_chain]") {
  const gate_chain_result chain = run_gate_chain(
      candidate("A fresh walkthrough of how our scheduler picks the next job to run."),
      recent_with(0), now_ms, {});
  CHECK(chain.passed());
  CHECK_FALSE(chain.blocked_by.has_value());
  CHECK(chain.quality.pass);
  CHECK(chain.uniqueness.pass);
  CHECK(chain.rotation.pass);
  CHECK_FALSE(gate_chain_log_line(chain, "dec-1").has_value());
}

TEST_CASE("blocked_by names the first failing gate in the order quality, uniqueness, rotation",
          "[gate_chain]") {
  gate_settings settings;
  SECTION("all three fail: quality") {
    gate_candidate all_bad = candidate(release_note);
    all_bad.llm_rating = 0.0;
    const gate_chain_result chain = run_gate_chain(all_bad, recent_with(10), now_ms, settings);
    CHECK(chain.blocked_by == "quality");
    CHECK_FALSE(chain.uniqueness.pass);  // every gate still ran
    CHECK_FALSE(chain.rotation.pass);
  }
  SECTION("uniqueness and rotation fail: uniqueness") {
    const gate_chain_result chain =
        run_gate_chain(candidate(release_note), recent_with(10), now_ms, settings);
    CHECK(chain.quality.pass);
    CHECK(chain.blocked_by == "uniqueness");
    CHECK(chain.uniqueness.reason == "duplicate_of:d-dup");
    CHECK_FALSE(chain.rotation.pass);
  }
  SECTION("only rotation fails: rotation") {
    const gate_chain_result chain = run_gate_chain(
        candidate("A fresh walkthrough of how our scheduler picks the next job to run."),
        recent_with(10), now_ms, settings);
    CHECK(chain.blocked_by == "rotation");
    CHECK(chain.rotation.reason == "topic_share:release=0.55>0.35");
  }
  SECTION("a remote model's vector is held to DUP_COSINE_THRESHOLD") {
    settings.dup_cosine_threshold = 0.99;
    settings.similarity_threshold = 0.5;
    gate_candidate remote = candidate(release_note + "!");
    remote.vector.model = "remote";
    std::vector<recent_content> recent = recent_with(0);
    for (auto& item : recent) item.vector.model = "remote";
    CHECK(run_gate_chain(remote, recent, now_ms, settings).blocked_by == "uniqueness");
    settings.dup_cosine_threshold = 1.5;
    CHECK(run_gate_chain(remote, recent, now_ms, settings).passed());
  }
}

TEST_CASE("the log line of a blocked chain has the exact documented format", "[gate_chain]") {
  gate_chain_result chain;
  chain.uniqueness = {false, 0.9163, "duplicate_of:d-42"};
  chain.blocked_by = "uniqueness";
  CHECK(gate_chain_log_line(chain, "dec-7").value() ==
        "[GATE_CHAIN] blocked uniqueness decision_id=dec-7 reason=duplicate_of:d-42 score=0.92");

  const gate_chain_result real =
      run_gate_chain(candidate("Too short."), recent_with(0), now_ms, {});
  CHECK(gate_chain_log_line(real, "abc").value() ==
        "[GATE_CHAIN] blocked quality decision_id=abc reason=too_short score=0.00");
}

TEST_CASE("the features JSON holds pass, score and reason per gate and blocked_by",
          "[gate_chain]") {
  const gate_chain_result chain =
      run_gate_chain(candidate(release_note), recent_with(10), now_ms, {});
  const boost::json::object features =
      boost::json::parse(gate_chain_features_json(chain)).as_object();
  CHECK(features.size() == 4);
  for (const char* gate : {"quality", "uniqueness", "rotation"}) {
    INFO(gate);
    const boost::json::object& entry = features.at(gate).as_object();
    CHECK(entry.size() == 3);
    CHECK(entry.at("pass").is_bool());
    CHECK(entry.at("score").is_double());
    CHECK(entry.at("reason").is_string());
  }
  CHECK(features.at("quality").as_object().at("pass").as_bool());
  CHECK(features.at("quality").as_object().at("reason").as_string() == "");
  CHECK(features.at("uniqueness").as_object().at("reason").as_string() == "duplicate_of:d-dup");
  CHECK(features.at("uniqueness").as_object().at("score").as_double() ==
        Approx(chain.uniqueness.score));
  CHECK(features.at("blocked_by").as_string() == "uniqueness");

  const gate_chain_result passed = run_gate_chain(
      candidate("A fresh walkthrough of how our scheduler picks the next job to run."),
      recent_with(0), now_ms, {});
  CHECK(
      boost::json::parse(gate_chain_features_json(passed)).as_object().at("blocked_by").is_null());
}
