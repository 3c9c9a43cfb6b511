// What one logical LLM call cost and how it ended: the row an operator reads
// in the `api_usage` table. The client reports one `call_record` per logical
// call (chat or embedding), whatever its number of HTTP attempts, through a
// caller-supplied sink. Plain values; copy freely.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace troupe::llm {

// The `usage` block of a response; zero when the server sent none.
struct token_usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;
};

enum class call_kind { chat, embedding };
enum class call_status {
  ok,       // a response was parsed
  failed,   // attempted, and no usable response came
  refused,  // not attempted: a gate said no (budget, circuit)
};

// "chat" / "embedding"; "ok" / "failed" / "refused".
const char* name_of(call_kind kind);
const char* name_of(call_status status);

struct call_record {
  std::string request_id;  // ours, generated per logical call ("llm-" + 16 hex digits)
  std::string server_id;   // the response's `id`, empty when none
  call_kind kind = call_kind::chat;
  std::string model;
  token_usage usage;
  double cost_usd = 0.0;
  bool unpriced_model = false;  // the model has no price in llm.prices: cost_usd is 0
  call_status status = call_status::ok;
  // Empty when ok; else one word: http_NNN, timeout, connect_failed,
  // connection_error, tls_failed, quota_exhausted, malformed_response, or a
  // gate's reason (ai_quota_circuit_open, budget_spent) when refused.
  std::string failure_reason;
  std::int64_t latency_ms = 0;  // from the first attempt to the end, backoff sleeps included
  int attempts = 0;             // HTTP attempts made; 0 when refused
};

// Where the client reports each call; called on the calling thread, after
// the call ended and before it returns. Must not throw.
using call_sink = std::function<void(const call_record&)>;

}  // namespace troupe::llm
