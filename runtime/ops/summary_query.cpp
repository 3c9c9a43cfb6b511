#include "runtime/ops/summary_query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "runtime/policy/local_time.hpp"

namespace troupe::ops {
namespace {

bool digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

int number(std::string_view text) { return std::stoi(std::string(text)); }

const config::pod_config* find_pod(const config::troupe_config& config, const std::string& name) {
  const auto found = std::find_if(config.pods.begin(), config.pods.end(),
                                  [&](const config::pod_config& pod) { return pod.name == name; });
  return found == config.pods.end() ? nullptr : &*found;
}

std::string pod_names(const config::troupe_config& config) {
  std::vector<std::string> names;
  for (const auto& pod : config.pods) names.push_back(pod.name);
  return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

std::string today_in(const std::string& zone_name, std::int64_t now_ms) {
  return policy::read_local_clock(date::locate_zone(zone_name), now_ms).day;
}

}  // namespace

result<std::string> parse_summary_day(std::string_view text) {
  const auto refused =
      error{fmt::format("day '{}' is not a date (expected YYYY-MM-DD)", text.substr(0, 64))};
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return refused;
  const auto year = text.substr(0, 4), month = text.substr(5, 2), day = text.substr(8, 2);
  if (!digits(year) || !digits(month) || !digits(day)) return refused;
  const date::year_month_day date{date::year{number(year)},
                                  date::month{static_cast<unsigned>(number(month))},
                                  date::day{static_cast<unsigned>(number(day))}};
  if (!date.ok()) return refused;
  return std::string(text);
}

result<summary_query> resolve_summary_query(const config::troupe_config& config,
                                            const std::optional<std::string>& day,
                                            const std::optional<std::string>& pod,
                                            std::int64_t now_ms) {
  summary_query query;
  std::string zone = config.timezone;
  if (pod) {
    const auto* found = find_pod(config, *pod);
    if (found == nullptr) {
      return error{
          fmt::format("no pod named '{}' (pods: {})", pod->substr(0, 64), pod_names(config))};
    }
    query.accounts.emplace(found->accounts.begin(), found->accounts.end());
    if (!found->timezone.empty()) zone = found->timezone;
  }
  if (day) {
    auto parsed = parse_summary_day(*day);
    if (!parsed) return parsed.failure();
    query.day = std::move(parsed).value();
  } else {
    query.day = today_in(zone, now_ms);
  }
  return query;
}

std::vector<store::runner_summary> select_summaries(const summary_query& query,
                                                    std::vector<store::runner_summary> rows) {
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](const store::runner_summary& row) {
                              return row.day != query.day ||
                                     (query.accounts && query.accounts->count(row.account_id) == 0);
                            }),
             rows.end());
  return rows;
}

}  // namespace troupe::ops
