#include "session_ledger.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <string>

#include "output.hpp"

namespace troupe::sim_driver {
namespace {

// Appends `line` whole: one write of an O_APPEND descriptor.
void append_line(const std::string& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return log_to_stderr("cannot write the session ledger " + path);
  const std::string text = line + "\n";
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    log_to_stderr("cannot write the session ledger " + path);
  ::close(fd);
}

// Takes an exclusive lock on `path` without waiting; its descriptor is
// left open on success (the lock lasts as long as the process).
bool lock_for_life(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
  ::close(fd);
  return false;
}

}  // namespace

void enter_session_ledger(const driver_arguments& arguments) {
  const auto& dir = arguments.knobs.session_ledger;
  if (dir.empty() || !arguments.verb.empty()) return;
  const std::string who = arguments.profile + " " + arguments.session;
  if (!lock_for_life(dir + "/account-" + arguments.profile + ".lock"))
    append_line(dir + "/violations", "overlap " + who);
  bool slot_taken = arguments.knobs.session_slots == 0;
  for (std::int64_t slot = 0; !slot_taken && slot < arguments.knobs.session_slots; ++slot)
    slot_taken = lock_for_life(dir + "/slot-" + std::to_string(slot) + ".lock");
  if (!slot_taken) append_line(dir + "/violations", "over-concurrency " + who);
  append_line(dir + "/sessions", "start " + who);
}

}  // namespace troupe::sim_driver
