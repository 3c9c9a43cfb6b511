#include "runtime/cli/client_commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string_view>

#include "runtime/cli/effective_config.hpp"
#include "runtime/cli/exit_codes.hpp"
#include "runtime/cli/table.hpp"
#include "runtime/http/client.hpp"
#include "runtime/http/json_views.hpp"
#include "runtime/http/query.hpp"
#include "runtime/ops/status_report.hpp"
#include "runtime/ops/summary_query.hpp"

namespace troupe::cli {
namespace {

namespace json = boost::json;

// Long enough for the tree of 10,000 accounts on a busy daemon.
constexpr std::chrono::seconds request_timeout{10};

// --- reading the daemon's JSON, tolerant of missing fields -------------------

const json::value& field(const json::value& from, std::string_view key) {
  static const json::value missing;
  const auto* object = from.if_object();
  const auto* found = object ? object->if_contains(key) : nullptr;
  return found ? *found : missing;
}

std::string text(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_null()) return "";
  return json::serialize(value);
}

std::int64_t number(const json::value& value) {
  if (auto integer = value.if_int64()) return *integer;
  if (auto positive = value.if_uint64()) return static_cast<std::int64_t>(*positive);
  if (auto real = value.if_double()) return static_cast<std::int64_t>(*real);
  return 0;
}

// Actor state values are strings: "true" counts as true as well as a JSON true.
bool flag(const json::value& value) { return value.is_bool() ? value.get_bool() : text(value) == "true"; }

const json::array& items(const json::value& value) {
  static const json::array none;
  const auto* array = value.if_array();
  return array ? *array : none;
}

// --- talking to the daemon -------------------------------------------------------

struct daemon_api {
  std::string url;  // as shown in messages, without a trailing '/'
  http::base_url base;
};

std::string url_of(const config::http_config& http) {
  const bool is_v6 = http.address.find(':') != std::string::npos;
  return fmt::format("http://{}:{}", is_v6 ? "[" + http.address + "]" : http.address, http.port);
}

// The daemon of --url, else of the config's http section; nullopt after
// printing why there is none.
std::optional<daemon_api> find_daemon(const command_line& line, std::string_view command) {
  std::string url;
  if (line.client.url) {
    url = *line.client.url;
  } else {
    auto config = load_effective_config(line.common);
    if (!config) return std::nullopt;
    url = url_of((*config)->http);
  }
  auto base = http::parse_base_url(url);
  if (!base) {
    std::cerr << command << ": " << base.failure().message << "\n";
    return std::nullopt;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return daemon_api{url, std::move(base).value()};
}

// The JSON body of the daemon's `answer` to GET `path`. `also_accepted` is a
// status that still carries the expected body (503 from /api/ready). The
// failure is one line for the operator.
result<json::value> json_of(const daemon_api& api, std::string_view path, const http::response& answer,
                            int also_accepted = 200) {
  boost::system::error_code invalid;
  auto body = json::parse(answer.body, invalid);
  const auto where = api.url + std::string(path);
  if (answer.status != 200 && answer.status != also_accepted) {
    const auto reason = text(field(field(body, "error"), "message"));
    return error{fmt::format("{} answered {}{}", where, answer.status, reason.empty() ? "" : ": " + reason)};
  }
  if (invalid) return error{where + " answered invalid JSON: " + invalid.message()};
  return body;
}

// json_of the daemon's answer to GET `path`, or why none came.
result<json::value> fetch_json(const daemon_api& api, std::string_view path, int also_accepted = 200) {
  auto answer = http::get(api.base, path, request_timeout);
  if (!answer) return error{"cannot reach " + api.url + ": " + answer.failure().message};
  return json_of(api, path, *answer, also_accepted);
}

// The actor of kind `kind`, or a null value.
const json::value& find_actor(const json::array& actors, std::string_view kind) {
  static const json::value none;
  for (const auto& actor : actors) {
    if (text(field(actor, "kind")) == kind) return actor;
  }
  return none;
}

// --- troupe status -------------------------------------------------------------

struct status_documents {
  json::value health, ready, version, actors, pods;
};

result<status_documents> fetch_status(const daemon_api& api) {
  status_documents documents;
  const std::pair<std::string_view, json::value*> wanted[] = {
      {"/api/health", &documents.health}, {"/api/ready", &documents.ready},
      {"/api/version", &documents.version}, {"/api/actors", &documents.actors},
      {"/api/pods", &documents.pods}};
  for (const auto& [path, into] : wanted) {
    constexpr int not_ready = 503;  // /api/ready's answer when a check fails
    auto fetched = fetch_json(api, path, path == "/api/ready" ? not_ready : 200);
    if (!fetched) return fetched.failure();
    *into = std::move(fetched).value();
  }
  return documents;
}

std::string labelled(std::string_view label, std::string_view value) {
  return fmt::format("  {:<12} {}\n", label, value);
}

std::string detail_line(std::string_view detail) { return fmt::format("  {:<12}   {}\n", "", detail); }

std::string readiness(const json::value& ready) {
  if (flag(field(ready, "ready"))) return labelled("ready", "yes");
  std::string lines = labelled("ready", "NO");
  if (const auto* checks = field(ready, "checks").if_object()) {
    for (const auto& [name, check] : *checks) {
      if (!flag(field(check, "ok"))) {
        lines += detail_line(fmt::format("{}: {}", std::string_view(name), text(field(check, "detail"))));
      }
    }
  }
  return lines;
}

std::string last_reload(const json::value& reload) {
  if (reload.is_null()) return labelled("last reload", "none since start");
  const auto when = fmt::format("{} ({})", text(field(reload, "at")), text(field(reload, "trigger")));
  const auto version = number(field(reload, "config_version"));
  if (flag(field(reload, "ok"))) {
    return labelled("last reload", fmt::format("{}: ok, config version {}", when, version));
  }
  std::string lines = labelled("last reload", fmt::format("{}: FAILED, config version {} kept", when, version));
  for (const auto& problem : items(field(reload, "errors"))) lines += detail_line(text(problem));
  return lines;
}

std::string semaphore(const json::value& supervisor) {
  if (supervisor.is_null()) return labelled("permits", "unknown: the daemon lists no supervisor");
  const auto& counters = field(supervisor, "counters");
  const auto& state = field(supervisor, "state");
  auto summary = fmt::format("{}/{} in use, {} waiting", number(field(counters, "permits_in_use")),
                             number(field(counters, "capacity")), number(field(counters, "permits_waiting")));
  if (flag(field(state, "paused"))) summary += ", PAUSED";
  if (flag(field(state, "draining"))) summary += ", DRAINING";
  const auto next_handoff = text(field(state, "next_handoff_at"));
  if (!next_handoff.empty()) summary += ", next handoff " + next_handoff;
  return labelled("permits", summary);
}

std::string pods_table(const json::value& pods, const json::array& actors) {
  const auto& listed = items(field(pods, "pods"));
  if (listed.empty()) return "no pods\n";
  std::map<std::string, std::map<std::string, int>> accounts_by_status;  // pod -> status -> count
  for (const auto& actor : actors) {
    if (text(field(actor, "kind")) != "account") continue;
    const auto& state = field(actor, "state");
    ++accounts_by_status[text(field(state, "pod"))][text(field(state, "status"))];
  }
  using align = table_column::alignment;
  const std::vector<table_column> columns = {
      {"POD", align::left, 24},       {"TIMEZONE", align::left, 0},  {"MOOD", align::left, 16},
      {"ACCOUNTS", align::right, 0},  {"RUNNING", align::right, 0},  {"WAITING", align::right, 0},
      {"RECOVERING", align::right, 0}, {"PARKED", align::right, 0}};
  const std::string counted[] = {"running", "waiting", "recovering", "parked"};  // as the columns
  std::vector<table_row> rows;
  for (const auto& pod : listed) {
    const auto name = text(field(pod, "name"));
    table_row row = {name, text(field(pod, "timezone")), text(field(pod, "mood")),
                     std::to_string(items(field(pod, "accounts")).size())};
    auto& statuses = accounts_by_status[name];
    for (const auto& status : counted) row.push_back(std::to_string(statuses[status]));
    rows.push_back(std::move(row));
  }
  return format_table(columns, rows);
}

std::string status_report(const daemon_api& api, const status_documents& documents) {
  const auto& actors = items(field(documents.actors, "actors"));
  std::string report = "troupe at " + api.url + "\n";
  report += labelled("health", text(field(documents.health, "status")));
  report += readiness(documents.ready);
  report += labelled("version", fmt::format("{} (config version {})", text(field(documents.version, "version")),
                                            number(field(documents.version, "config_version"))));
  report += last_reload(field(documents.ready, "last_reload"));
  report += semaphore(find_actor(actors, "supervisor"));
  report += "\n" + pods_table(documents.pods, actors);
  return report;
}

// --- troupe actors -------------------------------------------------------------

struct placed_actor {
  const json::value* actor;
  std::size_t depth;
};

// The actors in tree order (each parent followed by its subtree, siblings as
// listed), from the roots: the actors whose parent is not listed, or only
// `root_id` when given.
std::vector<placed_actor> tree_order(const json::array& actors, const std::string& root_id) {
  std::set<std::string> ids;
  for (const auto& actor : actors) ids.insert(text(field(actor, "id")));
  std::map<std::string, std::vector<const json::value*>> children;  // by parent id
  std::vector<const json::value*> roots;
  for (const auto& actor : actors) {
    const auto id = text(field(actor, "id"));
    const auto parent = text(field(actor, "parent"));
    children[parent].push_back(&actor);
    const bool is_root = root_id.empty() ? ids.count(parent) == 0 : id == root_id;
    if (is_root) roots.push_back(&actor);
  }
  std::vector<placed_actor> ordered;
  std::set<std::string> placed;  // guards against a parent cycle in a malformed answer
  std::function<void(const json::value*, std::size_t)> place = [&](const json::value* actor, std::size_t depth) {
    const auto id = text(field(*actor, "id"));
    if (!placed.insert(id).second) return;
    ordered.push_back({actor, depth});
    for (const auto* child : children[id]) place(child, depth + 1);
  };
  for (const auto* root : roots) place(root, 0);
  return ordered;
}

// What the actor is doing, in a word: its status, else draining or paused.
std::string status_word(const json::value& state) {
  const auto status = text(field(state, "status"));
  if (!status.empty()) return status;
  if (flag(field(state, "draining"))) return "draining";
  if (flag(field(state, "paused"))) return "paused";
  return "";
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// The rest of the state as "key=value" pairs: without what the other columns
// or the tree already show and what says nothing (empty, "false", "0"), and raw
// millisecond times ("next_eligible_at_ms") as ISO times.
std::string state_summary(const json::value& state) {
  static const std::set<std::string_view> shown_elsewhere = {"status", "draining", "paused", "pod"};
  const auto* object = state.if_object();
  if (object == nullptr) return "";
  std::vector<std::string> pairs;
  for (const auto& [key, value] : *object) {
    std::string name(key);
    std::string shown = text(value);
    if (shown_elsewhere.count(name) || shown.empty() || shown == "false" || shown == "0") continue;
    if (ends_with(name, "_at_ms")) {
      name.resize(name.size() - std::string_view("_ms").size());
      const auto iso = http::iso_time_or_null(shown);
      if (object->contains(name) || iso.is_null()) continue;
      shown = std::string(iso.get_string());
    }
    pairs.push_back(name + "=" + shown);
  }
  return fmt::format("{}", fmt::join(pairs, ", "));
}

// The free-form state goes last, unbounded, so that it never pushes the
// other columns out of line.
std::string actors_table(const std::vector<placed_actor>& ordered) {
  using align = table_column::alignment;
  const std::vector<table_column> columns = {
      {"ID", align::left, 40},       {"KIND", align::left, 12},      {"STATUS", align::left, 12},
      {"HANDLED", align::right, 0},  {"MAILBOX", align::right, 0},   {"RESTARTS", align::right, 0},
      {"LAST ERROR", align::left, 40}, {"STATE", align::left, 0}};
  std::vector<table_row> rows;
  for (const auto& [actor, depth] : ordered) {
    const auto& state = field(*actor, "state");
    rows.push_back({std::string(2 * depth, ' ') + text(field(*actor, "id")), text(field(*actor, "kind")),
                    status_word(state), std::to_string(number(field(*actor, "messages_handled"))),
                    std::to_string(number(field(*actor, "mailbox_size"))),
                    std::to_string(number(field(*actor, "restarts"))), text(field(*actor, "last_error")),
                    state_summary(state)});
  }
  return format_table(columns, rows);
}

std::string pod_names(const json::array& actors) {
  std::vector<std::string> names;
  for (const auto& actor : actors) {
    if (text(field(actor, "kind")) == "pod") names.push_back(text(field(actor, "id")).substr(std::string_view("pod:").size()));
  }
  return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

// --- troupe summary ------------------------------------------------------------

std::string summaries_path(const client_options& client) {
  std::vector<std::string> params;
  if (client.day) params.push_back("day=" + http::percent_encode(*client.day));
  if (client.pod) params.push_back("pod=" + http::percent_encode(*client.pod));
  return "/api/summaries" + (params.empty() ? std::string() : fmt::format("?{}", fmt::join(params, "&")));
}

// "H:MM:SS"
std::string duration_text(std::int64_t ms) {
  const auto seconds = std::max<std::int64_t>(0, ms) / 1000;
  return fmt::format("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

// "follow=3, reels=2"
std::string activities_text(const json::value& by_activity) {
  std::vector<std::string> pairs;
  if (const auto* counts = by_activity.if_object()) {
    for (const auto& [activity, count] : *counts) {
      pairs.push_back(fmt::format("{}={}", std::string_view(activity), number(count)));
    }
  }
  return fmt::format("{}", fmt::join(pairs, ", "));
}

std::string summaries_report(const json::array& rows, const std::string& day) {
  if (rows.empty()) return "no summaries for " + day + "\n";
  using align = table_column::alignment;
  const std::vector<table_column> columns = {
      {"ACCOUNT", align::left, 32},   {"POD", align::left, 24},     {"SESSIONS", align::right, 0},
      {"ERRORS", align::right, 0},    {"SKIPS", align::right, 0},   {"RECOVERIES", align::right, 0},
      {"BURSTS", align::right, 0},    {"ACTIVE", align::right, 0},  {"ACTIVITIES", align::left, 0}};
  std::vector<table_row> table;
  std::int64_t sessions = 0, errors = 0;
  for (const auto& row : rows) {
    sessions += number(field(row, "sessions"));
    errors += number(field(row, "errors"));
    table.push_back({text(field(row, "account_id")), text(field(row, "pod")),
                     std::to_string(number(field(row, "sessions"))), std::to_string(number(field(row, "errors"))),
                     std::to_string(number(field(row, "skips"))), std::to_string(number(field(row, "recoveries"))),
                     std::to_string(number(field(row, "bursts"))), duration_text(number(field(row, "active_ms"))),
                     activities_text(field(row, "sessions_by_activity"))});
  }
  return format_table(columns, table) + fmt::format("{} {} on {}: {} sessions, {} errors\n", rows.size(),
                                                    rows.size() == 1 ? "account" : "accounts", day, sessions, errors);
}

}  // namespace

int status_command(const command_line& line) {
  constexpr std::string_view command = "troupe status";
  const auto api = find_daemon(line, command);
  if (!api) return exit_bad_input;
  const auto documents = fetch_status(*api);
  if (!documents) {
    std::cerr << command << ": " << documents.failure().message << "\n";
    return exit_failure;
  }
  std::cout << status_report(*api, *documents);
  return flag(field(documents->ready, "ready")) ? exit_ok : exit_failure;
}

int actors_command(const command_line& line) {
  constexpr std::string_view command = "troupe actors";
  const auto api = find_daemon(line, command);
  if (!api) return exit_bad_input;
  const auto tree = fetch_json(*api, "/api/actors");
  if (!tree) {
    std::cerr << command << ": " << tree.failure().message << "\n";
    return exit_failure;
  }
  const auto& actors = items(field(*tree, "actors"));
  const auto root = line.client.pod ? "pod:" + *line.client.pod : std::string();
  const auto ordered = tree_order(actors, root);
  if (line.client.pod && ordered.empty()) {
    std::cerr << command << ": no pod named " << *line.client.pod << " (pods: " << pod_names(actors) << ")\n";
    return exit_bad_input;
  }
  std::cout << actors_table(ordered);
  std::cout << ordered.size() << (ordered.size() == 1 ? " actor" : " actors")
            << (root.empty() ? "" : " in " + root) << "\n";
  return exit_ok;
}

int report_command(const command_line& line) {
  constexpr std::string_view command = "troupe report";
  const auto api = find_daemon(line, command);
  if (!api) return exit_bad_input;
  const auto report = fetch_json(*api, "/api/report");
  if (!report || !report->is_object()) {
    std::cerr << command << ": " << (report ? "the daemon's report is not a JSON object" : report.failure().message)
              << "\n";
    return exit_failure;
  }
  if (line.client.json) {
    std::cout << json::serialize(*report) << "\n";
  } else {
    std::cout << ops::report_text(report->as_object());
  }
  return field(*report, "status") == "going_well" ? exit_ok : exit_failure;
}

int summary_command(const command_line& line) {
  constexpr std::string_view command = "troupe summary";
  if (line.client.day) {
    if (auto day = ops::parse_summary_day(*line.client.day); !day) {
      std::cerr << command << ": " << day.failure().message << "\n";
      return exit_bad_input;
    }
  }
  const auto api = find_daemon(line, command);
  if (!api) return exit_bad_input;
  const auto path = summaries_path(line.client);
  const auto answer = http::get(api->base, path, request_timeout);
  if (!answer) {
    std::cerr << command << ": cannot reach " << api->url << ": " << answer.failure().message << "\n";
    return exit_failure;
  }
  const auto rows = json_of(*api, path, *answer);
  if (!rows) {
    std::cerr << command << ": " << rows.failure().message << "\n";
    constexpr int bad_request = 400;  // a malformed day or an unknown pod
    return answer->status == bad_request ? exit_bad_input : exit_failure;
  }
  if (line.client.json) {
    std::cout << json::serialize(*rows) << "\n";
    return exit_ok;
  }
  const auto& listed = items(*rows);
  const auto day = line.client.day ? *line.client.day
                                   : listed.empty() ? std::string("today") : text(field(listed.front(), "day"));
  std::cout << summaries_report(listed, day);
  return exit_ok;
}

}  // namespace troupe::cli
