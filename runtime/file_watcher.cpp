#include "runtime/file_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "runtime/driver/unique_fd.hpp"

namespace troupe {
namespace {

using driver::unique_fd;
using steady = std::chrono::steady_clock;

// Events on a name in a watched directory that may change a file's content:
// written in place (MODIFY, CLOSE_WRITE), created, renamed onto or away,
// deleted. Any of them restarts the quiet period.
constexpr std::uint32_t name_events =
    IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;
// The watched directory itself going away.
constexpr std::uint32_t directory_events = IN_DELETE_SELF | IN_MOVE_SELF;

std::string errno_message(int number) { return std::system_category().message(number); }

struct watched_file {
  std::string spelling;   // as given to start()
  std::string directory;  // absolute
  std::string name;       // the last component
};

// The indexes of the watched files in one directory, by watch descriptor.
using watched_directories = std::map<int, std::vector<std::size_t>>;

// The files with their absolute directories; the same file spelled twice is kept once.
result<std::vector<watched_file>> resolve(const std::vector<std::string>& files) {
  std::vector<watched_file> resolved;
  std::set<std::filesystem::path> seen;
  for (const auto& spelling : files) {
    std::error_code failure;
    const auto absolute = std::filesystem::absolute(spelling, failure).lexically_normal();
    if (failure) return error{"cannot watch " + spelling + ": " + failure.message()};
    if (!absolute.has_filename()) return error{"cannot watch " + spelling + ": not a file path"};
    if (!seen.insert(absolute).second) continue;
    resolved.push_back({spelling, absolute.parent_path().string(), absolute.filename().string()});
  }
  return resolved;
}

// Milliseconds until `deadline`, rounded up so poll() never wakes early.
int poll_timeout(const std::optional<steady::time_point>& deadline) {
  if (!deadline) return -1;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - steady::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

}  // namespace

class file_watcher::impl {
 public:
  impl(std::vector<watched_file> files, watched_directories directories,
       unique_fd inotify, unique_fd wake, callback on_change, std::chrono::milliseconds debounce)
      : files_(std::move(files)),
        directories_(std::move(directories)),
        inotify_(std::move(inotify)),
        wake_(std::move(wake)),
        on_change_(std::move(on_change)),
        debounce_(debounce),
        pending_(files_.size(), false),
        thread_([this] { run(); }) {}

  ~impl() {
    const std::uint64_t one = 1;
    // An eventfd write of 1 cannot fail short of a counter overflow.
    [[maybe_unused]] const auto written = ::write(wake_.get(), &one, sizeof one);
    thread_.join();
  }

  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

 private:
  void run() {
    for (;;) {
      pollfd watched[2] = {{inotify_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
      if (::poll(watched, 2, poll_timeout(deadline_)) < 0) {
        if (errno == EINTR) continue;
        spdlog::error("config file watcher stopped: poll failed: {}", errno_message(errno));
        return;
      }
      if (watched[1].revents != 0) return;
      if (watched[0].revents != 0) read_events();
      if (deadline_ && steady::now() >= *deadline_) report();
    }
  }

  // Drains the inotify descriptor, marking the watched files the events touch.
  void read_events() {
    alignas(inotify_event) char buffer[64 * 1024];
    for (;;) {
      const ssize_t length = ::read(inotify_.get(), buffer, sizeof buffer);
      if (length <= 0) return;  // EAGAIN: drained
      for (ssize_t offset = 0; offset < length;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
        handle(*event);
        offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
  }

  void handle(const inotify_event& event) {
    if (event.mask & IN_Q_OVERFLOW) {  // events were lost: any file may have changed
      for (std::size_t index = 0; index < files_.size(); ++index) mark(index);
      return;
    }
    auto directory = directories_.find(event.wd);
    if (directory == directories_.end()) return;
    if (event.mask & (directory_events | IN_IGNORED)) {
      for (std::size_t index : directory->second) mark(index);
      // A moved directory would go on reporting from its new place.
      if (event.mask & IN_MOVE_SELF) ::inotify_rm_watch(inotify_.get(), event.wd);
      if (event.mask & IN_IGNORED) directories_.erase(directory);
      return;
    }
    if (event.len == 0) return;
    const std::string name = event.name;
    for (std::size_t index : directory->second) {
      if (files_[index].name == name) mark(index);
    }
  }

  void mark(std::size_t index) {
    pending_[index] = true;
    deadline_ = steady::now() + debounce_;
  }

  // The files have been quiet for the debounce period: one callback for all.
  void report() {
    std::vector<std::string> changed;
    for (std::size_t index = 0; index < files_.size(); ++index) {
      if (pending_[index]) changed.push_back(files_[index].spelling);
      pending_[index] = false;
    }
    deadline_.reset();
    try {
      on_change_(changed);
    } catch (const std::exception& failure) {
      spdlog::error("config file change handler failed: {}", failure.what());
    }
  }

  const std::vector<watched_file> files_;
  watched_directories directories_;
  const unique_fd inotify_;
  const unique_fd wake_;  // an eventfd: readable once the watcher must stop
  const callback on_change_;
  const std::chrono::milliseconds debounce_;
  std::vector<bool> pending_;                 // by file index
  std::optional<steady::time_point> deadline_;  // set while changes are pending
  std::thread thread_;                        // last: starts once everything above exists
};

result<file_watcher> file_watcher::start(const std::vector<std::string>& files, callback on_change,
                                         std::chrono::milliseconds debounce) {
  if (files.empty()) return error{"no files to watch"};
  auto resolved = resolve(files);
  if (!resolved) return resolved.failure();

  unique_fd inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify.valid()) return error{"cannot start watching files: inotify: " + errno_message(errno)};
  watched_directories directories;
  for (std::size_t index = 0; index < resolved->size(); ++index) {
    const auto& file = (*resolved)[index];
    // The same directory gives the same watch descriptor every time.
    const int watch = ::inotify_add_watch(inotify.get(), file.directory.c_str(),
                                          name_events | directory_events | IN_ONLYDIR);
    if (watch < 0) {
      return error{"cannot watch " + file.spelling + ": directory " + file.directory + ": " +
                   errno_message(errno)};
    }
    directories[watch].push_back(index);
  }
  unique_fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) return error{"cannot start watching files: eventfd: " + errno_message(errno)};

  try {
    return file_watcher(std::make_unique<impl>(std::move(resolved).value(), std::move(directories),
                                               std::move(inotify), std::move(wake),
                                               std::move(on_change), debounce));
  } catch (const std::system_error& failure) {
    return error{std::string("cannot start watching files: thread: ") + failure.what()};
  }
}

file_watcher::file_watcher(std::unique_ptr<impl> running) : impl_(std::move(running)) {}
file_watcher::file_watcher(file_watcher&&) noexcept = default;
file_watcher& file_watcher::operator=(file_watcher&&) noexcept = default;
file_watcher::~file_watcher() = default;

}  // namespace troupe
