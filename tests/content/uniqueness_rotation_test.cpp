// The uniqueness gate (cosine to recent content) and the rotation gate
// (topic and angle shares over the last 7 days).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "runtime/content/gates.hpp"
#include "tests/content/content_fixture.hpp"

using namespace troupe::content;

namespace {

recent_content posted(std::string id, const std::string& text, std::int64_t age_ms = hour_ms) {
  return {std::move(id), local_embedding(text), "", "", now_ms - age_ms};
}

recent_content labelled(std::string topic, std::string angle, std::int64_t age_ms = hour_ms) {
  return {"", {}, std::move(topic), std::move(angle), now_ms - age_ms};
}

// `count` items of `topic`/`angle` followed by filler of distinct labels, `total` in all.
std::vector<recent_content> history(int count, const std::string& topic, const std::string& angle,
                                    int total) {
  std::vector<recent_content> items;
  for (int i = 0; i < total; ++i) {
    items.push_back(i < count ? labelled(topic, angle)
                              : labelled("other-topic-" + std::to_string(i),
                                         "other-angle-" + std::to_string(i)));
  }
  return items;
}

}  // namespace

TEST_CASE("the uniqueness threshold is SIMILARITY_THRESHOLD for the local model only",
          "[uniqueness]") {
  CHECK(uniqueness_threshold(local_embedding_model, 0.92, 0.85) == 0.85);
  CHECK(uniqueness_threshold("text-embedding-3-small", 0.92, 0.85) == 0.92);
}

TEST_CASE("a candidate unlike recent content passes with its largest cosine as score",
          "[uniqueness]") {
  const std::vector<recent_content> recent = {
      posted("d-1", "Three tips for brewing better coffee at home: grind fresh, weigh the beans."),
      posted("d-2", "The hiking trail along the northern ridge closes for winter in November."),
  };
  const embedding candidate = local_embedding(release_note);
  const gate_result gate = uniqueness_gate(candidate, recent, 0.85);
  CHECK(gate.pass);
  CHECK(gate.reason.empty());
  CHECK(gate.score == Approx(std::max(*cosine(candidate, recent[0].vector),
                                      *cosine(candidate, recent[1].vector))));
  CHECK(gate.score < 0.85);
}

TEST_CASE("a near-duplicate blocks and the reason names the closest recent id", "[uniqueness]") {
  const std::vector<recent_content> recent = {
      posted("d-1", "Three tips for brewing better coffee at home: grind fresh, weigh the beans."),
      posted("d-2", release_note),
      posted("d-3",
             "Our new release makes the scheduler twice as fast on tiny servers, and the "
             "memory use drops by a third."),
  };
  const gate_result gate =
      uniqueness_gate(local_embedding(release_note + " "), recent, 0.85);  // same text as d-2
  CHECK_FALSE(gate.pass);
  CHECK(gate.reason == "duplicate_of:d-2");
  CHECK(gate.score == Approx(1.0));
}

TEST_CASE("a score exactly at the threshold blocks", "[uniqueness]") {
  const std::vector<recent_content> recent = {{"d-1", {"m", {1.0F, 1.0F}}, "", "", now_ms}};
  const embedding candidate{"m", {1.0F, 0.0F}};  // cosine = sqrt(0.5)
  CHECK_FALSE(uniqueness_gate(candidate, recent, *cosine(candidate, recent[0].vector)).pass);
  CHECK(uniqueness_gate(candidate, recent, 0.7072).pass);
}

TEST_CASE("vectors of another model are not compared and with none comparable the score is 0",
          "[uniqueness]") {
  recent_content remote = posted("d-1", release_note);
  remote.vector.model = "text-embedding-3-small";
  const gate_result gate = uniqueness_gate(local_embedding(release_note), {remote}, 0.85);
  CHECK(gate.pass);
  CHECK(gate.score == 0.0);
  CHECK(uniqueness_gate(local_embedding(release_note), {}, 0.85).score == 0.0);
}

TEST_CASE("a topic share of exactly 35 % passes and just above it blocks", "[rotation]") {
  const rotation_settings settings;  // 35 % topic, 40 % angle, 7 days
  SECTION("7 of 20 with the candidate passes") {
    const gate_result gate =
        rotation_gate({"rust", "tutorial"}, history(6, "rust", "", 19), now_ms, settings);
    CHECK(gate.pass);
    CHECK(gate.score == Approx(0.35));
    CHECK(gate.reason.empty());
  }
  SECTION("8 of 20 with the candidate blocks") {
    const gate_result gate =
        rotation_gate({"rust", "tutorial"}, history(7, "rust", "", 19), now_ms, settings);
    CHECK_FALSE(gate.pass);
    CHECK(gate.score == Approx(0.40));
    CHECK(gate.reason == "topic_share:rust=0.40>0.35");
  }
  SECTION("36 of 100 blocks") {
    CHECK_FALSE(
        rotation_gate({"rust", "tutorial"}, history(35, "rust", "", 99), now_ms, settings).pass);
    CHECK(rotation_gate({"rust", "tutorial"}, history(34, "rust", "", 99), now_ms, settings).pass);
  }
}

TEST_CASE("an angle share of exactly 40 % passes and just above it blocks", "[rotation]") {
  const rotation_settings settings;
  const gate_result at_limit =
      rotation_gate({"", "hot-take"}, history(7, "", "hot-take", 19), now_ms, settings);
  CHECK(at_limit.pass);
  CHECK(at_limit.score == Approx(0.40));

  const gate_result above =
      rotation_gate({"", "hot-take"}, history(8, "", "hot-take", 19), now_ms, settings);
  CHECK_FALSE(above.pass);
  CHECK(above.score == Approx(0.45));
  CHECK(above.reason == "angle_share:hot-take=0.45>0.40");

  SECTION("41 of 100 blocks") {
    CHECK_FALSE(
        rotation_gate({"", "hot-take"}, history(40, "", "hot-take", 99), now_ms, settings).pass);
  }
}

TEST_CASE("the topic is checked before the angle and passing reports the larger share",
          "[rotation]") {
  const rotation_settings settings;
  const gate_result both =
      rotation_gate({"rust", "hot-take"}, history(9, "rust", "hot-take", 19), now_ms, settings);
  CHECK_FALSE(both.pass);
  CHECK(both.reason == "topic_share:rust=0.50>0.35");

  // With the candidate: rust 4 of 20 (0.20), tutorial 8 of 20 (0.40).
  std::vector<recent_content> recent = history(0, "", "", 12);
  for (int i = 0; i < 3; ++i) recent.push_back(labelled("rust", "tutorial"));
  for (int i = 0; i < 4; ++i) recent.push_back(labelled("go", "tutorial"));
  const gate_result passing = rotation_gate({"rust", "tutorial"}, recent, now_ms, settings);
  CHECK(passing.pass);
  CHECK(passing.score == Approx(0.40));
}

TEST_CASE("content older than 7 days is ignored", "[rotation]") {
  const rotation_settings settings;
  std::vector<recent_content> recent = history(6, "rust", "", 19);  // 7 of 20: at the limit
  recent.push_back(labelled("rust", "", 7 * day_ms + 1));           // outside: still 7 of 20
  recent.push_back(labelled("rust", "", 30 * day_ms));
  CHECK(rotation_gate({"rust", ""}, recent, now_ms, settings).pass);

  recent.push_back(labelled("rust", "", 7 * day_ms));  // exactly 7 days old: inside, 8 of 21
  const gate_result gate = rotation_gate({"rust", ""}, recent, now_ms, settings);
  CHECK_FALSE(gate.pass);
  CHECK(gate.score == Approx(8.0 / 21));
}

TEST_CASE("another topic is never blocked for an over-represented one", "[rotation]") {
  const gate_result gate =
      rotation_gate({"go", "news"}, history(15, "rust", "hot-take", 19), now_ms, {});
  CHECK(gate.pass);
  CHECK(gate.score == Approx(0.05));
}

TEST_CASE("a young history is counted against at least min_window_items", "[rotation]") {
  rotation_settings settings;
  settings.min_window_items = 10;
  CHECK(rotation_gate({"rust", "tutorial"}, {}, now_ms, settings).pass);  // 1 of 10
  CHECK(rotation_gate({"rust", "tutorial"}, history(2, "rust", "", 2), now_ms, settings).pass);
  const gate_result fourth =
      rotation_gate({"rust", "tutorial"}, history(3, "rust", "", 3), now_ms, settings);
  CHECK_FALSE(fourth.pass);  // 4 of 10
  CHECK(fourth.reason == "topic_share:rust=0.40>0.35");
}
