#include "runtime/pipeline/llm_service.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "runtime/llm/settings.hpp"
#include "runtime/store/api_usage.hpp"
#include "runtime/system_clock.hpp"

namespace troupe::pipeline {
namespace {

store::api_usage_row usage_row_of(const llm::call_record& call, std::int64_t now_ms) {
  store::api_usage_row row;
  row.request_id = call.request_id;
  row.kind = call.kind == llm::call_kind::chat ? store::api_call_kind::chat : store::api_call_kind::embedding;
  row.model = call.model.empty() ? std::string("unknown") : call.model;
  row.prompt_tokens = call.usage.prompt_tokens;
  row.completion_tokens = call.usage.completion_tokens;
  row.cost_usd = call.cost_usd;
  switch (call.status) {
    case llm::call_status::ok: row.status = store::api_call_status::ok; break;
    case llm::call_status::failed: row.status = store::api_call_status::failed; break;
    case llm::call_status::refused: row.status = store::api_call_status::refused; break;
  }
  if (!call.failure_reason.empty()) row.failure_reason = call.failure_reason;
  row.latency_ms = call.latency_ms;
  row.attempts = call.attempts;
  row.at_ms = now_ms;
  return row;
}

}  // namespace

llm_service::llm_service(std::string db_url, int busy_timeout_ms, config::environment_lookup lookup)
    : db_url_(std::move(db_url)), busy_timeout_ms_(busy_timeout_ms), lookup_(std::move(lookup)) {}

std::shared_ptr<llm_service> llm_service::create(const config::troupe_config& config,
                                                 std::function<config::flags_config()> flags,
                                                 config::environment_lookup lookup) {
  // The hooks point at the service: it must not move, hence no make_shared of a public constructor.
  std::shared_ptr<llm_service> service(new llm_service(config.db.url, config.db.busy_timeout_ms, lookup));
  llm::client_hooks hooks;
  hooks.flags = std::move(flags);
  hooks.spent_today_usd = [raw = service.get()] { return raw->spent_today_usd(); };
  hooks.sink = [raw = service.get()](const llm::call_record& call) { raw->record(call); };
  auto client = llm::client::create(llm::settings_from_config(config, lookup), std::move(hooks));
  if (client) {
    service->client_.emplace(std::move(client).value());
  } else {
    spdlog::warn("the LLM is not available: {}", client.failure().message);
  }
  return service;
}

gate_decision llm_service::availability(const config::troupe_config& config) {
  llm_budget budget;
  budget.spent_today_usd = spent_today_usd();
  budget.circuit_open = client_ && client_->status().breaker.phase == llm::breaker_phase::open;
  const auto flags = config::apply_environment(config.flags, lookup_);
  auto decision = llm::llm_availability(config, flags, budget, lookup_);
  if (decision.allowed && !client_) return {false, "bad_base_url"};
  return decision;
}

result<llm::chat_reply> llm_service::chat(const llm::chat_request& request) {
  if (!client_) return error{"bad_base_url: the LLM client could not be created"};
  return client_->chat(request);
}

result<llm::embedding_reply> llm_service::embed(const std::vector<std::string>& inputs) {
  if (!client_) return error{"bad_base_url: the LLM client could not be created"};
  return client_->embed(inputs);
}

store::database* llm_service::database_locked() {
  if (!db_) {
    auto opened = store::database::open(db_url_, busy_timeout_ms_);
    if (!opened) {
      spdlog::warn("LLM usage: {}", opened.failure().message);
      return nullptr;
    }
    db_.emplace(std::move(opened).value());
  }
  return &*db_;
}

double llm_service::spent_today_usd() {
  std::lock_guard lock(db_mutex_);
  auto* db = database_locked();
  if (db == nullptr) return 0.0;
  auto spent = store::spent_on_utc_day(*db, system_now_ms());
  if (!spent) {
    spdlog::warn("LLM budget: cannot read today's spend: {}", spent.failure().message);
    db_.reset();  // reconnect at the next call
    return 0.0;
  }
  return *spent;
}

void llm_service::record(const llm::call_record& call) {
  std::lock_guard lock(db_mutex_);
  auto* db = database_locked();
  if (db == nullptr) return;
  if (auto stored = store::record_api_usage(*db, usage_row_of(call, system_now_ms())); !stored) {
    spdlog::warn("LLM usage: call {} not recorded: {}", call.request_id, stored.failure().message);
    db_.reset();
  }
}

}  // namespace troupe::pipeline
