#include "runtime/pipeline/posting.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "runtime/content/publishing.hpp"
#include "runtime/effect_gates.hpp"
#include "runtime/pipeline/approval.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/posted_decisions.hpp"
#include "runtime/system_clock.hpp"

namespace troupe::pipeline {
namespace {

using aol::adapter_outcome;
using store::decision_status;

// One attempt at a decision's post action.
struct post_attempt {
  const store::action& action;
  const aol::adapter_context& context;
  store::database db;
  store::content_decision decision;
  aol::post_request request;
  std::function<std::int64_t()> now_ms;
};

std::string question_for(const post_attempt& attempt, const std::string& why) {
  return fmt::format(
      "the post of decision {} ({}) is unconfirmed: {}. Was it posted? Answer {}<platform post id>, {} or {}",
      attempt.decision.decision_id, attempt.decision.account_id, why, content::answer_posted_prefix,
      content::answer_retry, content::answer_drop);
}

// Moves the decision, or says (retryably) why the store would not.
std::optional<adapter_outcome> move(post_attempt& attempt, decision_status to,
                                    const std::optional<std::string>& reason = std::nullopt) {
  auto moved = store::set_decision_status(attempt.db, attempt.decision.decision_id, to, reason, attempt.now_ms());
  if (!moved) return adapter_outcome::retryable(moved.failure().message);
  attempt.decision.status = to;
  return std::nullopt;
}

adapter_outcome record(post_attempt& attempt, const std::string& post_id) {
  auto recorded = store::record_post(attempt.db, attempt.decision.decision_id, post_id, attempt.now_ms());
  // Not recorded: the mark or the unconfirmed status stays, and the next
  // attempt's lookup finds the post.
  if (!recorded) return adapter_outcome::retryable(recorded.failure().message);
  spdlog::info("[POSTING] posted decision_id={} post_id={} attempt={}", attempt.decision.decision_id, post_id,
               attempt.action.attempts);
  return adapter_outcome::success();
}

adapter_outcome unconfirmed(post_attempt& attempt, const std::string& why, bool ask_operator) {
  if (auto failed = move(attempt, decision_status::unconfirmed, why)) return *failed;
  spdlog::warn("[POSTING] unconfirmed decision_id={} reason={}", attempt.decision.decision_id, why);
  if (ask_operator) return adapter_outcome::decision_needed(question_for(attempt, why));
  return adapter_outcome::retryable("unconfirmed: " + why);
}

std::vector<std::string> post_arguments(const post_attempt& attempt) {
  std::vector<std::string> extra{"--idempotency-key", attempt.action.idempotency_key, "--text", attempt.request.text};
  if (attempt.request.reply_to) {
    extra.push_back("--reply-to");
    extra.push_back(*attempt.request.reply_to);
  }
  return extra;
}

// The post's timeout: the verb's, cut to what a renewed lease surely covers.
std::chrono::milliseconds post_timeout(const aol::adapter_context& context) {
  return std::min(aol::verb_timeout, std::chrono::duration_cast<std::chrono::milliseconds>(
                                         context.renewed_lease - post_lease_margin));
}

adapter_outcome act_on(post_attempt& attempt, const content::post_result& result, bool after_operator) {
  using kind = content::post_result::kind;
  switch (result.result) {
    case kind::posted: return record(attempt, result.post_id);
    case kind::not_posted: {
      if (auto cleared = store::clear_post_attempt(attempt.db, attempt.decision.decision_id); !cleared) {
        return adapter_outcome::retryable(cleared.failure().message);
      }
      return adapter_outcome::retryable(result.reason);
    }
    case kind::failed: {
      if (auto failed = move(attempt, decision_status::failed, result.reason)) return *failed;
      return adapter_outcome::permanent_failure(result.reason);
    }
    case kind::unknown: break;
  }
  return unconfirmed(attempt, result.reason, after_operator);
}

// The irreversible part: the `post` verb, its lease and write-ahead mark first.
adapter_outcome post(post_attempt& attempt, bool after_operator) {
  const auto& context = attempt.context;
  const auto gate = posting_allowed(context.flags);
  if (!gate.allowed && !context.proof) return adapter_outcome::held(gate.reason, "posting");
  const auto timeout = post_timeout(context);
  if (timeout < min_post_timeout) {
    return adapter_outcome::permanent_failure(fmt::format(
        "aol.actionLeaseMs leaves a post {} ms: it needs at least {} ms more than aol.tickMs", timeout.count(),
        (min_post_timeout + post_lease_margin).count()));
  }
  auto invocation = aol::verb_invocation(context, attempt.action, "post", attempt.request.account,
                                         post_arguments(attempt), timeout);
  if (!invocation) return adapter_outcome::permanent_failure(invocation.failure().message);
  if (context.proof) return aol::prove_run(*invocation, attempt.action, context);
  if (!context.renew()) return adapter_outcome::retryable("could not extend the action's lease before posting");
  auto marked = store::begin_post_attempt(attempt.db, attempt.decision.decision_id, attempt.now_ms());
  if (!marked) return adapter_outcome::retryable(marked.failure().message);
  if (!*marked) return adapter_outcome::retryable("decision " + attempt.decision.decision_id + " changed meanwhile");
  return act_on(attempt, content::classify_post(aol::run_invocation(*invocation, context)), after_operator);
}

content::lookup_result look_up(post_attempt& attempt) {
  auto invocation = aol::verb_invocation(attempt.context, attempt.action, "lookup", attempt.request.account,
                                         {"--idempotency-key", attempt.action.idempotency_key}, lookup_timeout);
  if (!invocation) return {content::lookup_result::kind::unknown, "", invocation.failure().message};
  return content::classify_lookup(aol::run_invocation(*invocation, attempt.context));
}

adapter_outcome follow_answer(post_attempt& attempt, const std::string& text) {
  const auto answer = content::parse_operator_answer(text);
  if (!answer) return adapter_outcome::decision_needed(question_for(attempt, "\"" + text + "\" is not an answer"));
  // An answer is acted on once: a later unknown outcome asks again.
  auto consumed = store::consume_decision(attempt.db, attempt.action.id, attempt.action.lease_token, attempt.now_ms());
  if (!consumed) return adapter_outcome::retryable(consumed.failure().message);
  if (!*consumed) return adapter_outcome::retryable("lost the action's lease before following the answer");
  switch (answer->answer) {
    case content::operator_answer::kind::mark_posted: return record(attempt, answer->post_id);
    case content::operator_answer::kind::drop:
      if (auto failed = move(attempt, decision_status::failed, std::string(dropped_by_operator_reason))) return *failed;
      return adapter_outcome::success();
    case content::operator_answer::kind::retry: break;
  }
  if (auto moved = move(attempt, decision_status::posting)) return *moved;
  return post(attempt, true);
}

// An unconfirmed decision: the operator's answer when there is one, else the driver's lookup.
adapter_outcome reconcile(post_attempt& attempt) {
  if (attempt.action.decision) return follow_answer(attempt, *attempt.action.decision);
  const auto found = look_up(attempt);
  const auto& id = attempt.decision.decision_id;
  switch (found.result) {
    case content::lookup_result::kind::found:
      spdlog::info("[POSTING] reconciled decision_id={} found=true post_id={}", id, found.post_id);
      return record(attempt, found.post_id);
    case content::lookup_result::kind::not_found:
      spdlog::info("[POSTING] reconciled decision_id={} found=false: one more attempt", id);
      if (auto moved = move(attempt, decision_status::posting)) return *moved;
      return post(attempt, false);
    case content::lookup_result::kind::unknown: break;
  }
  spdlog::warn("[POSTING] reconciled decision_id={} found=unknown ({}): an operator decides", id, found.reason);
  return adapter_outcome::decision_needed(question_for(attempt, "the driver's lookup cannot tell (" + found.reason + ")"));
}

adapter_outcome attempt_post(post_attempt& attempt) {
  const auto& decision = attempt.decision;
  switch (decision.status) {
    case decision_status::posted: return adapter_outcome::success();
    case decision_status::queued:  // the orchestrator stopped between enqueue and the status
      if (auto moved = move(attempt, decision_status::posting)) return *moved;
      return post(attempt, false);
    case decision_status::unconfirmed: return reconcile(attempt);
    case decision_status::posting:
      if (!decision.post_attempt_started_at_ms) return post(attempt, false);
      if (auto moved = move(attempt, decision_status::unconfirmed,
                            std::string("an earlier attempt was interrupted before its outcome was known"))) {
        return *moved;
      }
      return reconcile(attempt);
    default:
      return adapter_outcome::permanent_failure("decision " + decision.decision_id + " is " +
                                                store::to_string(decision.status) + ": nothing to post");
  }
}

adapter_outcome run_decision_post(const store::action& action, const aol::adapter_context& context,
                                  const std::string& decision_id, const config::db_config& db_config,
                                  const std::function<std::int64_t()>& now_ms) {
  auto request = aol::post_request_of(action);
  if (!request) return adapter_outcome::permanent_failure(request.failure().message);
  auto db = store::database::open(db_config.url, db_config.busy_timeout_ms);
  if (!db) return adapter_outcome::retryable(db.failure().message);
  auto decision = store::load_decision(*db, decision_id);
  if (!decision) return adapter_outcome::retryable(decision.failure().message);
  if (!*decision) return adapter_outcome::permanent_failure("no decision " + decision_id);
  post_attempt attempt{action, context, std::move(db).value(), std::move(**decision), std::move(*request), now_ms};
  return attempt_post(attempt);
}

}  // namespace

aol::adapter posting_adapter(const config::db_config& db, std::function<std::int64_t()> now_ms) {
  return [db, now_ms = std::move(now_ms)](const store::action& action, const aol::adapter_context& context) {
    auto payload = aol::payload_object(action);
    if (!payload) return adapter_outcome::permanent_failure(payload.failure().message);
    auto decision_id = aol::string_field(*payload, "decision_id", action, false);
    if (!decision_id) return adapter_outcome::permanent_failure(decision_id.failure().message);
    if (!*decision_id) return aol::post_social(action, context);
    return run_decision_post(action, context, **decision_id, db, now_ms);
  };
}

void add_content_adapters(aol::adapter_registry& registry, const config::db_config& db) {
  registry.add(approve_decision_action, approval_adapter(db));
  registry.add(post_social_action, posting_adapter(db, system_now_ms));
}

bool posting_memory::first_time(const std::string& decision_id, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  return logged_[decision_id].insert(reason).second;
}

void posting_memory::keep_only(const std::set<std::string>& still_due) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto entry = logged_.begin(); entry != logged_.end();) {
    entry = still_due.count(entry->first) != 0 ? std::next(entry) : logged_.erase(entry);
  }
}

content::post_rate_limits post_rate_limits_of(const config::troupe_config& config,
                                              const config::flags_config& flags) {
  return {flags.max_posts_per_hour, flags.min_post_interval_minutes,
          config.content.platform_max_posts_per_hour};
}

content::post_history post_history_of(const std::vector<store::post_time>& posts,
                                      const std::string& account) {
  content::post_history history;
  for (const auto& post : posts) {
    history.platform_posts_ms.push_back(post.at_ms);
    if (post.account_id == account) history.account_posts_ms.push_back(post.at_ms);
  }
  return history;
}

}  // namespace troupe::pipeline
