// The reference configuration: the three JSON files load as they are, the
// YAML example says the same, and the defaults are the reference values.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace troupe::config;
using namespace troupe::config::testing;

TEST_CASE("the three reference JSON files load with one warning and no error",
          "[config][reference]") {
  const auto loaded = load_config(reference_json_files());
  REQUIRE(loaded.ok());
  CHECK(loaded.error_count() == 0);
  CHECK(loaded.diagnostics.size() == 1);
  CHECK(loaded.files == reference_json_files());
}

TEST_CASE(
    "the overlap of Sleep and MorningRush is a warning naming both moods, where Sleep is "
    "written",
    "[config][reference]") {
  const auto loaded = load_config(reference_json_files());
  REQUIRE(loaded.diagnostics.size() == 1);
  const auto& warning = loaded.diagnostics.front();
  CHECK(warning.level == severity::warning);
  CHECK(format(warning) == examples_dir +
                               "moods.json:12:5: moods[4]: warning: 'Sleep' (01:00-07:30) overlaps "
                               "'MorningRush' (07:00-11:00) during 07:00-07:30; Sleep wins at "
                               "runtime (a sleep window wins)");
}

TEST_CASE("the YAML example yields exactly the configuration of the three JSON files",
          "[config][reference]") {
  const auto from_json = load_config(reference_json_files());
  const auto from_yaml = load_config({examples_dir + "troupe.yaml"});
  REQUIRE(from_json.ok());
  REQUIRE(from_yaml.ok());
  CHECK(from_yaml.error_count() == 0);
  CHECK(from_yaml.diagnostics.size() == 1);  // the same Sleep/MorningRush overlap
  CHECK(json_of(*from_yaml.config) == json_of(*from_json.config));
}

TEST_CASE("the reference values come through the loader", "[config][reference]") {
  const auto loaded = load_config(reference_json_files());
  REQUIRE(loaded.ok());
  const troupe_config& config = *loaded.config;
  CHECK(config.concurrency == 1);
  CHECK(config.handoff.mode_ms == 54'000);
  CHECK(config.handoff.sigma == Approx(0.9));
  CHECK(config.handoff.min_ms == 15'000);
  CHECK(config.handoff.max_ms == 900'000);
  CHECK(config.idle.base_min_ms == 900'000);
  CHECK(config.bursts.probability == Approx(0.10));
  CHECK(config.unfollow_trigger.threshold == 50);
  CHECK(config.stories_policy.rarity_bias == Approx(0.3));
  CHECK(config.recovery.steps.size() == 5);
  CHECK(config.recovery.steps.back() == "restart-profile");
  CHECK(config.recovery.retry_backoff_ms == 30'000);
  CHECK(config.base_weights.at("reels") == Approx(0.80));
  CHECK(config.timezone == "UTC");
  REQUIRE(config.moods.size() == 5);
  CHECK(config.moods[3].name == "LateNightLurk");
  CHECK(config.moods[3].start == 22 * 60 + 30);
  CHECK(config.moods[3].end == 60);
  CHECK(config.moods[4].sleep);
  REQUIRE(config.pods.size() == 2);
  CHECK(config.pods[0].name == "podA");
  CHECK(config.pods[0].accounts.size() == 5);
  CHECK(config.pods[1].name == "podB");
  CHECK(config.pods[1].accounts == std::vector<std::string>{"profile-b1", "profile-b2",
                                                            "profile-b3", "profile-b4",
                                                            "profile-b5"});
  const auto* reels = config.find_activity("reels");
  REQUIRE(reels != nullptr);
  REQUIRE(reels->seconds.has_value());
  CHECK(reels->seconds->min == 120);
  CHECK(reels->seconds->max == 600);
  CHECK_FALSE(reels->count.has_value());
}

TEST_CASE("a default-constructed config is the reference configuration without its pods",
          "[config][reference]") {
  const auto loaded = load_config(reference_json_files());
  REQUIRE(loaded.ok());
  troupe_config reference = *loaded.config;
  reference.pods.clear();
  CHECK(json_of(troupe_config{}) == json_of(reference));
}

TEST_CASE("no config file at all gives the defaults, which validate", "[config][reference]") {
  const auto loaded = load_config({});
  REQUIRE(loaded.ok());
  CHECK(loaded.diagnostics.size() == 1);  // the reference moods' overlap warning
  CHECK(json_of(*loaded.config) == json_of(troupe_config{}));
}

TEST_CASE("daemon.yaml shows every daemon key at its default and loads without a diagnostic",
          "[config][reference]") {
  const auto loaded = load_config({examples_dir + "troupe.yaml", examples_dir + "daemon.yaml"});
  REQUIRE(loaded.ok());
  CHECK(loaded.diagnostics.size() == 1);  // only troupe.yaml's overlap warning
  const auto defaults = load_config({examples_dir + "troupe.yaml"});
  REQUIRE(defaults.ok());
  CHECK(json_of(*loaded.config) == json_of(*defaults.config));
}

TEST_CASE("the demo's settings merge over the YAML example without an error",
          "[config][reference]") {
  const auto loaded = load_config(
      {examples_dir + "troupe.yaml", std::string(TROUPE_SOURCE_DIR) + "/tools/demo.yaml"});
  REQUIRE(loaded.ok());
  CHECK(loaded.config->db.url == "sqlite:build/demo/troupe.db");
}
