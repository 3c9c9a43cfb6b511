// Every validation rule, with the exact FILE:LINE:COL and key path an
// operator sees. Each document is loaded alone as "bad.yaml" over the defaults.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace troupe::config;
using namespace troupe::config::testing;

namespace {

// The reference activities with one line (selected by its first word) replaced.
std::string activities_with(const std::string& replacement) {
  std::string text = "activities:\n";
  for (const char* line : {"follow: {script: follow.js, count: [5, 15]}",
                           "unfollow: {script: unfollow.js, count: [5, 20]}",
                           "reels: {script: reels.js, seconds: [120, 600]}",
                           "stories: {script: stories.js, seconds: [60, 240]}"}) {
    const std::string original = line;
    const auto name = original.substr(0, original.find(':'));
    const bool replaced = replacement.compare(0, name.size() + 1, name + ":") == 0;
    text += "  " + (replaced ? replacement : original) + "\n";
  }
  return text;
}

// Two moods that cover the day without overlapping.
const std::string two_moods = R"(moods:
  - {name: Day, start: "08:00", end: "20:00"}
  - {name: Night, start: "20:00", end: "08:00", sleep: true}
)";

struct rule_case {
  const char* rule;
  std::string document;
  std::string expected;  // the one error, formatted
};

void check_single_error(const rule_case& c) {
  const auto loaded = load_text(c.document);
  const auto lines = formatted(loaded);
  INFO("rule: " << c.rule << "\n--- bad.yaml\n"
                << c.document << "--- diagnostics\n"
                << fmt::format("{}", fmt::join(lines, "\n")));
  CHECK_FALSE(loaded.ok());
  CHECK(loaded.error_count() == 1);
  CHECK(std::find(lines.begin(), lines.end(), c.expected) != lines.end());
}

}  // namespace

TEST_CASE("malformed documents are reported with their position", "[config][validate]") {
  for (const auto& c : std::vector<rule_case>{
           {"YAML syntax error", "concurrency: 1\nhandoff: {sigma: 0.5\n",
            "bad.yaml:3:1: YAML syntax error: end of map flow not found"},
           {"a document that is not a mapping", "- concurrency\n- 1\n",
            "bad.yaml:1:1: expected a mapping of sections (such as `concurrency: 1`), got a list"},
           {"two documents in one file", "concurrency: 1\n---\nconcurrency: 2\n",
            "bad.yaml:3:1: holds 2 YAML documents; a config file holds one"},
           {"a duplicate top-level key", "concurrency: 1\ntickMs: 5\nconcurrency: 2\n",
            "bad.yaml:3:1: concurrency: duplicate key (first given at line 1)"},
           {"a duplicate nested key", "handoff:\n  sigma: 1\n  sigma: 2\n",
            "bad.yaml:3:3: handoff.sigma: duplicate key"},
       }) {
    check_single_error(c);
  }
}

TEST_CASE("values of the wrong type are errors at the value", "[config][validate]") {
  for (const auto& c : std::vector<rule_case>{
           {"a word where an integer is expected", "concurrency: many\n",
            "bad.yaml:1:14: concurrency: expected an integer, got \"many\""},
           {"a fraction where an integer is expected", "tickMs: 1.5\n",
            "bad.yaml:1:9: tickMs: expected an integer, got \"1.5\""},
           {"a quoted number is a string", "tickMs: \"120000\"\n",
            "bad.yaml:1:9: tickMs: expected an integer, got the quoted string \"120000\""},
           {"a word where a number is expected", "handoff:\n  sigma: wide\n",
            "bad.yaml:2:10: handoff.sigma: expected a number, got \"wide\""},
           {"infinity is not a usable number", "handoff:\n  sigma: .inf\n",
            "bad.yaml:2:10: handoff.sigma: expected a finite number, got \".inf\""},
           {"a word where a boolean is expected", "bursts:\n  enabled: sometimes\n",
            "bad.yaml:2:12: bursts.enabled: expected true or false, got \"sometimes\""},
           {"a scalar where a section is expected", "handoff: 5\n",
            "bad.yaml:1:10: handoff: expected a mapping, got \"5\""},
           {"a mapping where a string is expected", "timezone: {name: UTC}\n",
            "bad.yaml:1:11: timezone: expected a string, got a mapping"},
           {"a key without a value", "timezone:\n",
            "bad.yaml:1:1: timezone: has no value; expected a string (write \"\" for an empty "
            "one)"},
           {"a scalar where a list is expected", "recovery:\n  steps: homepage\n",
            "bad.yaml:2:10: recovery.steps: expected a list, got \"homepage\""},
           {"a range that is not two numbers",
            activities_with("follow: {script: follow.js, count: [5]}"),
            "bad.yaml:2:38: activities.follow.count: expected a range [min, max], got a list"},
           {"a range bound that is not an integer",
            activities_with("follow: {script: follow.js, count: [5, many]}"),
            "bad.yaml:2:42: activities.follow.count[1]: expected an integer, got \"many\""},
           {"an integer too large for its field", "http:\n  port: 99999999999\n",
            "bad.yaml:2:9: http.port: 99999999999 is out of range"},
           {"a pod that is neither a list nor a mapping", "pods:\n  podA: profile-a1\n",
            "bad.yaml:2:9: pods.podA: expected a list of profile ids or a mapping with "
            "`accounts`"},
       }) {
    check_single_error(c);
  }
}

TEST_CASE("unknown keys are errors at the key, anywhere", "[config][validate]") {
  for (const auto& c : std::vector<rule_case>{
           {"an unknown top-level key close to a known one", "concurrence: 1\n",
            "bad.yaml:1:1: concurrence: unknown key 'concurrence' (did you mean 'concurrency'?)"},
           {"snake_case for a camelCase key", "accounts_per_pod: 4\n",
            "bad.yaml:1:1: accounts_per_pod: unknown key 'accounts_per_pod' (did you mean "
            "'accountsPerPod'?)"},
           {"an unknown key in a section", "handoff:\n  sigmma: 1\n",
            "bad.yaml:2:3: handoff.sigmma: unknown key 'sigmma' (did you mean 'sigma'?)"},
           {"an unknown key far from every known one", "idle:\n  nap: 5\n",
            "bad.yaml:2:3: idle.nap: unknown key 'nap' (known: baseMaxMs, baseMinMs)"},
           {"an unknown key in an activity",
            activities_with("follow: {script: follow.js, count: [5, 15], speed: 2}"),
            "bad.yaml:2:47: activities.follow.speed: unknown key 'speed' (known: count, script, "
            "seconds, targets, timeoutMs)"},
           {"an unknown key in a mood",
            "moods:\n  - {name: Day, start: \"08:00\", end: \"20:00\", mood: happy}\n",
            "bad.yaml:2:47: moods[0].mood: unknown key 'mood' (known: burst, end, idle, name, "
            "sleep, start, weights)"},
           {"an unknown key in a long-form pod",
            "pods:\n  podA:\n    accounts: [a1]\n    tz: UTC\n",
            "bad.yaml:4:5: pods.podA.tz: unknown key 'tz' (known: accounts, targets, timezone)"},
           {"a misspelt flag", "flags:\n  postingDisabeld: true\n",
            "bad.yaml:2:3: flags.postingDisabeld: unknown key 'postingDisabeld' (did you mean "
            "'postingDisabled'?)"},
           {"an unknown driver verb", "drivers:\n  verbs:\n    dance: dance.js\n",
            "bad.yaml:3:5: drivers.verbs.dance: unknown key 'dance' (known: harvest, lookup, "
            "metrics, post, preflight, whoami)"},
       }) {
    check_single_error(c);
  }
}

TEST_CASE("runner numbers outside their ranges are errors", "[config][validate]") {
  for (const auto& c : std::vector<rule_case>{
           {"concurrency >= 1", "concurrency: 0\n",
            "bad.yaml:1:14: concurrency: must be >= 1 (got 0)"},
           {"accountsPerPod >= 1", "accountsPerPod: -2\n",
            "bad.yaml:1:17: accountsPerPod: must be >= 1 (got -2)"},
           {"tickMs > 0", "tickMs: 0\n", "bad.yaml:1:9: tickMs: must be > 0 (got 0)"},
           {"idle min <= max", "idle:\n  baseMinMs: 60000\n  baseMaxMs: 1000\n",
            "bad.yaml:2:14: idle.baseMinMs: must be <= idle.baseMaxMs (60000 > 1000)"},
           {"idle not negative", "idle:\n  baseMinMs: -1\n",
            "bad.yaml:2:14: idle.baseMinMs: must be >= 0 (got -1)"},
           {"handoff.distribution lognormal", "handoff:\n  distribution: normal\n",
            "bad.yaml:2:17: handoff.distribution: must be one of lognormal (got \"normal\")"},
           {"sigma > 0", "handoff:\n  sigma: 0\n",
            "bad.yaml:2:10: handoff.sigma: must be > 0 (got 0)"},
           {"handoff min <= max", "handoff:\n  minMs: 20000\n  maxMs: 10000\n  modeMs: 15000\n",
            "bad.yaml:2:10: handoff.minMs: must be <= handoff.maxMs (20000 > 10000)"},
           {"handoff.minMs not negative", "handoff:\n  minMs: -5\n",
            "bad.yaml:2:10: handoff.minMs: must be >= 0 (got -5)"},
           {"handoff mode within [min, max]", "handoff:\n  modeMs: 5000\n",
            "bad.yaml:2:11: handoff.modeMs: must lie within handoff.minMs..maxMs "
            "(15000..900000), got 5000"},
           {"burst probability in [0, 1]", "bursts:\n  probability: 1.5\n",
            "bad.yaml:2:16: bursts.probability: must be within 0..1 (got 1.5)"},
           {"burst gap not negative", "bursts:\n  gapMs: -1\n",
            "bad.yaml:2:10: bursts.gapMs: must be >= 0 (got -1)"},
           {"energy.start in (0, 1]", "energy:\n  start: 0\n",
            "bad.yaml:2:10: energy.start: must be within (0, 1] (got 0)"},
           {"energy.start at most 1", "energy:\n  start: 1.5\n",
            "bad.yaml:2:10: energy.start: must be within (0, 1] (got 1.5)"},
           {"energy.perSession >= 0", "energy:\n  perSession: -0.1\n",
            "bad.yaml:2:15: energy.perSession: must be >= 0 (got -0.1)"},
           {"energy.floor in [0, 1)", "energy:\n  floor: 1\n",
            "bad.yaml:2:10: energy.floor: must be within [0, 1) (got 1)"},
           {"energy.floor below start", "energy:\n  start: 0.5\n  floor: 0.6\n",
            "bad.yaml:3:10: energy.floor: must be below energy.start (0.6 >= 0.5): every account "
            "would skip with energyLow"},
           {"base weights >= 0",
            "weights:\n  base: {follow: -0.1, unfollow: 0.2, reels: 0.8, stories: 0.1}\n",
            "bad.yaml:2:18: weights.base.follow: must be >= 0 (got -0.1)"},
           {"recovery steps at least one", "recovery:\n  steps: []\n",
            "bad.yaml:2:10: recovery.steps: must hold 1..maxRecoverySteps (5) steps, got 0"},
           {"recovery steps at most maxRecoverySteps",
            "recovery:\n  maxRecoverySteps: 2\n  steps: [homepage, back, refresh]\n",
            "bad.yaml:3:10: recovery.steps: must hold 1..maxRecoverySteps (2) steps, got 3"},
           {"recovery backoff factor >= 1", "recovery:\n  backoffFactor: 0.5\n",
            "bad.yaml:2:18: recovery.backoffFactor: must be >= 1 (got 0.5)"},
           {"unfollowTrigger.type threshold", "unfollowTrigger:\n  type: daily\n",
            "bad.yaml:2:9: unfollowTrigger.type: must be one of threshold (got \"daily\")"},
           {"storiesPolicy.mode fluid or fixed", "storiesPolicy:\n  mode: random\n",
            "bad.yaml:2:9: storiesPolicy.mode: must be one of fluid|fixed (got \"random\")"},
       }) {
    check_single_error(c);
  }
}

TEST_CASE("activities must be complete and consistent with the names that refer to them",
          "[config][validate]") {
  for (const auto& c : std::vector<rule_case>{
           {"count min <= max", activities_with("follow: {script: follow.js, count: [15, 5]}"),
            "bad.yaml:2:38: activities.follow.count: min must be <= max (got [15, 5])"},
           {"seconds not negative",
            activities_with("reels: {script: reels.js, seconds: [-1, 600]}"),
            "bad.yaml:4:38: activities.reels.seconds: must not be negative (got [-1, 600])"},
           {"both count and seconds",
            activities_with("reels: {script: reels.js, count: [1, 2], seconds: [1, 2]}"),
            "bad.yaml:4:10: activities.reels: needs exactly one of count: [min, max] or seconds: "
            "[min, max]"},
           {"neither count nor seconds", activities_with("reels: {script: reels.js}"),
            "bad.yaml:4:10: activities.reels: needs exactly one of count: [min, max] or seconds: "
            "[min, max]"},
           {"an activity without script", activities_with("reels: {seconds: [120, 600]}"),
            "bad.yaml:4:10: activities.reels: missing key 'script'"},
           {"an activity with an empty script",
            activities_with("reels: {script: \"\", seconds: [120, 600]}"),
            "bad.yaml:4:19: activities.reels.script: must not be empty"},
           {"an unknown activity in weights.base",
            "weights:\n  base: {follow: 0.3, unfollow: 0.2, reels: 0.8, stories: 0.1, likes: 1}\n",
            "bad.yaml:2:71: weights.base.likes: unknown activity 'likes' (activities: follow, "
            "unfollow, reels, stories)"},
           {"an activity without weight",
            "weights:\n  base: {follow: 0.3, unfollow: 0.2, reels: 0.8}\n",
            "bad.yaml:2:9: weights.base: activity 'stories' has no weight"},
           {"an unknown activity in a mood's weights",
            "moods:\n  - {name: Day, start: \"08:00\", end: \"20:00\", weights: {likes: 2}}\n",
            "bad.yaml:2:64: moods[0].weights.likes: unknown activity 'likes'"},
           {"an unknown unfollowTrigger.activity", "unfollowTrigger:\n  activity: unfollows\n",
            "bad.yaml:2:13: unfollowTrigger.activity: unknown activity 'unfollows' (activities: "
            "follow, unfollow, reels, stories)"},
           {"an unknown unfollowTrigger.counts", "unfollowTrigger:\n  counts: follows\n",
            "bad.yaml:2:11: unfollowTrigger.counts: unknown activity 'follows' (activities: "
            "follow, unfollow, reels, stories)"},
           {"an unknown storiesPolicy.activity", "storiesPolicy:\n  activity: story\n",
            "bad.yaml:2:13: storiesPolicy.activity: unknown activity 'story' (activities: follow, "
            "unfollow, reels, stories)"},
       }) {
    check_single_error(c);
  }
}

TEST_CASE("defaults that name activities the file dropped point at its activities",
          "[config][validate]") {
  const auto loaded =
      load_text("concurrency: 1\nactivities:\n  scroll: {script: s.js, count: [1, 2]}\n" +
                std::string("weights:\n  base: {scroll: 1}\n") + two_moods);
  CHECK_FALSE(loaded.ok());
  CHECK(formatted(loaded) ==
        std::vector<std::string>{
            "bad.yaml:3:3: unfollowTrigger.activity: unknown activity 'unfollow' (activities: "
            "scroll)",
            "bad.yaml:3:3: unfollowTrigger.counts: unknown activity 'follow' (activities: scroll)",
            "bad.yaml:3:3: storiesPolicy.activity: unknown activity 'stories' (activities: "
            "scroll)"});
}

TEST_CASE("an empty activities section is an error besides what names activities",
          "[config][validate]") {
  const auto loaded = load_text("activities: {}\n");
  CHECK_FALSE(loaded.ok());
  const auto lines = formatted(loaded);
  CHECK(std::find(lines.begin(), lines.end(),
                  "bad.yaml:1:13: activities: needs at least one activity") != lines.end());
}

TEST_CASE("moods need valid, unique names and times", "[config][validate]") {
  for (const auto& c : std::vector<rule_case>{
           {"an hour beyond 23", "moods:\n  - {name: Day, start: \"25:00\", end: \"20:00\"}\n",
            "bad.yaml:2:24: moods[0].start: expected a time \"HH:MM\" (00:00..23:59), got "
            "\"25:00\""},
           {"a time without two-digit hours",
            "moods:\n  - {name: Day, start: \"8:00\", end: \"20:00\"}\n",
            "bad.yaml:2:24: moods[0].start: expected a time \"HH:MM\" (00:00..23:59), got "
            "\"8:00\""},
           {"minutes beyond 59", "moods:\n  - {name: Day, start: \"08:00\", end: \"20:60\"}\n",
            "bad.yaml:2:38: moods[0].end: expected a time \"HH:MM\" (00:00..23:59), got "
            "\"20:60\""},
           {"a mood without start", "moods:\n  - {name: Day, end: \"20:00\"}\n",
            "bad.yaml:2:5: moods[0]: missing key 'start'"},
           {"an empty window", "moods:\n  - {name: Day, start: \"08:00\", end: \"08:00\"}\n",
            "bad.yaml:2:38: moods[0].end: equals start (08:00): the window would be empty"},
           {"duplicate mood names",
            "moods:\n  - {name: Day, start: \"08:00\", end: \"12:00\"}\n"
            "  - {name: Day, start: \"12:00\", end: \"20:00\"}\n",
            "bad.yaml:3:12: moods[1].name: duplicate mood name 'Day' (also moods[0])"},
           {"a negative idle multiplier",
            "moods:\n  - {name: Day, start: \"08:00\", end: \"20:00\", idle: -1}\n",
            "bad.yaml:2:53: moods[0].idle: must be >= 0 (got -1)"},
           {"a negative burst multiplier",
            "moods:\n  - {name: Day, start: \"08:00\", end: \"20:00\", burst: -0.5}\n",
            "bad.yaml:2:54: moods[0].burst: must be >= 0 (got -0.5)"},
           {"a negative weight multiplier",
            "moods:\n  - {name: Day, start: \"08:00\", end: \"20:00\", weights: {reels: -1}}\n",
            "bad.yaml:2:64: moods[0].weights.reels: must be >= 0 (got -1)"},
       }) {
    check_single_error(c);
  }
}

TEST_CASE("overlapping moods are one warning naming both, not an error", "[config][validate]") {
  const auto loaded = load_text(R"(moods:
  - {name: Morning, start: "06:00", end: "12:00"}
  - {name: Brunch, start: "10:00", end: "14:00"}
)");
  REQUIRE(loaded.ok());
  CHECK(formatted(loaded) ==
        std::vector<std::string>{
            "bad.yaml:3:5: moods[1]: warning: 'Brunch' (10:00-14:00) overlaps 'Morning' "
            "(06:00-12:00) during 10:00-12:00; Morning wins at runtime (the first listed wins)"});
}

TEST_CASE("an overlap across midnight is described across midnight", "[config][validate]") {
  const auto loaded = load_text(R"(moods:
  - {name: Late, start: "22:00", end: "02:00"}
  - {name: Sleep, start: "23:30", end: "07:00", sleep: true}
)");
  REQUIRE(loaded.ok());
  CHECK(formatted(loaded) ==
        std::vector<std::string>{
            "bad.yaml:3:5: moods[1]: warning: 'Sleep' (23:30-07:00) overlaps 'Late' (22:00-02:00) "
            "during 23:30-02:00; Sleep wins at runtime (a sleep window wins)"});
}

TEST_CASE("windows wrapping midnight without overlap get no diagnostic", "[config][validate]") {
  const auto loaded = load_text(two_moods);
  REQUIRE(loaded.ok());
  CHECK(loaded.diagnostics.empty());
}

TEST_CASE("pods need accounts, each profile in one pod, and known time zones",
          "[config][validate]") {
  for (const auto& c : std::vector<rule_case>{
           {"a profile in two pods", "pods:\n  podA: [a1, a2]\n  podB: [b1, a2]\n",
            "bad.yaml:3:14: pods.podB[1]: profile 'a2' is in two pods: 'podA' and 'podB'"},
           {"a profile twice in one pod", "pods:\n  podA: [a1, a1]\n",
            "bad.yaml:2:14: pods.podA[1]: profile 'a1' is listed twice in pod 'podA'"},
           {"an empty pod", "pods:\n  podA: []\n",
            "bad.yaml:2:9: pods.podA: empty pod: list at least one profile id"},
           {"an empty pod in the long form", "pods:\n  podA:\n    accounts: []\n",
            "bad.yaml:3:15: pods.podA.accounts: empty pod: list at least one profile id"},
           {"a long-form pod without accounts", "pods:\n  podA:\n    timezone: UTC\n",
            "bad.yaml:3:5: pods.podA: missing key 'accounts'"},
           {"an unknown time zone", "timezone: Mars/Olympus\n",
            "bad.yaml:1:11: timezone: unknown time zone \"Mars/Olympus\" (use an IANA name such "
            "as \"Europe/Berlin\" or \"UTC\")"},
           {"an unknown pod time zone",
            "pods:\n  podA:\n    accounts: [a1]\n    timezone: Europe/Atlantis\n",
            "bad.yaml:4:15: pods.podA.timezone: unknown time zone \"Europe/Atlantis\" (use an "
            "IANA name such as \"Europe/Berlin\" or \"UTC\")"},
           {"targets for a profile outside the pod",
            "pods:\n  podA:\n    accounts: [a1]\n    targets: {b1: b1.txt}\n",
            "bad.yaml:4:19: pods.podA.targets.b1: 'b1' is not an account of pod 'podA'"},
       }) {
    check_single_error(c);
  }
}

TEST_CASE("targets files nobody reads are a warning", "[config][validate]") {
  const auto loaded =
      load_text("pods:\n  podA:\n    accounts: [a1]\n    targets: {a1: a1.txt}\n" + two_moods);
  REQUIRE(loaded.ok());
  CHECK(formatted(loaded) ==
        std::vector<std::string>{"bad.yaml:4:14: pods.podA.targets: warning: no activity has "
                                 "`targets: true`, so these targets files are never used"});
}

TEST_CASE("the daemon's sections are checked too", "[config][validate]") {
  for (const auto& c : std::vector<rule_case>{
           {"db.url neither sqlite nor postgresql", "db:\n  url: mysql://db/troupe\n",
            "bad.yaml:2:8: db.url: expected sqlite:PATH or postgresql://..., got "
            "\"mysql://db/troupe\""},
           {"db.url sqlite without a path", "db:\n  url: \"sqlite:\"\n",
            "bad.yaml:2:8: db.url: expected sqlite:PATH or postgresql://..., got \"sqlite:\""},
           {"http.port 0", "http:\n  port: 0\n",
            "bad.yaml:2:9: http.port: must be within 1..65535 (got 0)"},
           {"http.port above 65535", "http:\n  port: 65536\n",
            "bad.yaml:2:9: http.port: must be within 1..65535 (got 65536)"},
           {"http.treeRefreshMs above a minute", "http:\n  treeRefreshMs: 60001\n",
            "bad.yaml:2:18: http.treeRefreshMs: must be within 0..60000 (got 60001)"},
           {"cluster.nodeId with a space", "cluster:\n  nodeId: node one\n",
            "bad.yaml:2:11: cluster.nodeId: expected at most 64 letters, digits and . _ - :, got "
            "\"node one\""},
           {"cluster.leaseTtlMs without room for two heartbeats",
            "cluster:\n  leaseTtlMs: 10000\n  heartbeatMs: 3000\n  marginMs: 5000\n",
            "bad.yaml:2:15: cluster.leaseTtlMs: must leave two heartbeats besides the margin: at "
            "least 11000 (marginMs + 2 x heartbeatMs), got 10000"},
           {"cluster.heartbeatMs under 100", "cluster:\n  heartbeatMs: 50\n",
            "bad.yaml:2:16: cluster.heartbeatMs: must be >= 100 (got 50)"},
           {"log.level", "log:\n  level: verbose\n",
            "bad.yaml:2:10: log.level: must be one of trace|debug|info|warn|error|critical|off "
            "(got \"verbose\")"},
           {"log.maxFiles >= 1", "log:\n  maxFiles: 0\n",
            "bad.yaml:2:13: log.maxFiles: must be >= 1 (got 0)"},
           {"flags.mode", "flags:\n  mode: yolo\n",
            "bad.yaml:2:9: flags.mode: must be one of shadow|live (got \"yolo\")"},
           {"flags.minQualityScore in [0, 1]", "flags:\n  minQualityScore: 2\n",
            "bad.yaml:2:20: flags.minQualityScore: must be within 0..1 (got 2)"},
           {"flags.runtimePreflightTimeoutMs in 3000..20000",
            "flags:\n  runtimePreflightTimeoutMs: 100\n",
            "bad.yaml:2:30: flags.runtimePreflightTimeoutMs: must be within 3000..20000 (got 100)"},
           {"drivers.command not empty", "drivers:\n  command: \"\"\n",
            "bad.yaml:2:12: drivers.command: must not be empty"},
           {"drivers.maxOutputBytes > 0", "drivers:\n  maxOutputBytes: 0\n",
            "bad.yaml:2:19: drivers.maxOutputBytes: must be > 0 (got 0)"},
       }) {
    check_single_error(c);
  }
}

TEST_CASE("postgres URLs in either spelling are accepted", "[config][validate]") {
  CHECK(load_text("db:\n  url: postgresql://troupe@localhost/troupe\n").ok());
  CHECK(load_text("db:\n  url: postgres://troupe@localhost/troupe\n").ok());
  CHECK(load_text("db:\n  url: sqlite:/var/lib/troupe/troupe.db\n").ok());
}

TEST_CASE("every error in a file is reported, not just the first", "[config][validate]") {
  const auto loaded = load_text(R"(concurrency: 0
handoff:
  sigma: -1
  modeMs: lots
log:
  level: loud
pods:
  podA: []
)");
  CHECK_FALSE(loaded.ok());
  CHECK(formatted(loaded) ==
        std::vector<std::string>{
            "bad.yaml:1:14: concurrency: must be >= 1 (got 0)",
            "bad.yaml:3:10: handoff.sigma: must be > 0 (got -1)",
            "bad.yaml:4:11: handoff.modeMs: expected an integer, got \"lots\"",
            "bad.yaml:6:10: log.level: must be one of trace|debug|info|warn|error|critical|off "
            "(got \"loud\")",
            "bad.yaml:8:9: pods.podA: empty pod: list at least one profile id",
            "(defaults): moods[4]: warning: 'Sleep' (01:00-07:30) overlaps 'MorningRush' "
            "(07:00-11:00) during 07:00-07:30; Sleep wins at runtime (a sleep window wins)"});
}

TEST_CASE("a value that cannot be decoded is one error, not also the rules it would break",
          "[config][validate]") {
  const auto loaded = load_text(activities_with("reels: {script: reels.js, seconds: lots}") +
                                "moods:\n  - {name: Day, start: \"noon\", end: \"20:00\"}\n");
  CHECK(formatted(loaded) ==
        std::vector<std::string>{
            "bad.yaml:4:38: activities.reels.seconds: expected a range [min, max], got \"lots\"",
            "bad.yaml:7:24: moods[0].start: expected a time \"HH:MM\" (00:00..23:59), got "
            "\"noon\""});
}
