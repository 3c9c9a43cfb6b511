#include "runtime/store/api_usage.hpp"

#include <cmath>
#include <utility>

#include "runtime/store/enum_names.hpp"
#include "runtime/store/optional_column.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

constexpr std::pair<api_call_kind, const char*> api_call_kind_names[] = {
    {api_call_kind::chat, "chat"},
    {api_call_kind::embedding, "embedding"},
};

constexpr std::pair<api_call_status, const char*> api_call_status_names[] = {
    {api_call_status::ok, "ok"},
    {api_call_status::failed, "failed"},
    {api_call_status::refused, "refused"},
};

constexpr const char* unspecified_reason = "unspecified";

status check_usage(const api_usage_row& usage) {
  if (usage.model.empty()) return error{"an API call needs its model"};
  if (usage.prompt_tokens < 0 || usage.completion_tokens < 0) {
    return error{"an API call cannot use a negative number of tokens"};
  }
  if (!std::isfinite(usage.cost_usd) || usage.cost_usd < 0) {
    return error{"an API call's cost must be a finite amount of at least 0 USD"};
  }
  if (usage.latency_ms < 0 || usage.attempts < 0) {
    return error{"an API call's latency and attempts cannot be negative"};
  }
  return {};
}

// Midnight UTC at or before `now_ms` (also before 1970).
std::int64_t utc_midnight(std::int64_t now_ms) {
  const std::int64_t day = now_ms / utc_day_ms - (now_ms % utc_day_ms < 0 ? 1 : 0);
  return day * utc_day_ms;
}

double cost_between(database& db, std::int64_t from_ms, std::int64_t until_ms) {
  double spent = 0;
  query_first_row(db.session(),
                  "SELECT COALESCE(SUM(cost_usd), 0) FROM api_usage"
                  " WHERE at_ms >= :from_ms AND at_ms < :until_ms",
                  soci::into(spent), soci::use(from_ms), soci::use(until_ms));
  return spent;
}

}  // namespace

const char* to_string(api_call_kind kind) { return name_of(api_call_kind_names, kind); }

const char* to_string(api_call_status status) { return name_of(api_call_status_names, status); }

std::optional<api_call_kind> parse_api_call_kind(std::string_view name) {
  return value_of(api_call_kind_names, name);
}

std::optional<api_call_status> parse_api_call_status(std::string_view name) {
  return value_of(api_call_status_names, name);
}

result<std::int64_t> record_api_usage(database& db, const api_usage_row& usage) {
  if (auto valid = check_usage(usage); !valid) return valid.failure();
  return guarded("cannot record a call to " + usage.model, [&] {
    const std::string kind = to_string(usage.kind);
    const std::string status_name = to_string(usage.status);
    std::int64_t id = 0;
    query_first_row(db.session(),
                    "INSERT INTO api_usage (request_id, kind, model, prompt_tokens,"
                    " completion_tokens, cost_usd, status, failure_reason, latency_ms, attempts,"
                    " at_ms) VALUES (:request_id, :kind, :model, :prompt_tokens,"
                    " :completion_tokens, :cost_usd, :status, :failure_reason, :latency_ms,"
                    " :attempts, :at_ms) RETURNING id",
                    soci::into(id), soci::use(usage.request_id), soci::use(kind),
                    soci::use(usage.model), soci::use(usage.prompt_tokens),
                    soci::use(usage.completion_tokens), soci::use(usage.cost_usd),
                    soci::use(status_name), soci::use(usage.failure_reason),
                    soci::use(usage.latency_ms), soci::use(usage.attempts), soci::use(usage.at_ms));
    return id;
  });
}

result<double> spent_on_utc_day(database& db, std::int64_t now_ms) {
  return guarded("cannot sum today's API costs", [&] {
    const std::int64_t midnight = utc_midnight(now_ms);
    return cost_between(db, midnight, midnight + utc_day_ms);
  });
}

result<api_usage_totals> usage_totals(database& db, std::int64_t now_ms) {
  return guarded("cannot total the API calls", [&] {
    api_usage_totals totals;
    std::string status_name;
    std::optional<std::string> reason;
    std::int64_t count = 0;
    auto select = prepare(db.session(),
                          "SELECT status, failure_reason, COUNT(*) FROM api_usage"
                          " GROUP BY status, failure_reason",
                          soci::into(status_name), soci::into(reason), soci::into(count));
    select.execute();
    while (select.fetch()) {
      totals.calls += count;
      const auto known = parse_api_call_status(status_name);
      if (!known || *known == api_call_status::ok) continue;
      (*known == api_call_status::failed ? totals.failed : totals.refused) += count;
      const std::string named = reason && !reason->empty() ? *reason : unspecified_reason;
      totals.failures_by_reason[named] += count;
    }
    const std::int64_t midnight = utc_midnight(now_ms);
    totals.cost_today_usd = cost_between(db, midnight, midnight + utc_day_ms);
    return totals;
  });
}

}  // namespace troupe::store
