#include "runtime/ops/cleanup_job.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <system_error>

#include "runtime/driver/invocation.hpp"
#include "runtime/ops/cleanup_policy.hpp"
#include "runtime/pipeline/job_support.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/sessions.hpp"

namespace troupe::ops {
namespace {

namespace fs = std::filesystem;

// The form in which listed files and paths in use are compared: absolute
// (against this process's working directory, as the daemon opened them) and
// without "." or "..".
std::string comparable(const fs::path& path) {
  std::error_code failure;
  const auto absolute = fs::absolute(path, failure);
  return (failure ? path : absolute).lexically_normal().string();
}

std::int64_t modified_ms(const struct ::stat& info) {
  return std::int64_t{info.st_mtim.tv_sec} * 1000 + info.st_mtim.tv_nsec / 1'000'000;
}

// The cleanup's files of `kind` directly in `directory` (symbolic links and
// subdirectories are not followed); none when the directory does not exist.
result<std::vector<dated_file>> files_in(const fs::path& directory, cleanup_kind kind) {
  std::vector<dated_file> files;
  std::error_code failure;
  fs::directory_iterator entries(directory, failure);
  if (failure == std::errc::no_such_file_or_directory) return files;
  for (; !failure && entries != fs::directory_iterator(); entries.increment(failure)) {
    const auto& path = entries->path();
    struct ::stat info {};
    if (!is_cleanup_file(kind, path.filename().string()) || ::lstat(path.c_str(), &info) != 0 ||
        !S_ISREG(info.st_mode)) {
      continue;
    }
    files.push_back(
        {comparable(path), kind, modified_ms(info), static_cast<std::uint64_t>(info.st_size)});
  }
  if (failure) return error{"cannot list " + directory.string() + ": " + failure.message()};
  return files;
}

// Every file the cleanup looks after under the run's config.
result<std::vector<dated_file>> listed_files(const config::troupe_config& config) {
  const fs::path data_dir = config.aol.data_dir;
  std::vector<std::pair<fs::path, cleanup_kind>> directories{
      {data_dir / "proof", cleanup_kind::proof_artifact},
      {data_dir / "reports", cleanup_kind::status_report}};
  if (!config.drivers.log_dir.empty()) {
    directories.emplace_back(config.drivers.log_dir, cleanup_kind::session_log);
  }
  std::vector<dated_file> all;
  for (const auto& [directory, kind] : directories) {
    auto found = files_in(directory, kind);
    if (!found) return found.failure();
    all.insert(all.end(), found->begin(), found->end());
  }
  return all;
}

// The logs of the sessions without an end: as their rows name them, and as
// the session's id names it under the configured drivers.logDir (a row
// written by a daemon in another working directory compares equal too).
status add_running_session_logs(store::database& db, const config::troupe_config& config,
                                std::set<std::string>& in_use) {
  auto running = store::unfinished_sessions(db);
  if (!running) return running.failure();
  for (const auto& session : *running) {
    if (!session.log_path.empty()) in_use.insert(comparable(session.log_path));
    const auto by_id = driver::session_log_path(config.drivers.log_dir, session.session_id);
    if (!by_id.empty()) in_use.insert(comparable(by_id));
  }
  return {};
}

// The artifacts of the actions still PROOFED: what an operator reads before
// releasing one for a real run.
status add_waiting_artifacts(store::database& db, std::set<std::string>& in_use) {
  store::action_query query;
  query.status = store::action_status::proofed;
  query.limit = store::max_action_page;
  for (;;) {
    auto page = store::list_actions(db, query);
    if (!page) return page.failure();
    for (const auto& action : *page) {
      if (action.proof_artifact) in_use.insert(comparable(*action.proof_artifact));
    }
    if (static_cast<int>(page->size()) < query.limit) return {};
    query.after_id = page->back().id;
  }
}

void remove_files(const std::vector<dated_file>& doomed, cleanup_tally& tally) {
  for (const auto& file : doomed) {
    std::error_code failure;
    fs::remove(file.path, failure);
    if (failure) {
      spdlog::warn("[CLEANUP] cannot remove {}: {}", file.path, failure.message());
      tally.failed += 1;
      continue;
    }
    tally.add_removed(file);
    spdlog::debug("[CLEANUP] removed {} ({} bytes)", file.path, file.size_bytes);
  }
}

}  // namespace

jobs::job_result run_cleanup(const jobs::job_run_context& run, std::int64_t now_ms) {
  const auto& config = *run.config;
  auto db = pipeline::open_job_store(config);
  if (!db) return {false, db.failure().message};
  std::set<std::string> in_use;
  if (auto added = add_running_session_logs(*db, config, in_use); !added) {
    return {false, added.failure().message};
  }
  if (auto added = add_waiting_artifacts(*db, in_use); !added)
    return {false, added.failure().message};
  auto files = listed_files(config);
  if (!files) return {false, files.failure().message};

  const auto plan = plan_cleanup(*files, now_ms, config.cleanup.keep_days, in_use);
  cleanup_tally tally;
  tally.kept_in_use = static_cast<std::int64_t>(plan.kept_in_use.size());
  for (const auto& kept : plan.kept_in_use) spdlog::debug("[CLEANUP] kept {}: in use", kept.path);
  remove_files(plan.remove, tally);
  auto pruned = store::prune_terminal_actions(*db, now_ms - config.aol.retention_ms);
  if (!pruned) return {false, pruned.failure().message + "; " + cleanup_summary(tally)};
  tally.queue_rows = *pruned;

  const auto summary = cleanup_summary(tally);
  spdlog::info("[CLEANUP] {}", summary);
  return {tally.failed == 0, summary};
}

jobs::job_body cleanup_job(std::function<std::int64_t()> now_ms) {
  return [now_ms = std::move(now_ms)](const jobs::job_run_context& run) {
    return run_cleanup(run, now_ms());
  };
}

}  // namespace troupe::ops
