// The config file watcher behind hot reload: every way an operator or an
// editor changes a config file gives exactly one callback, other files in
// the directory give none, and the watcher stops promptly.
#include "runtime/file_watcher.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "tests/support/command.hpp"

using troupe::file_watcher;
using troupe::testing::temp_dir;
using namespace std::chrono_literals;

namespace {

constexpr auto debounce = 200ms;
constexpr auto arrival_limit = 5s;  // generous: CI machines are slow and shared
// Between the steps of one save: well inside the debounce period, yet long
// enough that the watcher reads the steps' events separately.
constexpr auto step_gap = 40ms;

using change_list = std::vector<std::string>;

// Collects the callbacks the watcher makes, for the test thread to wait on.
class recorder {
 public:
  file_watcher::callback callback() {
    return [this](const change_list& changed) {
      std::lock_guard lock(mutex_);
      calls_.push_back(changed);
      arrived_.notify_all();
    };
  }

  // The calls made, once there are at least `count` or `limit` passed.
  std::vector<change_list> wait_for(std::size_t count, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, limit, [&] { return calls_.size() >= count; });
    return calls_;
  }

  std::vector<change_list> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

  // Every call up to the one that names `marker` alone, once it came (or
  // `limit` passed): what a test checks for calls it should not have had.
  std::vector<change_list> until_marker(const std::string& marker, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, limit, [&] {
      return std::any_of(calls_.begin(), calls_.end(), [&](const change_list& call) {
        return std::find(call.begin(), call.end(), marker) != call.end();
      });
    });
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<change_list> calls_;
};

file_watcher started(troupe::result<file_watcher> attempt) {
  if (!attempt) throw std::runtime_error(attempt.failure().message);
  return std::move(attempt).value();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// A watched file no scenario touches: a change to it, once its callback
// has come, shows the watcher has reported everything before it. A late
// or repeated callback of the scenario comes before the marker's or is
// merged into it (the debounce coalesces), so either way the list differs.
struct marker_file {
  explicit marker_file(const temp_dir& dir) : path(dir.write("marker.yaml", "0\n")) {}

  std::vector<change_list> settle(recorder& seen) const {
    write_text(path, "1\n");
    return seen.until_marker(path, arrival_limit);
  }

  std::string path;
};

// What `mv tmp file` and editors that save by rename do.
void replace_by_rename(const temp_dir& dir, const std::string& path, const std::string& text) {
  const auto temporary = dir.file(".config.tmp");
  write_text(temporary, text);
  std::filesystem::rename(temporary, path);
}

}  // namespace

TEST_CASE("a file written in place gives one callback naming it") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", "pods: []\n");
  recorder seen;
  const marker_file marker(dir);
  auto watcher = started(file_watcher::start({config, marker.path}, seen.callback(), debounce));

  write_text(config, "pods: [a]\n");

  REQUIRE(seen.wait_for(1, arrival_limit).size() == 1);
  CHECK(marker.settle(seen) == std::vector<change_list>{{config}, {marker.path}});
}

TEST_CASE("a file replaced by rename is seen, and so is a later change") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", "pods: []\n");
  recorder seen;
  const marker_file marker(dir);
  auto watcher = started(file_watcher::start({config, marker.path}, seen.callback(), debounce));

  replace_by_rename(dir, config, "pods: [a]\n");
  REQUIRE(seen.wait_for(1, arrival_limit).size() == 1);

  SECTION("written in place afterwards") { write_text(config, "pods: [b]\n"); }
  SECTION("replaced by rename again") { replace_by_rename(dir, config, "pods: [b]\n"); }

  REQUIRE(seen.wait_for(2, arrival_limit).size() == 2);
  CHECK(marker.settle(seen) == std::vector<change_list>{{config}, {config}, {marker.path}});
}

TEST_CASE("a file copied over gives one callback") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", "pods: []\n");
  const auto replacement = dir.path() / "elsewhere";
  std::filesystem::create_directories(replacement);
  const auto source = (replacement / "troupe.yaml").string();
  write_text(source, "pods: [a]\n");
  recorder seen;
  const marker_file marker(dir);
  auto watcher = started(file_watcher::start({config, marker.path}, seen.callback(), debounce));

  std::filesystem::copy_file(source, config, std::filesystem::copy_options::overwrite_existing);

  REQUIRE(seen.wait_for(1, arrival_limit).size() == 1);
  CHECK(marker.settle(seen) == std::vector<change_list>{{config}, {marker.path}});
}

TEST_CASE("an editor's backup-and-rewrite save gives one callback") {
  // vim with backupcopy=no: move the original aside, write a new file, delete the backup.
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", "pods: []\n");
  recorder seen;
  const marker_file marker(dir);
  auto watcher = started(file_watcher::start({config, marker.path}, seen.callback(), debounce));

  std::filesystem::rename(config, config + "~");
  std::this_thread::sleep_for(step_gap);
  write_text(config, "pods: [a]\n");
  std::this_thread::sleep_for(step_gap);
  std::filesystem::remove(config + "~");

  REQUIRE(seen.wait_for(1, arrival_limit).size() == 1);
  CHECK(marker.settle(seen) == std::vector<change_list>{{config}, {marker.path}});
}

TEST_CASE("files saved together give one callback naming each, in the order given") {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() / "moods");
  const auto main_file = dir.write("troupe.yaml", "pods: []\n");
  const auto moods = dir.write("moods/moods.json", "{}\n");
  const auto untouched = dir.write("groups.json", "{}\n");
  recorder seen;
  const marker_file marker(dir);
  auto watcher =
      started(file_watcher::start({main_file, moods, untouched, marker.path}, seen.callback(), debounce));

  write_text(moods, "{\"moods\": []}\n");
  std::this_thread::sleep_for(step_gap);
  replace_by_rename(dir, main_file, "pods: [a]\n");

  REQUIRE(seen.wait_for(1, arrival_limit).size() == 1);
  CHECK(marker.settle(seen) == std::vector<change_list>{{main_file, moods}, {marker.path}});
}

TEST_CASE("changes to other files in the watched directory give no callback") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", "pods: []\n");
  recorder seen;
  const marker_file marker(dir);
  auto watcher = started(file_watcher::start({config, marker.path}, seen.callback(), debounce));

  write_text(dir.file("troupe.yaml.bak"), "x\n");
  replace_by_rename(dir, dir.file("other.yaml"), "y\n");
  std::filesystem::remove(dir.file("troupe.yaml.bak"));
  CHECK(marker.settle(seen) == std::vector<change_list>{{marker.path}});

  // The watcher was listening all along.
  write_text(config, "pods: [a]\n");
  CHECK(seen.wait_for(2, arrival_limit) == std::vector<change_list>{{marker.path}, {config}});
}

TEST_CASE("the destructor returns promptly, even with a change pending") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", "pods: []\n");
  recorder seen;
  auto watcher = std::make_optional(started(file_watcher::start({config}, seen.callback(), 10s)));
  write_text(config, "pods: [a]\n");
  std::this_thread::sleep_for(100ms);  // let the watcher see the change and start its quiet period

  const auto before = std::chrono::steady_clock::now();
  watcher.reset();
  CHECK(std::chrono::steady_clock::now() - before < 1s);
  CHECK(seen.calls().empty());
}

TEST_CASE("a moved watcher keeps reporting") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", "pods: []\n");
  recorder seen;
  auto first = started(file_watcher::start({config}, seen.callback(), debounce));
  file_watcher second = std::move(first);

  write_text(config, "pods: [a]\n");
  CHECK(seen.wait_for(1, arrival_limit) == std::vector<change_list>{{config}});
}

TEST_CASE("starting fails clearly when there is nothing to watch or a directory is missing") {
  temp_dir dir;
  recorder seen;

  auto missing = file_watcher::start({dir.file("absent/troupe.yaml")}, seen.callback());
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.failure().message, Catch::Contains(dir.file("absent")) &&
                                            Catch::Contains("No such file or directory"));

  auto not_a_directory = file_watcher::start({dir.write("file", "") + "/troupe.yaml"}, seen.callback());
  REQUIRE_FALSE(not_a_directory);
  CHECK_THAT(not_a_directory.failure().message, Catch::Contains("Not a directory"));

  auto nothing = file_watcher::start({}, seen.callback());
  REQUIRE_FALSE(nothing);
  CHECK_THAT(nothing.failure().message, Catch::Contains("no files"));
}
