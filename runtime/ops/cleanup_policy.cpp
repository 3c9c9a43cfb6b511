#include "runtime/ops/cleanup_policy.hpp"

#include <fmt/format.h>

namespace troupe::ops {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// "report-" STAMP SUFFIX with a non-empty stamp.
bool is_report_name(std::string_view name, std::string_view suffix) {
  constexpr std::string_view prefix = "report-";
  return starts_with(name, prefix) && ends_with(name, suffix) &&
         name.size() > prefix.size() + suffix.size();
}

// What an interrupted atomic write leaves beside a file: NAME.partial-PID.
std::string_view without_partial(std::string_view name) {
  constexpr std::string_view marker = ".partial-";
  const auto at = name.rfind(marker);
  if (at == std::string_view::npos) return name;
  const auto pid = name.substr(at + marker.size());
  const bool digits = !pid.empty() && pid.find_first_not_of("0123456789") == std::string_view::npos;
  return digits ? name.substr(0, at) : name;
}

}  // namespace

const char* plural_name(cleanup_kind kind) {
  switch (kind) {
    case cleanup_kind::session_log:
      return "session logs";
    case cleanup_kind::proof_artifact:
      return "PROOF artifacts";
    case cleanup_kind::status_report:
      return "report files";
  }
  return "files";
}

bool is_cleanup_file(cleanup_kind kind, std::string_view name) {
  switch (kind) {
    case cleanup_kind::session_log:
      return name.size() > 4 && ends_with(name, ".log");
    case cleanup_kind::proof_artifact:
      return !name.empty();
    case cleanup_kind::status_report: {
      const auto file = without_partial(name);
      return is_report_name(file, ".json") || is_report_name(file, ".txt");
    }
  }
  return false;
}

cleanup_plan plan_cleanup(const std::vector<dated_file>& files, std::int64_t now_ms, int keep_days,
                          const std::set<std::string>& in_use) {
  const std::int64_t keep_ms = std::int64_t{keep_days} * day_ms;
  cleanup_plan plan;
  for (const auto& file : files) {
    if (now_ms - file.modified_at_ms <= keep_ms) continue;
    (in_use.count(file.path) ? plan.kept_in_use : plan.remove).push_back(file);
  }
  return plan;
}

cleanup_tally::removed_files& cleanup_tally::of(cleanup_kind kind) {
  switch (kind) {
    case cleanup_kind::proof_artifact:
      return proof_artifacts;
    case cleanup_kind::status_report:
      return status_reports;
    case cleanup_kind::session_log:
      break;
  }
  return session_logs;
}

void cleanup_tally::add_removed(const dated_file& file) {
  auto& removed = of(file.kind);
  removed.count += 1;
  removed.bytes += file.size_bytes;
}

std::string cleanup_summary(const cleanup_tally& tally) {
  const auto files = [](const cleanup_tally::removed_files& removed, cleanup_kind kind) {
    return fmt::format("{} {} ({} bytes)", removed.count, plural_name(kind), removed.bytes);
  };
  auto line =
      fmt::format("removed {}, {}, {} and {} queue rows; kept {} {} in use",
                  files(tally.session_logs, cleanup_kind::session_log),
                  files(tally.proof_artifacts, cleanup_kind::proof_artifact),
                  files(tally.status_reports, cleanup_kind::status_report), tally.queue_rows,
                  tally.kept_in_use, tally.kept_in_use == 1 ? "file" : "files");
  if (tally.failed > 0) line += fmt::format("; {} files could not be removed", tally.failed);
  return line;
}

}  // namespace troupe::ops
