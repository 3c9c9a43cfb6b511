// The troupe executable as an operator uses it: exit codes, messages, and the
// daemon's life cycle under signals.
#include <catch2/catch.hpp>

#include "tests/support/command.hpp"
#include "tests/support/text.hpp"

using troupe::testing::child;
using troupe::testing::run_command;
using troupe::testing::temp_dir;
using namespace std::chrono_literals;

namespace {

const std::string troupe_binary = TROUPE_BINARY;
const std::string examples = std::string(TROUPE_SOURCE_DIR) + "/config/examples/";

std::vector<std::string> reference_json_args() {
  return {"--config", examples + "smart-runner.json", "--config", examples + "moods.json",
          "--config", examples + "runner-groups.json"};
}

std::vector<std::string> troupe_command(std::vector<std::string> args) {
  args.insert(args.begin(), troupe_binary);
  return args;
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEST_CASE("troupe --help lists every subcommand and exits 0") {
  temp_dir dir;
  auto result = run_command(troupe_command({"--help"}), dir);
  CHECK(result.exit_code == 0);
  for (const char* name : {"run", "check-config", "migrate", "tables"}) {
    CHECK(contains(result.output, name));
  }
}

TEST_CASE("troupe --version prints the version") {
  temp_dir dir;
  auto result = run_command(troupe_command({"--version"}), dir);
  CHECK(result.exit_code == 0);
  CHECK(result.output == std::string("troupe ") + TROUPE_VERSION + "\n");
}

TEST_CASE("every subcommand has --help with its options") {
  temp_dir dir;
  for (const char* name : {"run", "check-config", "migrate", "tables"}) {
    auto result = run_command(troupe_command({name, "--help"}), dir);
    CHECK(result.exit_code == 0);
    CHECK(contains(result.output, std::string("Usage: troupe ") + name));
    CHECK(contains(result.output, "--config"));
  }
}

TEST_CASE("bad arguments print a usage message and exit 2") {
  temp_dir dir;
  auto no_command = run_command(troupe_command({}), dir);
  CHECK(no_command.exit_code == 2);
  CHECK(contains(no_command.output, "Usage: troupe"));

  auto unknown_command = run_command(troupe_command({"frobnicate"}), dir);
  CHECK(unknown_command.exit_code == 2);
  CHECK(contains(unknown_command.output, "unknown command 'frobnicate'"));

  auto unknown_option = run_command(troupe_command({"migrate", "--no-such-flag"}), dir);
  CHECK(unknown_option.exit_code == 2);
  CHECK(contains(unknown_option.output, "Usage: troupe migrate"));

  auto missing_value = run_command(troupe_command({"check-config", "--config"}), dir);
  CHECK(missing_value.exit_code == 2);
}

TEST_CASE("check-config prints ok for the reference config in both forms") {
  temp_dir dir;
  auto json = run_command(troupe_command(with({"check-config"}, reference_json_args())), dir);
  CHECK(json.exit_code == 0);
  CHECK(contains(json.output, "\nok\n"));
  CHECK(contains(json.output, "moods.json:"));  // the Sleep/MorningRush overlap warning

  auto yaml = run_command(troupe_command({"check-config", "--config", examples + "troupe.yaml"}), dir);
  CHECK(yaml.exit_code == 0);
  CHECK(contains(yaml.output, "ok\n"));
}

TEST_CASE("check-config prints every error as FILE:LINE:COL and exits 2") {
  temp_dir dir;
  auto bad = dir.write("bad.yaml",
                       "concurrency: 0\n"
                       "handoff:\n"
                       "  sigma: -1\n");
  auto result = run_command(troupe_command({"check-config", "--config", bad}), dir);
  CHECK(result.exit_code == 2);
  CHECK(contains(result.output, bad + ":1:14: concurrency:"));
  CHECK(contains(result.output, bad + ":3:10: handoff.sigma:"));
  CHECK_FALSE(contains(result.output, "\nok\n"));
}

TEST_CASE("check-config names what is wrong with a secret without printing it") {
  temp_dir dir;
  auto bad = dir.write("bad.yaml",
                       "db: {url: \"mysql://bob:Pa55-w0rd-cli@db.internal/x\"}\n"
                       "drivers: {env: \"API_TOKEN=sk-live-cli\"}\n");
  auto result = run_command(troupe_command({"check-config", "--config", bad}), dir);
  CHECK(result.exit_code == 2);
  CHECK(contains(result.output, bad + ":1:11: db.url: expected sqlite:PATH or postgresql://..., got "
                                      "\"mysql://bob:<redacted>@db.internal/x\""));
  CHECK(contains(result.output, bad + ":2:16: drivers.env: expected a mapping"));
  CHECK_FALSE(contains(result.output, "Pa55-w0rd-cli"));
  CHECK_FALSE(contains(result.output, "sk-live-cli"));
}

TEST_CASE("migrate creates every table and a second run is harmless") {
  temp_dir dir;
  const auto db = "sqlite:" + dir.file("troupe.db");
  auto first = run_command(troupe_command({"migrate", "--db", db}), dir);
  CHECK(first.exit_code == 0);
  CHECK(contains(first.output, "applied migration"));
  auto second = run_command(troupe_command({"migrate", "--db", db}), dir);
  CHECK(second.exit_code == 0);
  CHECK_FALSE(contains(second.output, "applied migration"));

  auto tables = run_command(troupe_command({"tables", "--db", db}), dir);
  CHECK(tables.exit_code == 0);
  CHECK(contains(tables.output, "present  aol_actions"));
  CHECK_FALSE(contains(tables.output, "MISSING"));
}

TEST_CASE("tables exits 2 and names what is missing on an empty database") {
  temp_dir dir;
  auto result = run_command(troupe_command({"tables", "--db", "sqlite:" + dir.file("empty.db")}), dir);
  CHECK(result.exit_code == 2);
  CHECK(contains(result.output, "MISSING  accounts"));
}

TEST_CASE("migrate on an unreachable database fails with a clear message") {
  temp_dir dir;
  auto result = run_command(troupe_command({"migrate", "--db", "sqlite:/nonexistent/dir/x.db"}), dir);
  CHECK(result.exit_code == 1);
  CHECK(contains(result.output, "/nonexistent/dir/x.db"));
}

TEST_CASE("migrate and tables work on PostgreSQL") {
  auto url = troupe::testing::postgres_url_from_environment();
  if (!url) {
    WARN("PGHOST not set: PostgreSQL part skipped (tools/test always sets it)");
    return;
  }
  temp_dir dir;
  CHECK(run_command(troupe_command({"migrate", "--db", *url}), dir).exit_code == 0);
  CHECK(run_command(troupe_command({"migrate", "--db", *url}), dir).exit_code == 0);
  auto tables = run_command(troupe_command({"tables", "--db", *url}), dir);
  CHECK(tables.exit_code == 0);
  CHECK_FALSE(contains(tables.output, "MISSING"));
}

TEST_CASE("run stays up, survives SIGHUP, and exits 0 on SIGTERM and SIGINT") {
  for (int stop_signal : {SIGTERM, SIGINT}) {
    temp_dir dir;
    auto config = dir.write("daemon.yaml", "db:\n  url: sqlite:" + dir.file("t.db") +
                                               "\nlog:\n  file: " + dir.file("troupe.log") +
                                               "\ndrivers:\n  logDir: " + dir.file("logs") +
                                               "\n  env:\n    SIM_DRIVER_TIME_SCALE: \"0.01\"\n");
    child daemon(troupe_command(with({"run", "--config", config, "--driver", SIM_DRIVER_BINARY, "--http", "127.0.0.1:0"},
                                     reference_json_args())),
                 dir.file("out.txt"));
    REQUIRE(daemon.wait_for_output("running until SIGINT or SIGTERM", 20s));
    CHECK(contains(daemon.output(), "safety: posting=blocked(shadow_mode) llm=allowed analytics=blocked(shadow_mode) mode=shadow"));

    daemon.signal(SIGHUP);
    REQUIRE(daemon.wait_for_output("sighup: config unchanged; version 1 stays", 10s));
    CHECK_FALSE(daemon.wait(200ms).has_value());

    daemon.signal(stop_signal);
    CHECK(daemon.wait(10s) == 0);
    CHECK(contains(daemon.output(), "stopped cleanly"));
    CHECK(contains(troupe::testing::read_file(dir.file("troupe.log")), "stopped cleanly"));
  }
}

TEST_CASE("run refuses a --pod that the config does not have") {
  temp_dir dir;
  auto result = run_command(troupe_command(with({"run", "--pod", "nope"}, reference_json_args())), dir, 20s);
  CHECK(result.exit_code == 2);
  CHECK(contains(result.output, "--pod nope: no such pod"));
}

TEST_CASE("run refuses an invalid config with exit 2 before touching the database") {
  temp_dir dir;
  auto bad = dir.write("bad.yaml", "concurrency: zero\ndb:\n  url: sqlite:" + dir.file("t.db") + "\n");
  auto result = run_command(troupe_command({"run", "--config", bad}), dir, 20s);
  CHECK(result.exit_code == 2);
  CHECK(contains(result.output, bad + ":1:14: concurrency:"));
  CHECK_FALSE(std::filesystem::exists(dir.file("t.db")));
}

TEST_CASE("run --test passes against the simulated driver with a PASS line per check") {
  temp_dir dir;
  auto result = run_command(
      troupe_command(with({"run", "--test", "--driver", SIM_DRIVER_BINARY}, reference_json_args())), dir, 120s);
  CHECK(result.exit_code == 0);
  for (const char* line : {"PASS database:", "PASS session follow:", "PASS session unfollow:", "PASS session reels:",
                           "PASS session stories:", "PASS forced failure:", "PASS recovery:", "PASS shutdown:",
                           "self-test passed"}) {
    CHECK(contains(result.output, line));
  }
  CHECK_FALSE(contains(result.output, "FAIL"));
}

TEST_CASE("run --test fails with exit 1 and keeps its artifacts when the driver always fails") {
  temp_dir dir;
  auto result = run_command(troupe_command({"run", "--test", "--driver", "/bin/false"}), dir, 120s);
  CHECK(result.exit_code == 1);
  CHECK(contains(result.output, "FAIL session follow: ended hard_error (exit 1)"));
  CHECK(contains(result.output, "FAIL recovery:"));
  CHECK(contains(result.output, "self-test FAILED"));
  const auto kept = result.output.find("artifacts kept in ");
  REQUIRE(kept != std::string::npos);
  const auto path = result.output.substr(kept + 18, result.output.find('\n', kept) - kept - 18);
  CHECK(std::filesystem::exists(path + "/selftest.db"));
  std::filesystem::remove_all(path);
}

TEST_CASE("run refuses a malformed --http with exit 2 and a taken port with exit 1") {
  temp_dir dir;
  auto bad = run_command(troupe_command(with({"run", "--http", "localhost"}, reference_json_args())), dir, 20s);
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.output, "--http localhost: expected ADDR:PORT"));

  auto config = dir.write("taken.yaml", "db:\n  url: sqlite:" + dir.file("t.db") + "\nlog:\n  file: \"\"\n");
  child first(troupe_command({"run", "--config", config, "--http", "127.0.0.1:0"}), dir.file("first.txt"));
  REQUIRE(first.wait_for_output("running until SIGINT or SIGTERM", 20s));
  const auto output = first.output();
  const auto at = output.find("http://127.0.0.1:");
  REQUIRE(at != std::string::npos);
  const auto port = output.substr(at + 17, output.find('/', at + 17) - at - 17);
  auto second = run_command(troupe_command({"run", "--config", config, "--http", "127.0.0.1:" + port}), dir, 20s);
  CHECK(second.exit_code == 1);
  CHECK(contains(second.output, "cannot serve the API on 127.0.0.1:" + port));
  first.signal(SIGTERM);
  CHECK(first.wait(10s) == 0);
}
