// Spawn-to-exit time of one session: a session actor (actors/session.hpp)
// running the real sim-driver, started one after the other by an owner
// actor on CAF's real scheduler, against a bare posix_spawn + waitpid of the
// same program with the same arguments and environment, in the same run.
// The sim-driver is told to do nothing: `reels.js --seconds 0` with
// SIM_DRIVER_TIME_SCALE=0 and SIM_DRIVER_PROGRESS=0 writes one result line
// and one stderr line and exits 0.
#include <fcntl.h>
#include <sys/resource.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "actors/session.hpp"
#include "bench_support.hpp"
#include "messages/registration.hpp"
#include "messages/sessions.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/result.hpp"

namespace {

using namespace troupe;
using done_atom = caf::atom_constant<caf::atom("done")>;

struct session_tally {
  std::int64_t started = 0;
  std::int64_t finished = 0;
  std::int64_t succeeded = 0;
  std::string last_failure;
};

struct owner_state {
  std::int64_t remaining = 0;
  session_tally tally;
};

// Everything a session needs besides its owner.
struct session_setup {
  std::shared_ptr<const node_context> context;
  std::shared_ptr<const config::troupe_config> config;
  msg::session_spec spec;
};

void start_next(caf::stateful_actor<owner_state>* self, const session_setup& setup) {
  actors::spawn_session(self, setup.context, *setup.config, setup.spec, std::nullopt, 0,
                        std::make_shared<driver::cancel_token>());
}

// Runs `sessions` sessions one after the other: the next starts when the
// previous one reported session_finished. Then reports its tally.
caf::behavior session_owner(caf::stateful_actor<owner_state>* self, session_setup setup,
                            std::int64_t sessions, caf::actor reporter) {
  self->state.remaining = sessions;
  start_next(self, setup);
  return {
      [=](const msg::session_started&) { ++self->state.tally.started; },
      [](const msg::session_progress&) {},
      [=](const msg::session_finished& finished) {
        auto& tally = self->state.tally;
        ++tally.finished;
        if (finished.outcome == "success") {
          ++tally.succeeded;
        } else {
          tally.last_failure = finished.outcome + " (exit " + std::to_string(finished.exit_code) +
                               ") " + finished.error;
        }
        if (--self->state.remaining > 0) return start_next(self, setup);
        self->send(reporter, done_atom::value, tally.started, tally.finished, tally.succeeded,
                   tally.last_failure);
        self->quit();
      },
  };
}

// posix_spawn's file actions for a child whose stdin, stdout and stderr are
// /dev/null; destroyed with the object.
class null_stdio {
 public:
  null_stdio() {
    status_ = posix_spawn_file_actions_init(&actions_);
    for (int fd = STDIN_FILENO; status_ == 0 && fd <= STDERR_FILENO; ++fd) {
      status_ = posix_spawn_file_actions_addopen(&actions_, fd, "/dev/null",
                                                 fd == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0);
    }
  }
  ~null_stdio() { posix_spawn_file_actions_destroy(&actions_); }
  null_stdio(const null_stdio&) = delete;
  null_stdio& operator=(const null_stdio&) = delete;
  bool ok() const { return status_ == 0; }
  const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
  int status_ = 0;
};

// argv or envp for posix_spawn: pointers into `storage`, null-terminated.
std::vector<char*> c_strings(std::vector<std::string>& storage) {
  std::vector<char*> pointers;
  for (auto& text : storage) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Spawns and reaps the driver `runs` times; returns the wall seconds, or an
// error when a run could not start or did not exit 0.
result<double> run_bare(const driver::driver_invocation& invocation, std::int64_t runs) {
  null_stdio stdio;
  if (!stdio.ok()) return error{"cannot prepare posix_spawn's file actions"};
  std::vector<std::string> argv_storage{invocation.program};
  argv_storage.insert(argv_storage.end(), invocation.args.begin(), invocation.args.end());
  std::vector<std::string> envp_storage;
  for (const auto& [name, value] : invocation.env) envp_storage.push_back(name + "=" + value);
  auto argv = c_strings(argv_storage);
  auto envp = c_strings(envp_storage);
  bench::stopwatch watch;
  for (std::int64_t run = 0; run < runs; ++run) {
    pid_t pid = -1;
    if (const int code = posix_spawn(&pid, invocation.program.c_str(), stdio.get(), nullptr,
                                     argv.data(), envp.data());
        code != 0) {
      return error{"posix_spawn " + invocation.program + ": " + std::strerror(code)};
    }
    int wait_status = 0;
    while (::waitpid(pid, &wait_status, 0) < 0) {
      if (errno != EINTR) return error{std::string("waitpid: ") + std::strerror(errno)};
    }
    if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
      return error{"the bare run of " + invocation.program + " did not exit 0"};
    }
  }
  return watch.seconds();
}

// CPU time and context switches of this process: all its threads (CAF's
// scheduler, the driver reactor, the session actors), not the drivers.
struct process_usage {
  double cpu_seconds = 0;
  double context_switches = 0;

  static process_usage now() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& time) { return time.tv_sec + time.tv_usec / 1e6; };
    return {seconds(usage.ru_utime) + seconds(usage.ru_stime),
            static_cast<double>(usage.ru_nvcsw + usage.ru_nivcsw)};
  }
  process_usage operator-(const process_usage& earlier) const {
    return {cpu_seconds - earlier.cpu_seconds, context_switches - earlier.context_switches};
  }
};

// Per-measurement usage of one kind of run, reported as medians.
struct usage_series {
  std::vector<double> cpu_seconds;
  std::vector<double> context_switches;
  void add(const process_usage& usage) {
    cpu_seconds.push_back(usage.cpu_seconds);
    context_switches.push_back(usage.context_switches);
  }
};

struct timed_sessions {
  double seconds = 0;
  session_tally tally;
};

timed_sessions run_sessions(caf::actor_system& sys, const session_setup& setup,
                            std::int64_t sessions) {
  caf::scoped_actor self{sys};
  timed_sessions timed;
  bench::stopwatch watch;
  sys.spawn(session_owner, setup, sessions, caf::actor{self});
  self->receive([&](done_atom, std::int64_t started, std::int64_t finished, std::int64_t succeeded,
                    std::string& last_failure) {
    timed.tally = session_tally{started, finished, succeeded, std::move(last_failure)};
  });
  timed.seconds = watch.seconds();
  return timed;
}

session_setup make_setup(caf::actor_system& sys, const std::string& sim_driver,
                         const std::string& log_dir) {
  auto config = std::make_shared<config::troupe_config>();
  config->drivers.log_dir = log_dir;
  config->drivers.env = {{"SIM_DRIVER_TIME_SCALE", "0"}, {"SIM_DRIVER_PROGRESS", "0"}};
  const auto epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  auto context = std::make_shared<node_context>(
      node_context{wall_clock(epoch_ms, sys.clock().now()), 1, std::nullopt, sim_driver,
                   driver::daemon_environment(), false, caf::actor{}, caf::actor{}, nullptr, {}});
  msg::session_spec spec;
  spec.session_id = "s";
  spec.pod = "bench-pod";
  spec.account_id = "p";
  spec.activity = "reels";
  spec.script = "reels.js";
  spec.args = driver::session_arguments(spec.script, spec.account_id, std::nullopt, 0,
                                        spec.session_id, false, {});
  spec.timeout_ms = 60'000;
  return session_setup{context, config, spec};
}

// The invocation the bare runs repeat: what the session actor would run.
driver::driver_invocation bare_invocation(const session_setup& setup) {
  driver::driver_invocation invocation;
  invocation.program = *setup.context->driver_program;
  invocation.args = setup.spec.args;
  invocation.env = driver::child_environment(
      setup.context->daemon_env, setup.config->drivers.pass_env, setup.config->drivers.env);
  return invocation;
}

int run(const std::string& sim_driver, std::int64_t sessions, int repeats,
        const std::string& log_dir) {
  caf::actor_system_config cfg;
  bench::two_scheduler_threads(cfg);
  msg::register_message_types(cfg);
  caf::actor_system sys{cfg};
  const auto setup = make_setup(sys, sim_driver, log_dir);
  const auto invocation = bare_invocation(setup);

  std::vector<double> bare_s;
  std::vector<double> session_s;
  usage_series bare_usage;
  usage_series session_usage;
  session_tally total;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    const auto before_bare = process_usage::now();
    auto bare = run_bare(invocation, sessions);
    if (!bare) {
      std::cerr << "bare run failed: " << bare.failure().message << "\n";
      return 1;
    }
    bare_s.push_back(*bare);
    const auto before_sessions = process_usage::now();
    bare_usage.add(before_sessions - before_bare);
    auto timed = run_sessions(sys, setup, sessions);
    session_usage.add(process_usage::now() - before_sessions);
    session_s.push_back(timed.seconds);
    total.started += timed.tally.started;
    total.finished += timed.tally.finished;
    total.succeeded += timed.tally.succeeded;
    if (!timed.tally.last_failure.empty()) total.last_failure = timed.tally.last_failure;
  }
  const double n = static_cast<double>(sessions);
  const double session_ms = bench::median(session_s) / n * 1e3;
  const double bare_ms = bench::median(bare_s) / n * 1e3;
  std::cout << "session spawn-to-exit: " << bench::fixed(session_ms, 3)
            << " ms per session via session actor, " << bench::fixed(bare_ms, 3)
            << " ms bare posix_spawn + waitpid, ratio " << bench::ratio(session_ms, bare_ms)
            << ", overhead " << bench::fixed(session_ms - bare_ms, 3) << " ms per session\n"
            << "  median of " << repeats << " interleaved runs of " << sessions
            << " sequential sessions each, scheduler.max-threads=2\n"
            << "  both run: " << sim_driver;
  for (const auto& arg : invocation.args) std::cout << " " << arg;
  std::cout << " with SIM_DRIVER_TIME_SCALE=0 SIM_DRIVER_PROGRESS=0\n"
            << "  session actor: spawn_session (event-based actor, the shared driver reactor: "
               "pipes, process group, pidfd, epoll), "
            << (log_dir.empty() ? std::string("no session log") : "session logs in " + log_dir)
            << "; bare: stdio to /dev/null\n"
            << "  this process's CPU per session (its threads, not the drivers'): "
            << bench::fixed(bench::median(session_usage.cpu_seconds) / n * 1e3, 3)
            << " ms via session actor, "
            << bench::fixed(bench::median(bare_usage.cpu_seconds) / n * 1e3, 3)
            << " ms bare; context switches per session: "
            << bench::fixed(bench::median(session_usage.context_switches) / n, 1) << " vs "
            << bench::fixed(bench::median(bare_usage.context_switches) / n, 1) << "\n"
            << "  sessions: " << total.started << " started, " << total.finished << " finished, "
            << total.succeeded << " succeeded\n";
  const auto expected = sessions * repeats;
  if (total.started != expected || total.finished != expected || total.succeeded != expected) {
    std::cerr << "wrong counts: expected " << expected
              << " sessions started, finished and succeeded"
              << (total.last_failure.empty() ? "" : "; last failure: " + total.last_failure)
              << "\n";
    return 1;
  }
  return 0;
}

// build-bench/sim-driver when this binary is build-bench/bench_session_spawn.
std::string sim_driver_next_to_us() {
  std::error_code ignored;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ignored);
  return (self.parent_path() / "sim-driver").string();
}

}  // namespace

int main(int argc, char** argv) {
  std::string sim_driver = sim_driver_next_to_us();
  std::int64_t sessions = 500;
  int repeats = 3;
  std::string log_dir;
  bench::options::options_description described("options");
  described.add_options()("sim-driver",
                          bench::options::value(&sim_driver)->default_value(sim_driver),
                          "the simulated driver to run")(
      "sessions,n", bench::options::value(&sessions)->default_value(sessions),
      "sequential sessions per measurement")(
      "repeats", bench::options::value(&repeats)->default_value(repeats),
      "interleaved measurements of each kind (the median is reported)")(
      "log-dir", bench::options::value(&log_dir),
      "write per-session logs there (drivers.log_dir; default: none)");
  if (auto stop = bench::parse_command_line(argc, argv,
                                            "bench_session_spawn: a session actor running the "
                                            "sim-driver vs bare posix_spawn + waitpid",
                                            described)) {
    return *stop;
  }
  if (sessions < 1 || repeats < 1) {
    std::cerr << "--sessions and --repeats must be at least 1\n";
    return 2;
  }
  if (::access(sim_driver.c_str(), X_OK) != 0) {
    std::cerr << "no executable sim-driver at " << sim_driver
              << " (build the sim-driver target, or pass --sim-driver)\n";
    return 2;
  }
  return run(sim_driver, sessions, repeats, log_dir);
}
