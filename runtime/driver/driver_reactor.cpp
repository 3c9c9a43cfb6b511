#include "runtime/driver/driver_reactor.hpp"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/driver/running_driver.hpp"
#include "runtime/driver/unique_fd.hpp"

namespace troupe::driver {
namespace {

using clock = running_driver::clock;

constexpr std::size_t read_chunk_bytes = std::size_t{64} * 1024;
constexpr int events_per_wait = 64;

// What an epoll event is about: the low two bits of its data, above them
// the run's id (ids start at 1, so 0 is the wakeup eventfd).
enum class watched : std::uint64_t {
  wakeup = 0,
  standard_output = 1,
  standard_error = 2,
  exit = 3
};

std::uint64_t event_key(std::uint64_t run_id, watched what) {
  return (run_id << 2) | static_cast<std::uint64_t>(what);
}

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Calls `callback`, swallowing what it throws: the reactor's thread must
// outlive any one run's misbehaving observer.
template <class Callback, class... Args>
void call_quietly(const Callback& callback, Args&&... args) noexcept {
  try {
    if (callback) callback(std::forward<Args>(args)...);
  } catch (...) {
  }
}

driver_outcome cancelled_before_start() {
  driver_outcome outcome;
  outcome.kind = outcome_kind::cancelled;
  outcome.error = "cancelled before the driver started";
  return outcome;
}

// A run asked for and not yet started: the reactor's thread starts it.
struct requested_run {
  driver_invocation invocation;
  std::shared_ptr<const cancel_token> cancel;
  progress_callback on_progress;
  finished_callback on_finished;
};

struct watched_run {
  std::uint64_t id;
  running_driver driver;
  std::shared_ptr<const cancel_token> cancel;
  cancel_subscription wake_on_cancel;
  finished_callback on_finished;
};

}  // namespace

class driver_reactor::loop {
 public:
  loop()
      : epoll_(::epoll_create1(EPOLL_CLOEXEC)),
        wakeup_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
        buffer_(read_chunk_bytes) {
    if (!epoll_.valid()) fail("epoll_create1");
    if (!wakeup_.valid()) fail("eventfd");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = event_key(0, watched::wakeup);
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wakeup_.get(), &event) != 0) fail("epoll_ctl");
    thread_ = std::thread([this] { run(); });
    ::pthread_setname_np(thread_.native_handle(), "troupe.drivers");
  }

  ~loop() {
    {
      std::lock_guard<std::mutex> guard(lock_);
      stopping_ = true;
    }
    wake();
    thread_.join();
  }

  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;

  void start(driver_invocation invocation, std::shared_ptr<const cancel_token> cancel,
             progress_callback on_progress, finished_callback on_finished) {
    auto quiet_progress = [relay = std::move(on_progress)](const std::string& line) {
      call_quietly(relay, line);
    };
    {
      std::lock_guard<std::mutex> guard(lock_);
      requested_.push_back(requested_run{std::move(invocation), std::move(cancel),
                                         std::move(quiet_progress), std::move(on_finished)});
    }
    wake();
  }

  std::size_t running() const { return running_.load(std::memory_order_relaxed); }

 private:
  void run() {
    epoll_event events[events_per_wait];
    while (start_requested()) {
      const int ready = ::epoll_wait(epoll_.get(), events, events_per_wait, wait_ms(clock::now()));
      if (ready < 0 && errno != EINTR) {
        fail_every_run("waiting for the drivers failed: " + std::generic_category().message(errno));
        continue;
      }
      const auto now = clock::now();
      for (int index = 0; index < ready; ++index) dispatch(events[index].data.u64, now);
      advance_runs(now);
    }
  }

  // Starts the runs asked for since the last look and watches them.
  // Returns false when the loop must stop.
  bool start_requested() {
    std::vector<requested_run> requested;
    {
      std::lock_guard<std::mutex> guard(lock_);
      if (stopping_) return false;
      requested.swap(requested_);
    }
    for (auto& request : requested) launch(std::move(request));
    running_.store(runs_.size(), std::memory_order_relaxed);
    return true;
  }

  void launch(requested_run request) {
    if (request.cancel && request.cancel->cancelled()) {
      return call_quietly(request.on_finished, cancelled_before_start());
    }
    auto started = running_driver::start(request.invocation, std::move(request.on_progress));
    if (auto* outcome = std::get_if<driver_outcome>(&started)) {
      return call_quietly(request.on_finished, std::move(*outcome));
    }
    auto run =
        std::make_unique<watched_run>(watched_run{next_id_++,
                                                  std::move(std::get<running_driver>(started)),
                                                  std::move(request.cancel),
                                                  {},
                                                  std::move(request.on_finished)});
    // The loop looks at every run's token each time it wakes, so a cancel
    // only has to wake it.
    if (run->cancel) run->wake_on_cancel = run->cancel->watch([this] { wake(); });
    if (auto added = watch_run(*run); !added) {
      auto outcome = run->driver.finish(added.failure().message);
      return report(std::move(run), std::move(outcome));
    }
    const auto id = run->id;
    runs_.emplace(id, std::move(run));
  }

  status watch_run(const watched_run& run) {
    const auto add = [&](int fd, watched what, std::uint32_t flags) {
      epoll_event event{};
      event.events = flags;
      event.data.u64 = event_key(run.id, what);
      return fd < 0 || ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) == 0;
    };
    // The pidfd stays readable once the leader exited: one event is enough.
    if (add(run.driver.stdout_fd(), watched::standard_output, EPOLLIN) &&
        add(run.driver.stderr_fd(), watched::standard_error, EPOLLIN) &&
        add(run.driver.exit_fd(), watched::exit, EPOLLIN | EPOLLONESHOT)) {
      return {};
    }
    return error{"cannot watch the driver: " + std::generic_category().message(errno)};
  }

  // Handles one event. A pipe closed after its end is removed from the
  // epoll set by close(), so an event of a run already gone is ignored.
  void dispatch(std::uint64_t key, clock::time_point now) {
    const auto what = static_cast<watched>(key & 3);
    if (what == watched::wakeup) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto drained = ::read(wakeup_.get(), &count, sizeof count);
      return;
    }
    const auto found = runs_.find(key >> 2);
    if (found == runs_.end()) return;
    auto& driver = found->second->driver;
    switch (what) {
      case watched::standard_output:
        return driver.read_output(output_stream::standard_output, buffer_);
      case watched::standard_error:
        return driver.read_output(output_stream::standard_error, buffer_);
      case watched::exit:
        return driver.leader_exited(now);
      case watched::wakeup:
        return;
    }
  }

  // Applies cancels and deadlines, then reports and forgets finished runs.
  void advance_runs(clock::time_point now) {
    for (auto entry = runs_.begin(); entry != runs_.end();) {
      auto& run = *entry->second;
      if (run.cancel && run.cancel->cancelled()) run.driver.cancel(now);
      run.driver.advance(now);
      if (!run.driver.done(now)) {
        ++entry;
        continue;
      }
      auto finished = std::move(entry->second);
      entry = runs_.erase(entry);
      auto outcome = finished->driver.finish();
      report(std::move(finished), std::move(outcome));
    }
  }

  void fail_every_run(const std::string& why) {
    while (!runs_.empty()) {
      auto failed = std::move(runs_.begin()->second);
      runs_.erase(runs_.begin());
      auto outcome = failed->driver.finish(why);
      report(std::move(failed), std::move(outcome));
    }
  }

  // Forgets `run` (closing its last descriptor) before telling its
  // observer, so that whoever learns of the end finds nothing of it left.
  void report(std::unique_ptr<watched_run> run, driver_outcome outcome) {
    auto on_finished = std::move(run->on_finished);
    run.reset();
    running_.store(runs_.size(), std::memory_order_relaxed);
    call_quietly(on_finished, std::move(outcome));
  }

  // Milliseconds until the earliest deadline of any run (-1: none).
  int wait_ms(clock::time_point now) const {
    std::optional<clock::time_point> next;
    for (const auto& [id, run] : runs_) {
      const auto due = run->driver.next_deadline();
      if (due && (!next || *due < *next)) next = due;
    }
    if (!next) return -1;
    if (*next <= now) return 0;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
    return static_cast<int>(std::min<long long>(wait, std::numeric_limits<int>::max()));
  }

  void wake() {
    const std::uint64_t one = 1;
    // write() fails only when the counter would overflow, and then the
    // eventfd is readable already, which is all the loop needs.
    [[maybe_unused]] const auto written = ::write(wakeup_.get(), &one, sizeof one);
  }

  unique_fd epoll_;
  unique_fd wakeup_;  // an eventfd: start() and cancels wake the loop
  std::vector<char> buffer_;
  std::uint64_t next_id_ = 1;  // the loop's own
  std::atomic<std::size_t> running_{0};
  std::mutex lock_;  // guards requested_ and stopping_
  std::vector<requested_run> requested_;
  bool stopping_ = false;
  std::unordered_map<std::uint64_t, std::unique_ptr<watched_run>> runs_;  // the loop's own
  std::thread thread_;
};

driver_reactor& driver_reactor::shared() {
  static driver_reactor reactor;
  return reactor;
}

driver_reactor::driver_reactor() : loop_(std::make_unique<loop>()) {}

driver_reactor::~driver_reactor() = default;

void driver_reactor::start(driver_invocation invocation, std::shared_ptr<const cancel_token> cancel,
                           progress_callback on_progress, finished_callback on_finished) {
  loop_->start(std::move(invocation), std::move(cancel), std::move(on_progress),
               std::move(on_finished));
}

std::size_t driver_reactor::running() const { return loop_->running(); }

}  // namespace troupe::driver
