// The daemon's one LLM client, wired to the store: the budget gate reads
// today's spend from `api_usage`, and every call (made, failed or refused)
// becomes a row there. One client for the process keeps one circuit
// breaker, whichever job calls.
//
// The client's settings (base URL, models, key, timeouts, prices) are read
// once, at start; the flags (MODE, budget, AI_QUOTA_CIRCUIT_OPEN) are read at
// every call, so a reload changes them at once. Calls block: run them on a
// job's thread, never on a CAF scheduler thread. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/flags.hpp"
#include "runtime/effect_gates.hpp"
#include "runtime/llm/client.hpp"
#include "runtime/store/database.hpp"

namespace troupe::pipeline {

class llm_service {
 public:
  // `flags` returns the effective flags now. The service opens its own
  // connection to config.db.url when it first needs one. A base URL the
  // client refuses leaves the service without a client: availability()
  // then says `bad_base_url`.
  static std::shared_ptr<llm_service> create(const config::troupe_config& config,
                                             std::function<config::flags_config()> flags,
                                             config::environment_lookup lookup);

  // Whether a call may go now, and why not: no_api_key, bad_base_url,
  // ai_quota_circuit_open (the flag or the breaker), budget_spent.
  gate_decision availability(const config::troupe_config& config);

  result<llm::chat_reply> chat(const llm::chat_request& request);
  result<llm::embedding_reply> embed(const std::vector<std::string>& inputs);

  llm_service(const llm_service&) = delete;
  llm_service& operator=(const llm_service&) = delete;

 private:
  llm_service(std::string db_url, int busy_timeout_ms, config::environment_lookup lookup);

  double spent_today_usd();
  void record(const llm::call_record& call);
  // The store connection, opened on first use; null while it cannot be opened.
  store::database* database_locked();

  std::string db_url_;
  int busy_timeout_ms_;
  config::environment_lookup lookup_;
  std::optional<llm::client> client_;
  std::mutex db_mutex_;
  std::optional<store::database> db_;
};

}  // namespace troupe::pipeline
