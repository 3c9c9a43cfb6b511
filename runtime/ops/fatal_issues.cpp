#include "runtime/ops/fatal_issues.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "config/secrets.hpp"
#include "runtime/atomic_file.hpp"
#include "runtime/host_name.hpp"
#include "runtime/ops/notify.hpp"
#include "runtime/policy/local_time.hpp"
#include "runtime/store/fatal_issues.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/system_clock.hpp"

namespace troupe::ops {
namespace {

namespace json = boost::json;

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// What redact_url_password took out of `url`: the text between the parts
// the URL and its redacted form share at both ends.
std::string redacted_part(const std::string& url, const std::string& redacted) {
  std::size_t prefix = 0;
  while (prefix < url.size() && prefix < redacted.size() && url[prefix] == redacted[prefix])
    ++prefix;
  std::size_t suffix = 0;
  while (suffix < url.size() - prefix && suffix < redacted.size() - prefix &&
         url[url.size() - 1 - suffix] == redacted[redacted.size() - 1 - suffix]) {
    ++suffix;
  }
  return url.substr(prefix, url.size() - prefix - suffix);
}

result<std::string> string_field(const json::object& object, const char* name) {
  const auto* value = object.if_contains(name);
  if (value == nullptr || !value->is_string())
    return error{std::string("a fatal issue needs the string ") + name};
  return std::string(value->as_string());
}

result<fatal_issue> fatal_issue_of(const json::value& value) {
  if (!value.is_object()) return error{"a fatal issue must be an object"};
  const auto& object = value.as_object();
  fatal_issue issue;
  const auto* at = object.if_contains("at_ms");
  if (at == nullptr || !at->is_int64()) return error{"a fatal issue needs the integer at_ms"};
  issue.at_ms = at->as_int64();
  auto kind = string_field(object, "kind");
  auto message = string_field(object, "message");
  auto detail = string_field(object, "detail");
  auto node = string_field(object, "node");
  for (const auto* field : {&kind, &message, &detail, &node}) {
    if (!*field) return field->failure();
  }
  issue.kind = *kind;
  issue.message = *message;
  issue.detail = *detail;
  issue.node = *node;
  if (const auto* id = object.if_contains("id"); id != nullptr && id->is_int64())
    issue.id = id->as_int64();
  if (const auto* stored = object.if_contains("stored"); stored != nullptr && stored->is_bool()) {
    issue.stored = stored->as_bool();
  }
  return issue;
}

status write_fatal_issue_file(const std::filesystem::path& path,
                              const std::vector<fatal_issue>& issues) {
  json::array listed;
  for (const auto& issue : issues) listed.push_back(to_json(issue));
  return write_file_atomically(
      path, json::serialize(json::object{{"fatal_issues", std::move(listed)}}) + "\n");
}

// The file with `issue` marked stored (with its row's id).
status mark_stored_in_file(const std::filesystem::path& path, const fatal_issue& issue,
                           std::int64_t id) {
  auto issues = read_fatal_issue_file(path);
  if (!issues) return issues.failure();
  for (auto& listed : *issues) {
    if (!same_fatal_issue(listed, issue)) continue;
    listed.stored = true;
    listed.id = id;
  }
  return write_fatal_issue_file(path, *issues);
}

// Stores `issue` and queues its notification, both or neither.
result<std::int64_t> store_and_notify(store::database& db, const config::troupe_config& config,
                                      const fatal_issue& issue, std::int64_t now_ms) {
  return store::guarded("cannot store the fatal issue", [&]() -> result<std::int64_t> {
    soci::transaction transaction(db.session());
    auto id = store::insert_fatal_issue(db, issue);
    if (!id) return id.failure();
    if (auto notified = notify(db, config, {fatal_issue_alert(issue)}, now_ms); !notified) {
      return error{"cannot notify it: " + notified.failure().message};
    }
    transaction.commit();
    return *id;
  });
}

}  // namespace

bool same_fatal_issue(const fatal_issue& a, const fatal_issue& b) {
  return a.at_ms == b.at_ms && a.kind == b.kind && a.node == b.node;
}

std::filesystem::path fatal_issue_file(const std::string& data_dir) {
  return std::filesystem::path(data_dir) / "fatal-issues.json";
}

std::vector<fatal_issue> merge_fatal_issues(std::vector<fatal_issue> from_table,
                                            std::vector<fatal_issue> from_file, std::size_t limit) {
  std::vector<fatal_issue> merged = std::move(from_table);
  for (auto& issue : from_file) {
    const auto known = std::any_of(merged.begin(), merged.end(), [&](const fatal_issue& other) {
      return same_fatal_issue(other, issue);
    });
    if (!known) merged.push_back(std::move(issue));
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const fatal_issue& a, const fatal_issue& b) { return a.at_ms > b.at_ms; });
  if (merged.size() > limit) merged.resize(limit);
  return merged;
}

std::string without_database_secret(std::string text, const std::string& db_url) {
  if (db_url.empty()) return text;
  const auto redacted = config::redact_url_password(db_url);
  replace_all(text, db_url, redacted);
  if (redacted != db_url) replace_all(text, redacted_part(db_url, redacted), config::redacted);
  return text;
}

json::object to_json(const fatal_issue& issue) {
  json::object out{{"at_ms", issue.at_ms},   {"at", policy::iso_utc_time(issue.at_ms)},
                   {"kind", issue.kind},     {"message", issue.message},
                   {"detail", issue.detail}, {"node", issue.node},
                   {"stored", issue.stored}};
  if (issue.id) out["id"] = *issue.id;
  return out;
}

alert fatal_issue_alert(const fatal_issue& issue) {
  alert out;
  out.labels = {{"alertname", "fatal_issue"}, {"kind", issue.kind}, {"severity", "critical"}};
  if (!issue.node.empty()) out.labels["node"] = issue.node;
  out.annotations = {{"summary", issue.message}, {"description", issue.detail}};
  out.starts_at_ms = issue.at_ms;
  return out;
}

result<std::vector<fatal_issue>> read_fatal_issue_file(const std::filesystem::path& path) {
  std::error_code missing;
  if (!std::filesystem::exists(path, missing)) return std::vector<fatal_issue>{};
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return error{"cannot read " + path.string()};
  boost::system::error_code parse_failure;
  const auto parsed = json::parse(text.str(), parse_failure);
  const auto* listed =
      parsed.is_object() ? parsed.as_object().if_contains("fatal_issues") : nullptr;
  if (parse_failure || listed == nullptr || !listed->is_array()) {
    return error{path.string() + " is not a fatal issue file ({\"fatal_issues\": [...]})"};
  }
  std::vector<fatal_issue> issues;
  for (const auto& value : listed->as_array()) {
    auto issue = fatal_issue_of(value);
    if (!issue) return error{path.string() + ": " + issue.failure().message};
    issues.push_back(std::move(*issue));
  }
  const auto count = issues.size();
  return merge_fatal_issues({}, std::move(issues), count);
}

recorded record_fatal_issue(fatal_issue issue, const config::troupe_config& config,
                            store::database* db) {
  issue.message = without_database_secret(issue.message, config.db.url);
  issue.detail = without_database_secret(issue.detail, config.db.url);
  if (issue.node.empty()) issue.node = host_name();
  issue.id.reset();
  issue.stored = false;
  const auto path = fatal_issue_file(config.aol.data_dir);
  // An unreadable file is replaced: the issue at hand matters more.
  auto earlier = read_fatal_issue_file(path);
  recorded out;
  out.file = write_fatal_issue_file(
      path, merge_fatal_issues({issue}, earlier ? std::move(*earlier) : std::vector<fatal_issue>{},
                               fatal_issues_kept));
  if (db == nullptr) {
    out.table = error{"no database to store it in"};
    return out;
  }
  auto id = store_and_notify(*db, config, issue, issue.at_ms);
  if (!id) {
    out.table = id.failure();
    return out;
  }
  if (out.file) out.file = mark_stored_in_file(path, issue, *id);
  return out;
}

result<int> store_fatal_issues_from_file(store::database& db, const config::troupe_config& config,
                                         std::int64_t now_ms) {
  const auto path = fatal_issue_file(config.aol.data_dir);
  auto issues = read_fatal_issue_file(path);
  if (!issues) return issues.failure();
  int added = 0;
  for (const auto& issue : *issues) {
    if (issue.stored) continue;
    auto found = store::find_fatal_issue(db, issue);
    if (!found) return found.failure();
    auto id = *found ? result<std::int64_t>(**found) : store_and_notify(db, config, issue, now_ms);
    if (!id) return id.failure();
    added += *found ? 0 : 1;
    if (auto marked = mark_stored_in_file(path, issue, *id); !marked) return marked.failure();
  }
  return added;
}

fatal_issue_report read_fatal_issues(store::database* db, const std::string& data_dir,
                                     std::size_t limit) {
  fatal_issue_report report;
  std::vector<fatal_issue> from_table;
  if (db == nullptr) {
    report.database_error = "no database connection";
  } else if (auto loaded =
                 store::load_fatal_issues(*db, static_cast<int>(std::max<std::size_t>(limit, 1)));
             loaded) {
    from_table = std::move(*loaded);
  } else {
    report.database_error = loaded.failure().message;
  }
  auto from_file = read_fatal_issue_file(fatal_issue_file(data_dir));
  if (!from_file) report.file_error = from_file.failure().message;
  report.issues = merge_fatal_issues(
      std::move(from_table), from_file ? std::move(*from_file) : std::vector<fatal_issue>{}, limit);
  return report;
}

json::object to_json(const fatal_issue_report& report, const std::string& data_dir) {
  json::array listed;
  for (const auto& issue : report.issues) listed.push_back(to_json(issue));
  json::object out{{"fatal_issues", std::move(listed)},
                   {"file", fatal_issue_file(data_dir).string()}};
  if (report.database_error) out["database_error"] = *report.database_error;
  if (report.file_error) out["file_error"] = *report.file_error;
  return out;
}

}  // namespace troupe::ops
