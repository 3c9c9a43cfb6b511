#include "runtime/llm/client.hpp"

#include <fmt/format.h>

#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "runtime/effect_gates.hpp"
#include "runtime/http/client.hpp"

namespace troupe::llm {
namespace {

using std::chrono::milliseconds;

// How a logical call ended, before it becomes a reply or an error.
struct call_outcome {
  bool ok = false;
  std::string reason;  // one word, when not ok
  std::string detail;  // in words, when not ok; never holds the key
  token_usage usage;
  std::string server_id;
};

// What one HTTP attempt's answer means: its parse succeeded, or why not and
// whether trying again may help.
struct attempt_verdict {
  attempt_outcome retry_view;
  std::string reason;  // empty iff the attempt succeeded
  std::string detail;
};

// Reads the body of a successful response into the caller's reply; fails
// when it is malformed. Returns the usage and server id on success.
using response_parser =
    std::function<result<std::pair<token_usage, std::string>>(const std::string&)>;

const char* reason_of(http::exchange_failure failure) {
  switch (failure) {
    case http::exchange_failure::none:
      return "";
    case http::exchange_failure::resolve:
    case http::exchange_failure::connect:
    case http::exchange_failure::connect_timeout:
      return "connect_failed";
    case http::exchange_failure::tls:
      return "tls_failed";
    case http::exchange_failure::timeout:
      return "timeout";
    case http::exchange_failure::io:
      return "connection_error";
  }
  return "connection_error";
}

std::optional<milliseconds> retry_after_of(const http::response& answer) {
  for (const auto& [name, value] : answer.headers) {
    if (http::case_insensitive_less{}(name, "retry-after") ||
        http::case_insensitive_less{}("retry-after", name)) {
      continue;
    }
    return parse_retry_after(value);
  }
  return std::nullopt;
}

attempt_verdict judge(const http::exchange_outcome& outcome, const response_parser& parse,
                      call_outcome& call) {
  attempt_verdict verdict;
  if (!outcome.answer) {
    verdict.reason = reason_of(outcome.failure);
    verdict.detail = outcome.message;
    verdict.retry_view.ended = outcome.failure == http::exchange_failure::tls
                                   ? attempt_outcome::kind::permanent_error
                                   : attempt_outcome::kind::connection_error;
    return verdict;
  }
  const auto& answer = *outcome.answer;
  if (answer.status >= 200 && answer.status <= 299) {
    auto parsed = parse(answer.body);
    if (parsed) {
      call.usage = parsed->first;
      call.server_id = parsed->second;
      return verdict;
    }
    verdict.reason = "malformed_response";
    verdict.detail = parsed.failure().message;
    verdict.retry_view.ended = attempt_outcome::kind::permanent_error;
    return verdict;
  }
  // The server's error text is left out: a 401's may quote part of the key.
  verdict.retry_view.status = answer.status;
  verdict.retry_view.retry_after = retry_after_of(answer);
  verdict.retry_view.quota_exhausted = answer.status == 429 && says_quota_exhausted(answer.body);
  verdict.reason = verdict.retry_view.quota_exhausted ? "quota_exhausted"
                                                      : "http_" + std::to_string(answer.status);
  verdict.detail = verdict.retry_view.quota_exhausted
                       ? "the provider says the quota is exhausted (429 insufficient_quota)"
                       : "the server answered " + std::to_string(answer.status);
  return verdict;
}

client_hooks with_defaults(client_hooks hooks) {
  if (!hooks.flags) hooks.flags = [] { return config::flags_config{}; };
  if (!hooks.spent_today_usd) hooks.spent_today_usd = [] { return 0.0; };
  if (!hooks.sink) hooks.sink = [](const call_record&) {};
  if (!hooks.now) hooks.now = [] { return std::chrono::steady_clock::now(); };
  if (!hooks.sleep) hooks.sleep = [](milliseconds delay) { std::this_thread::sleep_for(delay); };
  if (!hooks.random) {
    auto engine = std::make_shared<std::pair<std::mutex, std::mt19937_64>>();
    engine->second.seed(std::random_device{}());
    hooks.random = [engine] {
      const std::lock_guard<std::mutex> lock(engine->first);
      return std::uniform_real_distribution<double>(0.0, 1.0)(engine->second);
    };
  }
  return hooks;
}

}  // namespace

class client::impl {
 public:
  impl(client_settings settings, client_hooks hooks, http::base_url base)
      : settings_(std::move(settings)),
        hooks_(with_defaults(std::move(hooks))),
        base_(std::move(base)) {
    options_.connect_timeout = settings_.connect_timeout;
    options_.timeout = settings_.request_timeout;
    options_.ca_file = settings_.ca_file;
    if (!settings_.api_key.empty()) {
      options_.headers.emplace_back("Authorization", "Bearer " + settings_.api_key);
    }
    ids_.seed(std::random_device{}());
  }

  // One logical call: the gates, then attempts until success or no retry.
  // Fills `record` and returns how it ended.
  call_outcome perform(call_record& record, const std::string& target, const std::string& body,
                       const response_parser& parse) {
    record.request_id = next_request_id();
    const auto started = hooks_.now();
    if (auto refusal = admit(started)) {
      record.status = call_status::refused;
      record.failure_reason = refusal->reason;
      report(record);
      return *refusal;
    }
    call_outcome call;
    attempt_verdict verdict;
    for (int attempt = 1;; ++attempt) {
      record.attempts = attempt;
      const auto outcome = http::exchange(base_, target, body, "application/json", options_);
      verdict = judge(outcome, parse, call);
      if (verdict.reason.empty()) break;
      const auto decision =
          decide_retry(verdict.retry_view, attempt, settings_.retry, hooks_.random());
      if (!decision.retry) break;
      hooks_.sleep(decision.delay);
    }
    const auto ended = hooks_.now();
    call.ok = verdict.reason.empty();
    call.reason = verdict.reason;
    call.detail = verdict.detail;
    settle_breaker(call.ok, verdict.retry_view.quota_exhausted, ended);
    record.server_id = call.server_id;
    record.usage = call.usage;
    record.unpriced_model = !has_price(settings_.prices, record.model);
    record.cost_usd = cost_usd(settings_.prices, record.model, call.usage);
    record.status = call.ok ? call_status::ok : call_status::failed;
    record.failure_reason = call.reason;
    record.latency_ms = std::chrono::duration_cast<milliseconds>(ended - started).count();
    report(record);
    return call;
  }

  const client_settings& settings() const { return settings_; }

  client_status status() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return {breaker_, stats_.snapshot()};
  }

 private:
  // Asks llm_allowed() with the breaker's view; lets the call through (a
  // probe, when half-open) or says why not.
  std::optional<call_outcome> admit(clock_time now) {
    const auto flags = hooks_.flags();
    const double spent = hooks_.spent_today_usd();
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto admission = llm::admit(breaker_, now);
    const auto gate = llm_allowed(flags, llm_budget{spent, !admission.allowed});
    if (gate.allowed) {
      breaker_ = admission.next;
      return std::nullopt;
    }
    call_outcome refusal;
    refusal.reason = gate.reason;
    if (gate.reason == "budget_spent") {
      refusal.detail = fmt::format("{:.4f} USD spent today of DAILY_OPENAI_LIMIT_USD {:.4f}", spent,
                                   flags.daily_openai_limit_usd);
    } else if (flags.ai_quota_circuit_open) {
      refusal.detail = "AI_QUOTA_CIRCUIT_OPEN holds the circuit open";
    } else {
      refusal.detail = "the circuit breaker is open after failed calls";
    }
    return refusal;
  }

  void settle_breaker(bool ok, bool quota_exhausted, clock_time now) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (ok) {
      breaker_ = record_success(breaker_);
    } else if (quota_exhausted) {
      breaker_ = trip(breaker_, settings_.breaker, now);
    } else {
      breaker_ = record_failure(breaker_, settings_.breaker, now);
    }
  }

  void report(const call_record& record) {
    stats_.add(record);
    hooks_.sink(record);
  }

  std::string next_request_id() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return fmt::format("llm-{:016x}", ids_());
  }

  const client_settings settings_;
  const client_hooks hooks_;
  const http::base_url base_;
  http::exchange_options options_;
  call_stats stats_;  // thread-safe on its own
  mutable std::mutex mutex_;
  breaker_state breaker_;  // guarded by mutex_
  std::mt19937_64 ids_;    // guarded by mutex_
};

result<client> client::create(client_settings settings, client_hooks hooks) {
  auto base = http::parse_service_url(settings.base_url);
  if (!base) return error{"llm.baseUrl " + base.failure().message};
  return client(std::make_unique<impl>(std::move(settings), std::move(hooks), std::move(*base)));
}

client::client(std::unique_ptr<impl> state) : impl_(std::move(state)) {}
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;
client::~client() = default;

namespace {

error call_error(const char* kind, const call_record& record, const call_outcome& call) {
  return error{fmt::format("{}: LLM {} call {} ({}, {} attempt(s)): {}", call.reason, kind,
                           record.request_id, record.model, record.attempts, call.detail)};
}

}  // namespace

result<chat_reply> client::chat(const chat_request& request) {
  const auto& settings = impl_->settings();
  call_record record;
  record.kind = call_kind::chat;
  record.model = request.model.empty() ? settings.chat_model : request.model;
  std::string content;
  const auto call = impl_->perform(
      record, "/chat/completions", chat_body(record.model, request),
      [&content](const std::string& body) -> result<std::pair<token_usage, std::string>> {
        auto parsed = parse_chat(body);
        if (!parsed) return parsed.failure();
        content = std::move(parsed->content);
        return std::make_pair(parsed->usage, parsed->id);
      });
  if (!call.ok) return call_error("chat", record, call);
  return chat_reply{std::move(content), record.model,     record.usage,   record.cost_usd,
                    record.request_id,  record.server_id, record.attempts};
}

result<embedding_reply> client::embed(const std::vector<std::string>& inputs, std::string model) {
  const auto& settings = impl_->settings();
  call_record record;
  record.kind = call_kind::embedding;
  record.model = model.empty() ? settings.embed_model : std::move(model);
  std::vector<std::vector<float>> vectors;
  const auto call = impl_->perform(
      record, "/embeddings", embeddings_body(record.model, inputs),
      [&vectors, &inputs](const std::string& body) -> result<std::pair<token_usage, std::string>> {
        auto parsed = parse_embeddings(body, inputs.size());
        if (!parsed) return parsed.failure();
        vectors = std::move(parsed->vectors);
        return std::make_pair(parsed->usage, parsed->id);
      });
  if (!call.ok) return call_error("embedding", record, call);
  return embedding_reply{std::move(vectors), record.model,     record.usage,   record.cost_usd,
                         record.request_id,  record.server_id, record.attempts};
}

client_status client::status() const { return impl_->status(); }

std::string failure_reason(const error& failure) {
  return failure.message.substr(0, failure.message.find(':'));
}

}  // namespace troupe::llm
