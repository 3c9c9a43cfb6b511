// The daemon's log file as operators rely on it: rotation at its size limit
// with a bounded number of backups (also in a real `troupe run` configured
// through log.maxSizeBytes and log.maxFiles), JSON lines that parse, and
// --log-level winning over log.level.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/logging.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/support/command.hpp"

using troupe::testing::read_file;
using troupe::testing::temp_dir;

namespace {

std::vector<std::string> lines_in(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// N of a line logged as "line N ...".
int line_number(const std::string& line) {
  const auto at = line.find("line ");
  return at == std::string::npos ? -1 : std::stoi(line.substr(at + 5));
}

troupe::config::log_config file_log(const temp_dir& dir) {
  troupe::config::log_config settings;
  settings.file = dir.file("troupe.log");
  return settings;
}

// Writes out the lines and puts the default logger back, so other cases start clean.
struct logger_reset {
  ~logger_reset() {
    troupe::drain_logging();
    troupe::configure_console_logging("off");
  }
};

}  // namespace

TEST_CASE("the log file rotates at its size limit and keeps log.maxFiles backups") {
  temp_dir dir;
  logger_reset reset;
  auto settings = file_log(dir);
  settings.max_size_bytes = 4096;
  settings.max_files = 2;
  REQUIRE(troupe::configure_logging(settings, std::nullopt).ok());
  const std::string filler(100, 'x');
  for (int i = 0; i < 400; ++i) spdlog::info("line {} {}", i, filler);  // about 60 KB
  troupe::drain_logging();  // the lines queued for the logging thread are written

  namespace fs = std::filesystem;
  CHECK(fs::exists(dir.file("troupe.log")));
  CHECK(fs::exists(dir.file("troupe.1.log")));
  CHECK(fs::exists(dir.file("troupe.2.log")));
  CHECK_FALSE(fs::exists(dir.file("troupe.3.log")));
  for (const auto* name : {"troupe.log", "troupe.1.log", "troupe.2.log"}) {
    CHECK(fs::file_size(dir.file(name)) <= 4096);
  }
  // The newest lines are in the current file, the last one included.
  const auto current = lines_in(dir.file("troupe.log"));
  REQUIRE_FALSE(current.empty());
  CHECK(current.back().find("line 399 ") != std::string::npos);
  // The backups hold the lines just before, oldest in troupe.2.log, none
  // lost between the files; only lines older than the last backup are gone.
  std::vector<int> numbers;
  for (const auto* name : {"troupe.2.log", "troupe.1.log", "troupe.log"}) {
    const auto lines = lines_in(dir.file(name));
    // A backup was rotated nearly full: 4096 bytes of ~140-byte lines (the current file may have just begun).
    if (std::string(name) != "troupe.log") CHECK(lines.size() > 20);
    for (const auto& line : lines) numbers.push_back(line_number(line));
  }
  CHECK(numbers.back() == 399);
  CHECK(numbers.front() > 0);
  for (std::size_t i = 1; i < numbers.size(); ++i) {
    INFO("line " << i);
    CHECK(numbers[i] == numbers[i - 1] + 1);
  }
}

TEST_CASE("troupe run rotates its log file at log.maxSizeBytes and keeps log.maxFiles backups") {
  temp_dir dir;
  const auto base = dir.write("troupe.yaml", troupe::testing::daemon_config(dir, 1, ""));
  // A later file wins per top-level key: this log section replaces the base's.
  const auto small_log = dir.write("log.yaml", "aol: {tickMs: 50}\n"
                                               "log: {file: \"" + dir.file("troupe.log") +
                                               "\", level: debug, maxSizeBytes: 4096, maxFiles: 2}\n");
  namespace fs = std::filesystem;
  const auto started_in = [&](const char* name) {
    return read_file(dir.file(name)).find("starting; config from") != std::string::npos;
  };
  {
    troupe::testing::running_daemon daemon(dir, std::vector<std::string>{base, small_log});
    // One AOL tick line at debug every 50 ms, besides the rest: at the
    // third rotation the first file, with the start-up lines, is dropped.
    REQUIRE(troupe::testing::eventually(
        [&] { return fs::exists(dir.file("troupe.2.log")) && !started_in("troupe.2.log"); },
        std::chrono::seconds(90)));
  }  // stopped: the files hold still while they are looked at
  for (const auto* name : {"troupe.1.log", "troupe.2.log"}) {
    INFO(name);
    CHECK(fs::file_size(dir.file(name)) <= 4096);
    CHECK(fs::file_size(dir.file(name)) > 2048);
  }
  CHECK(fs::file_size(dir.file("troupe.log")) <= 4096);
  CHECK_FALSE(fs::exists(dir.file("troupe.3.log")));
  CHECK_FALSE(started_in("troupe.1.log"));
  CHECK_FALSE(started_in("troupe.log"));
}

TEST_CASE("JSON log lines parse, with quotes and newlines in a message escaped") {
  temp_dir dir;
  logger_reset reset;
  auto settings = file_log(dir);
  settings.json = true;
  REQUIRE(troupe::configure_logging(settings, std::nullopt).ok());
  spdlog::warn("a \"quoted\" word\nand a second line\t\\ done");
  troupe::drain_logging();  // the lines queued for the logging thread are written
  const auto lines = lines_in(dir.file("troupe.log"));
  REQUIRE(lines.size() == 1);
  const auto parsed = boost::json::parse(lines.front());
  CHECK(parsed.at("level") == "warning");
  CHECK(parsed.at("msg") == "a \"quoted\" word\nand a second line\t\\ done");
  CHECK(parsed.at("ts").is_string());
}

TEST_CASE("the --log-level option wins over log.level, and an unknown level is refused") {
  temp_dir dir;
  logger_reset reset;
  auto settings = file_log(dir);
  settings.level = "error";
  REQUIRE(troupe::configure_logging(settings, std::nullopt).ok());
  spdlog::info("hidden by log.level");
  REQUIRE(troupe::configure_logging(settings, std::string("debug")).ok());
  spdlog::debug("shown by --log-level");
  troupe::drain_logging();  // the lines queued for the logging thread are written
  std::string text;
  for (const auto& line : lines_in(dir.file("troupe.log"))) text += line + "\n";
  CHECK(text.find("hidden by log.level") == std::string::npos);
  CHECK(text.find("shown by --log-level") != std::string::npos);

  const auto refused = troupe::configure_logging(settings, std::string("loud"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.failure().message.find("loud") != std::string::npos);
}
