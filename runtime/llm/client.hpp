// An OpenAI-compatible LLM client: `POST {baseUrl}/chat/completions` and
// `POST {baseUrl}/embeddings` over HTTP or HTTPS (the peer's certificate and
// name verified), with a connect and a per-attempt request timeout, retries
// (retry_policy.hpp), a circuit breaker (breaker.hpp), the daily budget and
// AI_QUOTA_CIRCUIT_OPEN asked through llm_allowed() before any network
// traffic, and one call_record per logical call reported to a sink.
//
// Calls are synchronous and block the calling thread for up to
// (maxRetries + 1) request timeouts plus the backoff sleeps: run them on a
// thread of your own, never on a CAF scheduler thread or an HTTP I/O thread.
// Thread-safe: many threads may call one client at once (the breaker and
// counters are shared under a lock). Failures are values: each error's
// message starts with its one-word reason ("budget_spent: ..."), see
// failure_reason(). No message or log line ever holds the API key.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "runtime/llm/breaker.hpp"
#include "runtime/llm/call_stats.hpp"
#include "runtime/llm/cost.hpp"
#include "runtime/llm/openai_wire.hpp"
#include "runtime/llm/retry_policy.hpp"
#include "runtime/llm/usage.hpp"
#include "runtime/result.hpp"

namespace troupe::llm {

// Everything the client needs from the configuration (see settings.hpp for
// how it is derived from llm_config, the flags and the environment).
struct client_settings {
  std::string base_url = "https://api.openai.com/v1";  // http:// or https://, with its path prefix
  std::string api_key;      // sent as "Authorization: Bearer KEY"; empty = no header
  std::string chat_model;   // used when a request names none
  std::string embed_model;  // used when a call names none
  std::string ca_file;      // PEM CAs trusted besides the system's, for HTTPS
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{60'000};  // per HTTP attempt
  retry_settings retry;
  breaker_settings breaker;
  price_table prices;
};

// The client's view of the world, injectable for tests. Every member has a
// working default except `flags`, whose default is the built-in flags. They
// are called on the calling threads: thread-safe they must be when several
// threads share one client.
struct client_hooks {
  // The effective flags now (config plus environment; hot reload may change them).
  std::function<config::flags_config()> flags;
  // What the LLM has spent today (UTC), e.g. the api_usage sum; default 0.
  std::function<double()> spent_today_usd;
  call_sink sink;                                        // default: drop the records
  std::function<clock_time()> now;                       // default: steady_clock::now
  std::function<void(std::chrono::milliseconds)> sleep;  // default: this thread sleeps
  std::function<double()> random;  // uniform in [0, 1); default: seeded mt19937
};

struct chat_reply {
  std::string content;
  std::string model;
  token_usage usage;
  double cost_usd = 0.0;
  std::string request_id;  // ours, as in the call_record
  std::string server_id;
  int attempts = 0;
};

struct embedding_reply {
  std::vector<std::vector<float>> vectors;  // one per input, in input order
  std::string model;
  token_usage usage;
  double cost_usd = 0.0;
  std::string request_id;
  std::string server_id;
  int attempts = 0;
};

// The breaker's state and the call counters, for /api/metrics.
struct client_status {
  breaker_state breaker;
  call_counts calls;
};

class client {
 public:
  // Fails when the base URL is not http(s)://HOST[:PORT][/PREFIX].
  static result<client> create(client_settings settings, client_hooks hooks);

  client(client&&) noexcept;
  client& operator=(client&&) noexcept;
  ~client();

  // One chat completion: choices[0].message.content.
  result<chat_reply> chat(const chat_request& request);

  // One embedding per input. `model` empty = the settings' embed model.
  result<embedding_reply> embed(const std::vector<std::string>& inputs, std::string model = {});

  client_status status() const;

 private:
  class impl;  // the HTTP exchange, breaker state and random source, kept out of this header
  explicit client(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

// The one-word reason an error of this client starts with ("budget_spent").
std::string failure_reason(const error& failure);

}  // namespace troupe::llm
