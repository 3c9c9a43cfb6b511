// The quality gate: the heuristic scorer's penalties, the LLM blend and the verdict.
#include <catch2/catch.hpp>
#include <string>

#include "runtime/content/gates.hpp"

using namespace troupe::content;

namespace {

const std::string clean_text =
    "We shipped a faster scheduler today: small servers now run twice the jobs with less memory.";

double heuristic(const std::string& text, const quality_settings& settings = {}) {
  return assess_quality(text, settings).score;
}

}  // namespace

TEST_CASE("a clean text of fitting length scores 1 and passes", "[quality]") {
  const quality_assessment assessment = assess_quality(clean_text, {});
  CHECK(assessment.score == 1.0);
  CHECK(assessment.penalties.empty());
  const gate_result gate = quality_gate(clean_text, {});
  CHECK(gate.pass);
  CHECK(gate.score == 1.0);
  CHECK(gate.reason.empty());
}

TEST_CASE("a text outside the length window blocks whatever the score", "[quality]") {
  quality_settings settings;
  settings.min_chars = 20;
  settings.max_chars = 100;
  const gate_result too_short = quality_gate("Too short.", settings, 1.0);
  CHECK_FALSE(too_short.pass);
  CHECK(too_short.reason == "too_short");
  CHECK(too_short.score == Approx(0.5));  // heuristic 0 blended with a perfect rating

  const gate_result too_long = quality_gate(std::string(101, 'a') + " b", settings);
  CHECK_FALSE(too_long.pass);
  CHECK(too_long.reason == "too_long");
  CHECK(too_long.score == 0.0);

  SECTION("characters are UTF-8 code points, not bytes") {
    const std::string twenty_accents = [] {
      std::string text;
      for (int i = 0; i < 20; ++i) text += "\xc3\xa9";  // é
      return text;
    }();
    CHECK(assess_quality(twenty_accents, settings).penalties.empty());
    settings.max_chars = 19;
    CHECK(quality_gate(twenty_accents, settings).reason == "too_long");
  }
}

TEST_CASE("a banned phrase blocks, matched without regard to case", "[quality]") {
  quality_settings settings;
  settings.banned_phrases = {"Buy Now", "guaranteed"};
  const gate_result gate = quality_gate(
      "Limited offer, BUY NOW before the price goes up again tomorrow.", settings, 1.0);
  CHECK_FALSE(gate.pass);
  CHECK(gate.reason == "banned_phrase:Buy Now");
  CHECK(quality_gate(clean_text, settings).pass);
}

TEST_CASE("each soft penalty lowers the score by its documented points", "[quality]") {
  const quality_settings settings;  // max 1 link, 3 hashtags, 50 % upper case
  SECTION("links above the maximum") {
    const std::string text = clean_text + " https://alpha.io http://beta.org www.gamma.net";
    const quality_assessment assessment = assess_quality(text, settings);
    REQUIRE(assessment.penalties.size() == 1);
    CHECK(assessment.penalties[0].reason == "links:3>1");
    CHECK(assessment.score == Approx(1.0 - 2 * link_penalty));
    CHECK(heuristic(clean_text + " https://www.a.example") == 1.0);  // one link, counted once
  }
  SECTION("hashtags above the maximum") {
    const std::string text = clean_text + " #a #b #c #d #e";
    const quality_assessment assessment = assess_quality(text, settings);
    REQUIRE(assessment.penalties.size() == 1);
    CHECK(assessment.penalties[0].reason == "hashtags:5>3");
    CHECK(assessment.score == Approx(1.0 - 2 * hashtag_penalty));
    CHECK(heuristic(clean_text + " issue#12 C# #") == 1.0);  // not hashtags
  }
  SECTION("a word used more than twice") {
    const std::string text = clean_text + " Great great GREAT great release.";
    const quality_assessment assessment = assess_quality(text, settings);
    REQUIRE(assessment.penalties.size() == 1);
    CHECK(assessment.penalties[0].reason == "repeated_word:great");
    CHECK(assessment.score == Approx(1.0 - 2 * repeated_word_penalty));
    CHECK(heuristic(clean_text + " the the the and and and") == 1.0);  // short words
  }
  SECTION("runs of four or more equal characters") {
    const std::string text = clean_text + " Sooooo good!!!!";
    const quality_assessment assessment = assess_quality(text, settings);
    REQUIRE(assessment.penalties.size() == 1);
    CHECK(assessment.penalties[0].reason == "repeated_chars");
    CHECK(assessment.score == Approx(1.0 - 2 * repeated_run_penalty));
    CHECK(heuristic(clean_text + " 10000 users...") == 1.0);  // digits, three dots
  }
  SECTION("shouting") {
    const std::string text = "WE SHIPPED A FASTER SCHEDULER TODAY, small servers run more jobs.";
    const quality_assessment assessment = assess_quality(text, settings);
    REQUIRE(assessment.penalties.size() == 1);
    CHECK(assessment.penalties[0].reason.rfind("shouting:0.", 0) == 0);
    CHECK(assessment.score == Approx(1.0 - shouting_penalty));
    CHECK(heuristic("NASA and ESA launch a joint mission to study the sun.") == 1.0);
  }
  SECTION("penalties add up and the score never drops below 0") {
    const std::string text =
        "BUY BUY BUY BUY NOW!!!! #a #b #c #d #e #f #g #h https://a https://b https://c https://d";
    CHECK(heuristic(text) == 0.0);
  }
}

TEST_CASE("the quality gate passes at exactly the minimum score and blocks below it", "[quality]") {
  quality_settings settings;
  settings.min_quality_score = 0.7;
  const std::string shouting_text =
      "WE SHIPPED A FASTER SCHEDULER TODAY, small servers run more jobs.";
  CHECK(quality_gate(shouting_text, settings).pass);  // 1 - 0.3 = 0.7
  const std::string shouting_with_links = shouting_text + " HTTPS://ALPHA.IO HTTPS://BETA.ORG";
  const gate_result blocked = quality_gate(shouting_with_links, settings);
  CHECK_FALSE(blocked.pass);
  CHECK(blocked.score == Approx(0.5));
  CHECK(blocked.reason == "links:2>1");  // the first penalty in check order
}

TEST_CASE("an LLM rating is blended with the heuristic score by its weight", "[quality]") {
  quality_settings settings;
  settings.llm_weight = 0.5;
  const std::string shouting_text =
      "WE SHIPPED A FASTER SCHEDULER TODAY, small servers run more jobs.";  // heuristic 0.7
  CHECK(quality_gate(shouting_text, settings, 0.9).score == Approx(0.8));
  CHECK(quality_gate(shouting_text, settings, 0.9).pass);

  const gate_result low_rated = quality_gate(clean_text, settings, 0.2);
  CHECK(low_rated.score == Approx(0.6));
  CHECK_FALSE(low_rated.pass);
  CHECK(low_rated.reason == "llm_rating:0.20");

  settings.llm_weight = 0.25;
  CHECK(quality_gate(clean_text, settings, 0.2).score == Approx(0.8));
  CHECK(quality_gate(clean_text, settings, 0.2).pass);
  CHECK(quality_gate(clean_text, settings, 7.0).score == Approx(1.0));  // rating clamped
  CHECK(quality_gate(clean_text, settings, std::nullopt).score == 1.0);
}
