// The unit files in tools/systemd pass `systemd-analyze verify` without a
// warning (a copy of each runs the troupe binary just built: verify wants
// ExecStart='s program to exist), and keep what an operator relies on.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "tests/support/command.hpp"

using namespace troupe::testing;

namespace {

// The program's path found in PATH, or empty.
std::string find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream directories(path ? path : "/usr/bin:/bin");
  for (std::string directory; std::getline(directories, directory, ':');) {
    const auto candidate = std::filesystem::path(directory) / program;
    if (!directory.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

std::string unit_file(const std::string& name) {
  return read_file(std::string(TROUPE_SOURCE_DIR) + "/tools/systemd/" + name);
}

// `text` with every `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Copies the unit files into `dir`, running the troupe binary just built.
void copy_units_running_the_built_binary(const temp_dir& dir) {
  for (const char* name : {"troupe.service", "troupe@.service"}) {
    dir.write(name, replaced(unit_file(name), "/usr/local/bin/troupe ",
                             std::string(TROUPE_BINARY) + " "));
  }
}

}  // namespace

TEST_CASE("both unit files pass systemd-analyze verify without a warning") {
  const auto analyze = find_in_path("systemd-analyze");
  INFO("systemd-analyze is in the systemd package: tools/install-deps installs it");
  REQUIRE_FALSE(analyze.empty());
  temp_dir dir;
  copy_units_running_the_built_binary(dir);
  // The template is verified as an instance, with %i expanded.
  for (const char* unit : {"troupe.service", "troupe@podA.service"}) {
    const auto verified = run_command({analyze, "verify", dir.file(unit)}, dir);
    INFO(unit << ": " << verified.output);
    CHECK(verified.exit_code == 0);
    CHECK(verified.output.empty());
  }
}

TEST_CASE(
    "systemd-analyze verify would catch a unit file that runs no program or has an unknown key") {
  const auto analyze = find_in_path("systemd-analyze");
  REQUIRE_FALSE(analyze.empty());
  temp_dir dir;
  dir.write("troupe.service",
            unit_file("troupe.service"));  // /usr/local/bin/troupe is not installed here
  const auto missing_program = run_command({analyze, "verify", dir.file("troupe.service")}, dir);
  CHECK(missing_program.exit_code != 0);
  copy_units_running_the_built_binary(dir);
  dir.write("troupe.service", replaced(read_file(dir.file("troupe.service")), "Type=notify",
                                       "Type=notify\nWatchdogSecs=60"));
  const auto unknown_key = run_command({analyze, "verify", dir.file("troupe.service")}, dir);
  CHECK(unknown_key.output.find("Unknown key") != std::string::npos);
}

TEST_CASE(
    "the units run troupe as a Type=notify service with a watchdog, a reload by SIGHUP and a start "
    "limit") {
  for (const char* name : {"troupe.service", "troupe@.service"}) {
    const auto unit = unit_file(name);
    INFO(name);
    for (const char* line :
         {"Type=notify", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID",
          "StartLimitIntervalSec=10min", "StartLimitBurst=5", "WatchdogSec=60s", "KillMode=mixed",
          "User=troupe", "WorkingDirectory=/var/lib/troupe"}) {
      CHECK(unit.find(std::string("\n") + line + "\n") != std::string::npos);
    }
  }
  CHECK(unit_file("troupe.service")
            .find("ExecStart=/usr/local/bin/troupe run --config /etc/troupe/troupe.yaml\n") !=
        std::string::npos);
  CHECK(unit_file("troupe@.service").find(" --pod %i\n") != std::string::npos);
}
