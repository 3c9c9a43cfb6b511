#include "runtime/driver/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "driver_fixture.hpp"

using namespace troupe::driver;
using namespace troupe::driver::testing;

namespace {

const std::map<std::string, std::string> basic_env{{"PATH", "/usr/bin:/bin"}};

// Everything the child writes to stdout, until it closes it.
std::string read_all_stdout(child_process& child) {
  std::string text;
  char buffer[4096];
  for (;;) {
    pollfd watched{child.stdout_pipe().get(), POLLIN, 0};
    ::poll(&watched, 1, 5000);
    const auto count = ::read(child.stdout_pipe().get(), buffer, sizeof buffer);
    if (count < 0 && errno == EAGAIN) continue;
    if (count <= 0) return text;
    text.append(buffer, static_cast<std::size_t>(count));
  }
}

std::string status_field(const std::string& status, const std::string& field) {
  const auto start = status.find(field + ":");
  const auto end = status.find('\n', start);
  auto value = status.substr(start + field.size() + 1, end - start - field.size() - 1);
  return value.substr(value.find_first_not_of(" \t"));
}

} // namespace

TEST_CASE("a driver leads its own process group") {
  auto child = child_process::spawn("sleep", {"5"}, "", basic_env);
  REQUIRE(child.ok());
  const auto members = live_members(child->pid());
  CHECK(members == std::vector<pid_t>{child->pid()});
  CHECK(::getpgid(child->pid()) == child->pid());
}

TEST_CASE("a driver starts with no blocked or ignored signal, whatever the daemon's mask") {
  sigset_t blocked;
  sigset_t previous;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGHUP);
  ::pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  const auto previous_pipe = ::signal(SIGPIPE, SIG_IGN);
  auto child = child_process::spawn("cat", {"/proc/self/status"}, "", basic_env);
  ::signal(SIGPIPE, previous_pipe);
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  REQUIRE(child.ok());
  const auto status = read_all_stdout(*child);
  CHECK(status_field(status, "SigBlk") == "0000000000000000");
  // Bits 0..30 are the standard signals 1..31; glibc's posix_spawn ignores
  // its two internal real-time signals (32 and 33) in the child, harmlessly.
  const auto ignored = std::stoull(status_field(status, "SigIgn"), nullptr, 16);
  CHECK((ignored & 0x7fffffffULL) == 0);
  CHECK(child->reap() == 0);
}

TEST_CASE("no descriptor of the daemon leaks into a driver, and stdin is /dev/null") {
  const int leaked = ::dup2(::open("/dev/null", O_RDONLY), 100);  // no O_CLOEXEC on purpose
  REQUIRE(leaked == 100);
  auto child = child_process::spawn("ls", {"-l", "/proc/self/fd"}, "", basic_env);
  ::close(leaked);
  REQUIRE(child.ok());
  const auto listing = read_all_stdout(*child);
  CHECK_THAT(listing, Catch::Contains(" 0 -> /dev/null"));
  CHECK_THAT(listing, !Catch::Contains(" 100 -> "));
  CHECK(child->reap() == 0);
}

TEST_CASE("the working directory and the exact environment reach the driver") {
  scratch_dir dir;
  auto child =
      child_process::spawn("sh", {"-c", "pwd; echo \"$ONLY_THIS\"; echo \"${HOME:-unset}\""},
                           dir.path().string(), {{"ONLY_THIS", "yes"}, {"PATH", "/usr/bin:/bin"}});
  REQUIRE(child.ok());
  CHECK(read_all_stdout(*child) ==
        std::filesystem::canonical(dir.path()).string() + "\nyes\nunset\n");
  CHECK(child->reap() == 0);
}

TEST_CASE("the exit code of a driver killed by a signal is 128 plus the signal") {
  auto child = child_process::spawn("sh", {"-c", "kill -TERM $$"}, "", basic_env);
  REQUIRE(child.ok());
  CHECK(child->reap() == 128 + SIGTERM);
}

TEST_CASE("destroying a running driver kills its group and reaps the leader") {
  pid_t pid = 0;
  pid_t grandchild = 0;
  {
    auto child = child_process::spawn("sh", {"-c", "sleep 30 & echo $!; wait"}, "", basic_env);
    REQUIRE(child.ok());
    pid = child->pid();
    std::string line;
    char c = 0;
    for (;;) {
      pollfd watched{child->stdout_pipe().get(), POLLIN, 0};
      ::poll(&watched, 1, 5000);
      if (::read(child->stdout_pipe().get(), &c, 1) != 1 || c == '\n') break;
      line += c;
    }
    grandchild = static_cast<pid_t>(std::stol(line));
  }
  const int signalled = ::kill(pid, 0);
  const int reason = errno;
  CHECK(signalled == -1);  // reaped: not even a zombie is left
  CHECK(reason == ESRCH);
  CHECK(process_gone_within(grandchild, 2s));
  CHECK(group_gone_within(pid, 2s));
}

TEST_CASE("a missing program is reported with the reason posix_spawn gives") {
  const auto child = child_process::spawn("/nonexistent/driver", {}, "", basic_env);
  REQUIRE_FALSE(child.ok());
  CHECK_THAT(child.failure().message, Catch::Contains("/nonexistent/driver") &&
                                          Catch::Contains("No such file or directory"));
}

TEST_CASE("a missing working directory is reported as such") {
  const auto child = child_process::spawn("true", {}, "/nonexistent/dir", basic_env);
  REQUIRE_FALSE(child.ok());
  CHECK_THAT(child.failure().message, Catch::Contains("working directory '/nonexistent/dir'"));
}

TEST_CASE("an environment variable name with '=' is refused") {
  const auto child = child_process::spawn("true", {}, "", {{"A=B", "c"}});
  REQUIRE_FALSE(child.ok());
  CHECK_THAT(child.failure().message, Catch::Contains("'A=B'"));
}
