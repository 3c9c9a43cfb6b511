#include "work.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "harvest.hpp"
#include "misbehaviour.hpp"
#include "output.hpp"
#include "session_ledger.hpp"

namespace troupe::sim_driver {
namespace {

namespace json = boost::json;

struct invocation_state {
  const driver_arguments& arguments;
  fate drawn;
  randomness random;
  pid_t grandchild = -1;
};

std::string identity_of(const driver_arguments& arguments) {
  return arguments.session + '\n' + arguments.profile + '\n' + arguments.activity + '\n' +
         arguments.verb + '\n' + arguments.step + '\n' + arguments.target + '\n' +
         arguments.post_id + '\n' + arguments.idempotency_key;
}

json::object progress_line(const invocation_state& state, std::int64_t done, std::int64_t total) {
  json::object line{{"event", "progress"}, {"done", done}, {"total", total}, {"pid", ::getpid()}};
  const auto& arguments = state.arguments;
  if (arguments.verb.empty())
    line["activity"] = arguments.activity;
  else
    line["verb"] = arguments.verb;
  if (!arguments.session.empty()) line["session"] = arguments.session;
  if (state.grandchild > 0) line["grandchild"] = state.grandchild;
  return line;
}

// Spends `duration_ms` writing the progress lines; when the fate is a
// failure, stops halfway and returns false.
bool work_through(const invocation_state& state, double duration_ms, std::int64_t total) {
  const auto lines = std::max<std::int64_t>(state.arguments.knobs.progress, 1);
  const bool failing = state.drawn.exit_code != 0;
  const auto last_line = failing ? lines / 2 : lines;
  for (std::int64_t k = 1; k <= last_line; ++k) {
    sleep_ms(duration_ms / static_cast<double>(lines));
    if (state.arguments.knobs.progress > 0) emit(progress_line(state, total * k / lines, total));
  }
  if (failing) sleep_ms(duration_ms / static_cast<double>(lines));
  return !failing;
}

int fail(int exit_code) {
  switch (exit_code) {
    case 2:
      log_to_stderr("transient failure: rate limited, retry later");
      break;
    case 3:
      log_to_stderr("authentication required: the profile is logged out");
      break;
    case 4:
      log_to_stderr("no targets to work on");
      break;
    default:
      log_to_stderr("hard failure (exit " + std::to_string(exit_code) + "): the page did not load");
  }
  return exit_code;
}

json::object result_base(const driver_arguments& arguments) {
  json::object result;
  if (arguments.verb.empty())
    result["activity"] = arguments.activity;
  else
    result["verb"] = arguments.verb;
  if (!arguments.profile.empty()) result["profile"] = arguments.profile;
  if (!arguments.session.empty()) result["session"] = arguments.session;
  result["proof"] = arguments.proof;
  std::error_code ignored;
  result["cwd"] = std::filesystem::current_path(ignored).string();
  if (!arguments.knobs.echo_env.empty()) {
    json::object env;
    for (const auto& name : arguments.knobs.echo_env) {
      const char* value = std::getenv(name.c_str());
      env[name] = value != nullptr ? json::value(value) : json::value(nullptr);
    }
    result["env"] = std::move(env);
  }
  return result;
}

void emit_result(json::object result) { emit(json::object{{"result", std::move(result)}}); }

// Lines of the targets file after the cursor, or nothing if it is unreadable.
std::optional<std::int64_t> remaining_targets(const driver_arguments& arguments) {
  std::ifstream file(arguments.targets_file);
  if (!file) return std::nullopt;
  std::int64_t lines = 0;
  for (std::string line; std::getline(file, line);) ++lines;
  return std::max<std::int64_t>(lines - arguments.cursor, 0);
}

// The items a session plans: its count, or as many as its seconds allow.
std::int64_t planned_items(const driver_arguments& arguments) {
  if (arguments.count) return *arguments.count;
  const auto item_ms = arguments.knobs.item_ms;
  return item_ms > 0 ? static_cast<std::int64_t>(*arguments.seconds * 1000 / item_ms) : 0;
}

// A count session takes its items' time; a seconds session its seconds.
double session_duration_ms(const driver_arguments& arguments, std::int64_t items) {
  const auto& knobs = arguments.knobs;
  const double unscaled =
      arguments.count ? static_cast<double>(items) * knobs.item_ms : *arguments.seconds * 1000;
  return unscaled * knobs.time_scale;
}

int run_session(invocation_state& state) {
  const auto& arguments = state.arguments;
  std::int64_t total = planned_items(arguments);
  std::optional<std::int64_t> consumed;
  if (!arguments.targets_file.empty()) {
    const auto remaining = remaining_targets(arguments);
    if (!remaining) {
      log_to_stderr("cannot read the targets file " + arguments.targets_file);
      return 1;
    }
    total = std::min(total, *remaining);
    consumed = total;
  }
  const auto result_of = [&](std::int64_t done) {
    auto result = result_base(arguments);
    result["count"] = done;
    if (consumed) result["consumed"] = done;
    return result;
  };
  if (consumed && *consumed == 0) {
    emit_result(result_of(0));
    return fail(4);
  }
  if (!work_through(state, session_duration_ms(arguments, total), total)) {
    return fail(state.drawn.exit_code);
  }
  emit_result(result_of(total));
  return 0;
}

// The post id the platform gives the post of `key`: a function of the seed
// and the key alone, so a lookup names the post a post answered with.
std::string post_id_of(const simulation_knobs& knobs, const std::string& key) {
  return "sim-" + hex(randomness(knobs.seed, key).next());
}

enum class ledger_entry { appended, already_there, failed };

bool holds_line(const std::string& contents, const std::string& line) {
  for (std::size_t start = 0; start < contents.size();) {
    const auto end = std::min(contents.find('\n', start), contents.size());
    if (contents.compare(start, end - start, line) == 0) return true;
    start = end + 1;
  }
  return false;
}

// Reads all of `fd` from offset 0 into `contents`; returns false if a read failed.
bool read_whole(int fd, std::string& contents) {
  char chunk[65536];
  ssize_t got = 0;
  while ((got = ::pread(fd, chunk, sizeof chunk, static_cast<off_t>(contents.size()))) > 0) {
    contents.append(chunk, static_cast<std::size_t>(got));
  }
  return got == 0;
}

// Appends `key` as a line of the ledger unless it is already there, under an
// exclusive lock so that concurrent posts of one key append it once: a
// platform that honours idempotency keys posts once per key, however often
// a crashed caller retries.
ledger_entry record_in_ledger(const std::string& path, const std::string& key) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ledger_entry::failed;
  ledger_entry entry = ledger_entry::failed;
  std::string contents;
  if (::flock(fd, LOCK_EX) == 0 && read_whole(fd, contents)) {
    const std::string line = key + "\n";
    if (holds_line(contents, key)) {
      entry = ledger_entry::already_there;
    } else if (::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
      entry = ledger_entry::appended;
    }
  }
  ::close(fd);  // releases the lock
  return entry;
}

enum class ledger_answer { found, absent, unreadable };

// Whether the ledger holds `key`, read under a shared lock so that a post
// appending at the same moment is seen whole or not at all. A ledger that
// does not exist yet holds no key.
ledger_answer find_in_ledger(const std::string& path, const std::string& key) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? ledger_answer::absent : ledger_answer::unreadable;
  ledger_answer answer = ledger_answer::unreadable;
  std::string contents;
  if (::flock(fd, LOCK_SH) == 0 && read_whole(fd, contents)) {
    answer = holds_line(contents, key) ? ledger_answer::found : ledger_answer::absent;
  }
  ::close(fd);  // releases the lock
  return answer;
}

// Whether the profile is logged in: not with logged-out, nor while the
// logged-out file exists, so a caller can log a profile out and back in.
bool logged_in(const simulation_knobs& knobs) {
  std::error_code ignored;
  return !knobs.logged_out && (knobs.logged_out_file.empty() ||
                               !std::filesystem::exists(knobs.logged_out_file, ignored));
}

// The real wall clock: harvested posts are aged back from it, as a
// platform's timestamps are.
std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Whether the target was deleted since its harvest: drawn from the seed and
// the target alone, so every session asking about one target agrees (the
// "deleted" prefix keeps this draw apart from post_id_of's).
bool deleted_since_harvest(const simulation_knobs& knobs, const std::string& target) {
  return randomness(knobs.seed, "deleted\n" + target).uniform() < knobs.p_deleted;
}

// Answers whether the target is still there, as the preflight mode says;
// returns the exit code of a failure, 0 otherwise.
int preflight(const driver_arguments& arguments, json::object& result) {
  const auto& knobs = arguments.knobs;
  if (knobs.preflight == preflight_mode::error) {
    log_to_stderr("preflight of " + arguments.target + " failed: the post did not load");
    return 1;
  }
  // Real time, not scaled: the caller's preflight timeout is what this tests.
  if (knobs.preflight == preflight_mode::slow) sleep_ms(knobs.preflight_slow_ms);
  const bool deleted =
      knobs.preflight == preflight_mode::deleted || deleted_since_harvest(knobs, arguments.target);
  result["target"] = arguments.target;
  result["available"] = !deleted;
  result["deleted"] = deleted;
  return 0;
}

// A post's engagement counts, as a platform's analytics report them.
void add_metrics(json::object& result, randomness& random) {
  const auto impressions = random.between(0, 5000);
  const auto likes = random.between(0, impressions / 10);
  result["impressions"] = impressions;
  result["likes"] = likes;
  result["retweets"] = random.between(0, likes / 4);
  result["replies"] = random.between(0, likes / 4);
  result["bookmarks"] = random.between(0, likes / 5);
  result["quotes"] = random.between(0, likes / 10);
}

// Appends `key` as a line of the post log: one write of a short line to an
// O_APPEND file, so concurrent posts never interleave.
bool record_in_post_log(const std::string& path, const std::string& key) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const std::string line = key + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  return written;
}

// Records the post of `arguments` (post log, ledger) unless it is a proof,
// and fills the post's part of `result`; returns the exit code of a failure,
// 0 otherwise. With die-after-post the process dies by SIGKILL once the post
// is recorded, before any result: a driver lost between posting and reporting.
int post(const driver_arguments& arguments, json::object& result) {
  const auto& knobs = arguments.knobs;
  const auto& key = arguments.idempotency_key;
  const bool posting = !arguments.proof;
  if (posting && !knobs.post_log.empty() && !record_in_post_log(knobs.post_log, key)) {
    log_to_stderr("cannot append to the post log " + knobs.post_log);
    return 1;
  }
  if (posting && !knobs.ledger.empty()) {
    const auto entry = record_in_ledger(knobs.ledger, key);
    if (entry == ledger_entry::failed) {
      log_to_stderr("cannot append to the ledger " + knobs.ledger);
      return 1;
    }
    result["duplicate"] = entry == ledger_entry::already_there;
  }
  if (posting && knobs.die_after_post) {
    log_to_stderr("posted " + key + ", dying before the result (die-after-post)");
    ::raise(SIGKILL);
  }
  result["idempotency_key"] = key;
  if (!arguments.text.empty()) result["text"] = arguments.text;
  if (!arguments.reply_to.empty()) result["reply_to"] = arguments.reply_to;
  result["post_id"] = post_id_of(knobs, key);
  result["posted"] = posting;
  return 0;
}

// Answers whether a post of the idempotency key reached the platform, from
// the ledger; "cannot tell" is a transient failure (exit 2) with no result.
// Read-only, so a proof lookup is a lookup.
int lookup(const driver_arguments& arguments, json::object& result) {
  const auto& knobs = arguments.knobs;
  const auto& key = arguments.idempotency_key;
  if (knobs.lookup_unknown) {
    log_to_stderr("cannot tell whether " + key +
                  " was posted: the platform does not say (lookup-unknown)");
    return 2;
  }
  if (knobs.ledger.empty()) {
    log_to_stderr("cannot tell whether " + key + " was posted: no ledger to read");
    return 2;
  }
  const auto answer = find_in_ledger(knobs.ledger, key);
  if (answer == ledger_answer::unreadable) {
    log_to_stderr("cannot tell whether " + key + " was posted: cannot read the ledger " +
                  knobs.ledger);
    return 2;
  }
  result["idempotency_key"] = key;
  result["found"] = answer == ledger_answer::found;
  if (answer == ledger_answer::found) result["post_id"] = post_id_of(knobs, key);
  return 0;
}

int run_verb(invocation_state& state) {
  const auto& arguments = state.arguments;
  const auto& knobs = arguments.knobs;
  const auto steps = std::max<std::int64_t>(knobs.progress, 1);
  if (!work_through(state, knobs.verb_ms * knobs.time_scale, steps))
    return fail(state.drawn.exit_code);
  auto result = result_base(arguments);
  const auto& verb = arguments.verb;
  if (verb == "whoami") {
    result["handle"] = "sim_" + arguments.profile;
    result["logged_in"] = logged_in(knobs);
  } else if (verb == "recover") {
    result["step"] = arguments.step;
    result["recovered"] = true;
  } else if (verb == "harvest") {
    result["items"] = harvested_items(state.random, knobs.harvest_count, system_now_ms());
  } else if (verb == "preflight") {
    if (const int failed = preflight(arguments, result); failed != 0) return failed;
  } else if (verb == "post") {
    if (const int failed = post(arguments, result); failed != 0) return failed;
  } else if (verb == "lookup") {
    if (const int failed = lookup(arguments, result); failed != 0) return failed;
  } else if (verb == "metrics") {
    result["post_id"] = arguments.post_id;
    add_metrics(result, state.random);
  }
  emit_result(std::move(result));
  return 0;
}

std::string describe(const driver_arguments& arguments) {
  std::string text = arguments.verb.empty() ? arguments.activity : arguments.verb;
  if (!arguments.profile.empty()) text += " profile=" + arguments.profile;
  if (!arguments.session.empty()) text += " session=" + arguments.session;
  return text + (arguments.proof ? " (proof)" : "");
}

} // namespace

int perform(const driver_arguments& arguments) {
  const auto& knobs = arguments.knobs;
  // Before any fork, so that a grandchild ignores SIGTERM too.
  if (knobs.ignore_term) ::signal(SIGTERM, SIG_IGN);
  invocation_state state{arguments, fate{}, randomness(knobs.seed, identity_of(arguments)), -1};
  state.drawn = draw_fate(knobs, arguments.verb.empty() ? arguments.activity : "", state.random);
  log_to_stderr("starting " + describe(arguments));
  enter_session_ledger(arguments);
  if (state.drawn.grandchild) state.grandchild = start_grandchild(knobs.grandchild_seconds);
  if (state.drawn.flood) flood_stdout(knobs.flood_bytes);
  if (state.drawn.malformed) write_malformed_lines();
  if (state.drawn.hang) {
    emit(progress_line(state, 0, 0));
    hang_forever();
  }
  return arguments.verb.empty() ? run_session(state) : run_verb(state);
}

} // namespace troupe::sim_driver
