// Which daily summaries (runner_summaries) GET /api/summaries and `troupe
// summary` show: one local day, and every account or one pod's. A day is
// stored as the pod's local date, so "today" is read in the pod's time zone
// when a pod is asked for, else in the config's `timezone` (where pods
// without their own zone live). Pure functions of their arguments;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "runtime/result.hpp"
#include "runtime/store/runner_summaries.hpp"

namespace troupe::ops {

struct summary_query {
  std::string day;                                // "YYYY-MM-DD"
  std::optional<std::set<std::string>> accounts;  // a pod's accounts; nullopt: every account
};

// `text` when it is a real calendar date written "YYYY-MM-DD"; an error
// quoting it otherwise ("2026-02-30" is not a date).
result<std::string> parse_summary_day(std::string_view text);

// The query for `day` (nullopt: today at `now_ms`, see above) and `pod`
// (nullopt: every account). Fails on a malformed day or a pod the config
// does not have, naming the pods it has.
result<summary_query> resolve_summary_query(const config::troupe_config& config,
                                            const std::optional<std::string>& day,
                                            const std::optional<std::string>& pod,
                                            std::int64_t now_ms);

// The rows of the query's day that it asks for, in the order given.
std::vector<store::runner_summary> select_summaries(const summary_query& query,
                                                    std::vector<store::runner_summary> rows);

}  // namespace troupe::ops
