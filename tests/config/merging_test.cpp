// Several --config files: merging by top-level key, later files winning,
// defaults for what no file says, and diagnostics that name the right file.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config_test_support.hpp"

using namespace troupe::config;
using namespace troupe::config::testing;

namespace {

// A fresh directory under the system temp dir, removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "troupe-config-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    const auto file = (path_ / name).string();
    std::ofstream(file) << text;
    return file;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("a later file's section replaces the earlier file's whole section", "[config][merge]") {
  const auto loaded = load_config_text({
      {"base.yaml", "handoff:\n  modeMs: 60000\n  sigma: 0.5\nconcurrency: 3\n"},
      {"override.yaml", "handoff:\n  sigma: 0.7\n"},
  });
  REQUIRE(loaded.ok());
  CHECK(loaded.config->handoff.sigma == Approx(0.7));
  CHECK(loaded.config->handoff.mode_ms == 54'000);  // not 60000: base.yaml's handoff is gone
  CHECK(loaded.config->concurrency == 3);           // untouched sections stay
}

TEST_CASE("the last of three files wins a key all three give", "[config][merge]") {
  const auto loaded = load_config_text({
      {"one.yaml", "tickMs: 1000\n"},
      {"two.yaml", "tickMs: 2000\ntimezone: Europe/Berlin\n"},
      {"three.yaml", "tickMs: 3000\n"},
  });
  REQUIRE(loaded.ok());
  CHECK(loaded.config->tick_ms == 3000);
  CHECK(loaded.config->timezone == "Europe/Berlin");
  CHECK(loaded.files == std::vector<std::string>{"one.yaml", "two.yaml", "three.yaml"});
}

TEST_CASE("a diagnostic names the file the offending section came from", "[config][merge]") {
  const auto loaded = load_config_text({
      {"runner.yaml", "concurrency: 2\nhandoff:\n  sigma: 0.5\n"},
      {"site.yaml", "# site overrides\nhandoff:\n  sigma: -1\n"},
      {"pods.yaml", "pods:\n  podA: [a1]\n  podB: [a1]\n"},
  });
  CHECK_FALSE(loaded.ok());
  CHECK(formatted_errors(loaded) ==
        std::vector<std::string>{
            "site.yaml:3:10: handoff.sigma: must be > 0 (got -1)",
            "pods.yaml:3:10: pods.podB[0]: profile 'a1' is in two pods: 'podA' and 'podB'"});
}

TEST_CASE("an earlier file's error disappears when a later file replaces its section",
          "[config][merge]") {
  const auto loaded = load_config_text({
      {"broken.yaml", "bursts:\n  probability: 7\n"},
      {"fix.yaml", "bursts:\n  probability: 0.2\n"},
  });
  REQUIRE(loaded.ok());
  CHECK(loaded.config->bursts.probability == Approx(0.2));
}

TEST_CASE("omitted keys take the defaults", "[config][merge]") {
  const auto loaded = load_text("handoff:\n  sigma: 1.2\npods:\n  only: [p1]\n", "small.yaml");
  REQUIRE(loaded.ok());
  troupe_config expected;
  expected.handoff.sigma = 1.2;
  pod_config only;
  only.name = "only";
  only.accounts = {"p1"};
  expected.pods = {only};
  CHECK(json_of(*loaded.config) == json_of(expected));
}

TEST_CASE("a file that holds no settings is refused, and one that says {} is a config of defaults",
          "[config][merge]") {
  for (const char* nothing : {"", "# nothing yet\n", "\n\n"}) {
    const auto loaded = load_text(nothing, "empty.yaml");
    CHECK_FALSE(loaded.ok());
    REQUIRE(loaded.diagnostics.size() == 1);
    CHECK(format(loaded.diagnostics.front()).rfind("empty.yaml: holds no settings", 0) == 0);
  }
  const auto intended = load_text("{}\n", "empty.yaml");
  REQUIRE(intended.ok());
  CHECK(json_of(*intended.config) == json_of(troupe_config{}));
}

TEST_CASE("given activities replace the default four, given moods the default five",
          "[config][merge]") {
  const auto loaded = load_text(R"(
activities:
  scroll: {script: scroll.js, seconds: [30, 60]}
weights:
  base: {scroll: 1.0}
unfollowTrigger: {activity: scroll, counts: scroll}
storiesPolicy: {activity: scroll}
moods:
  - {name: Always, start: "00:00", end: "23:59"}
)",
                                "own.yaml");
  REQUIRE(loaded.ok());
  REQUIRE(loaded.config->activities.size() == 1);
  CHECK(loaded.config->activities[0].name == "scroll");
  REQUIRE(loaded.config->moods.size() == 1);
  CHECK(loaded.config->moods[0].name == "Always");
  CHECK(loaded.diagnostics.empty());
}

TEST_CASE("pods in the long form carry their time zone and targets files", "[config][merge]") {
  const auto loaded = load_text(R"(
activities:
  follow: {script: follow.js, count: [5, 15], targets: true}
  unfollow: {script: unfollow.js, count: [5, 20]}
  reels: {script: reels.js, seconds: [120, 600]}
  stories: {script: stories.js, seconds: [60, 240]}
pods:
  berlin:
    accounts: [b1, b2]
    timezone: Europe/Berlin
    targets: {b1: targets/b1.txt}
  plain: [p1]
)",
                                "pods.yaml");
  REQUIRE(loaded.ok());
  CHECK(loaded.diagnostics.size() == 1);  // the default moods' overlap warning
  REQUIRE(loaded.config->pods.size() == 2);
  const auto& berlin = loaded.config->pods[0];
  CHECK(berlin.timezone == "Europe/Berlin");
  CHECK(berlin.targets.at("b1") == "targets/b1.txt");
  CHECK(loaded.config->pods[1].timezone.empty());  // the config's timezone applies
  CHECK(loaded.config->find_activity("follow")->consumes_targets);
}

TEST_CASE("real files merge in order and their diagnostics carry their paths",
          "[config][merge][files]") {
  temp_dir dir;
  const auto runner = dir.write("runner.yaml", "concurrency: 4\nlog:\n  level: debug\n");
  const auto site = dir.write("site.yaml", "log:\n  level: loud\n");
  const auto loaded = load_config({runner, site});
  CHECK_FALSE(loaded.ok());
  CHECK(formatted_errors(loaded) ==
        std::vector<std::string>{site + ":2:10: log.level: must be one of "
                                        "trace|debug|info|warn|error|critical|off (got \"loud\")"});

  const auto good = load_config({site, runner});
  REQUIRE(good.ok());
  CHECK(good.config->concurrency == 4);
  CHECK(good.config->log.level == "debug");
}

TEST_CASE("a file that cannot be read is named without a line, and nothing loads",
          "[config][merge][files]") {
  temp_dir dir;
  const auto good = dir.write("good.yaml", "concurrency: 2\n");
  const auto missing = dir.path("missing.yaml");
  const auto loaded = load_config({good, missing});
  CHECK_FALSE(loaded.ok());
  CHECK(formatted(loaded) ==
        std::vector<std::string>{missing + ": cannot read: No such file or directory"});
}

TEST_CASE("a directory given as a config file is an error", "[config][merge][files]") {
  temp_dir dir;
  const auto loaded = load_config({dir.path("")});
  CHECK_FALSE(loaded.ok());
  CHECK(formatted(loaded) ==
        std::vector<std::string>{dir.path("") + ": cannot read: is a directory"});
}

TEST_CASE("a syntax error in one file still reports the type errors of the others",
          "[config][merge]") {
  const auto loaded = load_config_text({
      {"good.yaml", "concurrency: lots\n"},
      {"broken.yaml", "handoff: {sigma: 0.5\n"},
  });
  CHECK_FALSE(loaded.ok());
  CHECK(loaded.error_count() == 2);
  CHECK(loaded.diagnostics[0].file == "good.yaml");
  CHECK(loaded.diagnostics[1].file == "broken.yaml");
}
