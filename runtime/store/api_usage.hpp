// LLM cost accounting, `api_usage`: one row per chat or embedding call the
// LLM client made (or refused to make: budget spent, circuit open), with its
// tokens, cost, outcome and latency. The daily budget sums the cost of the
// current UTC day; the API and the monitor read the totals.
//
// Times are milliseconds since the epoch, always passed in (the functions
// never read a clock). Functions use the given database only; its contract
// (one thread at a time) applies. Behaviour is identical on SQLite and
// PostgreSQL.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/result.hpp"
#include "runtime/store/database.hpp"

namespace troupe::store {

enum class api_call_kind { chat, embedding };
enum class api_call_status { ok, failed, refused };

// Stored names: "chat", "embedding"; "ok", "failed", "refused".
const char* to_string(api_call_kind kind);
const char* to_string(api_call_status status);
std::optional<api_call_kind> parse_api_call_kind(std::string_view name);
std::optional<api_call_status> parse_api_call_status(std::string_view name);

struct api_usage_row {
  std::int64_t id = 0;     // set by the store
  std::string request_id;  // the client's id for the call ("" if none)
  api_call_kind kind = api_call_kind::chat;
  std::string model;  // non-empty
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  double cost_usd = 0;
  api_call_status status = api_call_status::ok;
  std::optional<std::string> failure_reason;  // for failed and refused calls
  std::int64_t latency_ms = 0;
  int attempts = 1;  // HTTP attempts, retries included; 0 when refused
  std::int64_t at_ms = 0;
};

// Stores the call and returns its id. Fails on an empty model, negative
// tokens, cost, latency or attempts, or a non-finite cost.
result<std::int64_t> record_api_usage(database& db, const api_usage_row& usage);

constexpr std::int64_t utc_day_ms = 24LL * 60 * 60 * 1000;

// The sum of cost_usd over the calls in the UTC day holding now_ms
// (midnight inclusive, the next midnight exclusive); 0 when none.
result<double> spent_on_utc_day(database& db, std::int64_t now_ms);

struct api_usage_totals {
  std::int64_t calls = 0;    // every row
  std::int64_t failed = 0;   // status failed
  std::int64_t refused = 0;  // status refused
  // Failed and refused calls by failure_reason ("unspecified" when none).
  std::map<std::string, std::int64_t> failures_by_reason;
  double cost_today_usd = 0;  // spent_on_utc_day(now_ms)
};

// The totals over every stored call, and today's cost.
result<api_usage_totals> usage_totals(database& db, std::int64_t now_ms);

}  // namespace troupe::store
