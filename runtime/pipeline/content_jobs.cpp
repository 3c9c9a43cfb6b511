#include "runtime/pipeline/content_jobs.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "runtime/content/bandits.hpp"
#include "runtime/content/embedding.hpp"
#include "runtime/content/gates.hpp"
#include "runtime/content/generation.hpp"
#include "runtime/content/learning.hpp"
#include "runtime/llm/client.hpp"
#include "runtime/pipeline/approval.hpp"
#include "runtime/pipeline/job_support.hpp"
#include "runtime/pipeline/outcome_jobs.hpp"
#include "runtime/pipeline/posting.hpp"
#include "runtime/pipeline/reply_pipeline.hpp"
#include "runtime/policy/local_time.hpp"
#include "runtime/policy/rng.hpp"
#include "runtime/store/bandit_arms.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/outcomes.hpp"
#include "runtime/store/reply_opportunities.hpp"

namespace troupe::pipeline {
namespace {

constexpr std::int64_t rotation_window_ms = content::rotation_default_window_ms;
constexpr std::int64_t slot_lead_ms = 60'000;  // a slot starting this minute is tomorrow's

// A run's failures are counted and go on: one account's bad LLM answer
// does not stop the others.
struct planning_run_counts {
  int queued = 0;  // queued posts, planned replies
  int awaiting = 0;
  int skipped = 0;
  int failed = 0;
  std::string summary() const {
    return fmt::format("queued {}, awaiting approval {}, skipped {}, failed {}", queued, awaiting, skipped, failed);
  }
};

// What one run works with.
struct run_state {
  const config::troupe_config& config;
  const pipeline_services& services;
  config::flags_config flags;
  bool live = false;
  store::database db;
  policy::rng random;
  std::int64_t now_ms = 0;
  planning_run_counts counts;
  // The learn job's latest predictors; none until it has trained.
  std::optional<content::trained_predictors> predictors;
};

content::gate_settings gate_settings_of(const config::troupe_config& config, const config::flags_config& flags) {
  content::gate_settings settings;
  const auto& quality = config.content.quality;
  settings.quality.min_chars = static_cast<std::size_t>(quality.min_chars);
  settings.quality.max_chars = static_cast<std::size_t>(quality.max_chars);
  settings.quality.banned_phrases = quality.banned_phrases;
  settings.quality.max_links = quality.max_links;
  settings.quality.max_hashtags = quality.max_hashtags;
  settings.quality.llm_weight = quality.llm_weight;
  settings.quality.min_quality_score = flags.min_quality_score;
  settings.dup_cosine_threshold = flags.dup_cosine_threshold;
  settings.similarity_threshold = flags.similarity_threshold;
  return settings;
}

// Opens the store and settles approvals; the run's state, or why it cannot run.
result<run_state> start_run(const jobs::job_run_context& run, const pipeline_services& services) {
  auto db = open_job_store(*run.config);
  if (!db) return db.failure();
  const auto flags = services.flags(*run.config);
  run_state state{*run.config, services, flags, flags.mode == "live", std::move(db).value(),
                  policy::rng(services.seed ^ policy::fnv1a_64(run.run_id)), services.now_ms(), {}, std::nullopt};
  auto settled = settle_approvals(state.db, state.config, state.now_ms);
  if (!settled) return settled.failure();
  auto latest = store::latest_predictor(state.db, store::content_predictor);
  if (!latest) return latest.failure();
  if (*latest) state.predictors = content::predictors_from_json((*latest)->weights_json);
  return state;
}

// Live mode without the LLM plans nothing: returns the reason, logged once per run.
std::optional<std::string> llm_missing_in_live_mode(run_state& state, const char* tag) {
  if (!state.live) return std::nullopt;
  const auto available = state.services.llm->availability(state.config);
  if (available.allowed) return std::nullopt;
  spdlog::warn("[{}] live mode and the LLM is not available ({}): queuing nothing", tag, available.reason);
  return available.reason;
}

content::arm_labels labels_of(const config::content_arm_config& arm) { return {arm.name, arm.topic, arm.angle}; }

// The content arms of `scope` as Thompson reads them: the config's arms, in
// its order, with the state learned so far (a new arm starts at Beta(1, 1)).
result<std::vector<content::beta_arm>> load_content_arms(run_state& state, const std::string& scope) {
  auto stored = store::load_bandit_arms(state.db, scope);
  if (!stored) return stored.failure();
  std::vector<content::beta_arm> arms;
  for (const auto& configured : state.config.content.arms) {
    content::beta_arm arm{configured.name, 1, 1};
    for (const auto& known : *stored) {
      if (known.arm == configured.name) arm = {configured.name, known.alpha, known.beta};
    }
    arms.push_back(arm);
  }
  return arms;
}

// Counts one more pull of an arm (its Beta state stays: rewards come later).
status count_pull(run_state& state, const std::string& scope, const std::string& name, store::bandit_kind kind) {
  auto stored = store::load_bandit_arms(state.db, scope);
  if (!stored) return stored.failure();
  store::bandit_arm arm{scope, name, kind, 1, 1, 0, 0, 0};
  for (const auto& known : *stored) {
    if (known.arm == name) arm = known;
  }
  arm.pulls += 1;
  return store::upsert_bandit_arm(state.db, arm, state.now_ms);
}

struct arm_choice {
  content::arm_labels labels;
  double propensity = 0;
};

result<arm_choice> choose_arm(run_state& state, const std::string& scope) {
  auto arms = load_content_arms(state, scope);
  if (!arms) return arms.failure();
  auto chosen = content::choose_thompson(*arms, state.random);
  if (!chosen) return error{"content.arms is empty"};
  if (auto counted = count_pull(state, scope, chosen->name, store::bandit_kind::thompson); !counted) {
    return counted.failure();
  }
  return arm_choice{labels_of(state.config.content.arms[chosen->index]), chosen->propensity};
}

struct slot_choice {
  std::string slot;
  std::int64_t at_ms = 0;
};

const date::time_zone* zone_of_account(const config::troupe_config& config, const std::string& account) {
  for (const auto& pod : config.pods) {
    if (std::find(pod.accounts.begin(), pod.accounts.end(), account) != pod.accounts.end()) {
      return date::locate_zone(pod.timezone.empty() ? config.timezone : pod.timezone);
    }
  }
  return date::locate_zone(config.timezone);
}

result<slot_choice> choose_slot(run_state& state, const std::string& account) {
  const auto scope = "plan:timing:" + account;
  auto stored = store::load_bandit_arms(state.db, scope);
  if (!stored) return stored.failure();
  std::vector<content::slot_stats> slots;
  for (const auto& slot : state.config.content.timing_slots) {
    content::slot_stats stats{slot, 0, 0};
    for (const auto& known : *stored) {
      if (known.arm == slot) stats = {slot, static_cast<int>(known.pulls), known.reward_sum};
    }
    slots.push_back(stats);
  }
  auto chosen = content::choose_ucb1(slots);
  if (!chosen) return error{"content.timingSlots is empty"};
  const auto at = content::next_slot_instant(zone_of_account(state.config, account), state.now_ms, chosen->slot,
                                             slot_lead_ms);
  if (!at) return error{"content.timingSlots: \"" + chosen->slot + "\" is not HH:MM"};
  if (auto counted = count_pull(state, scope, chosen->slot, store::bandit_kind::ucb); !counted) {
    return counted.failure();
  }
  return slot_choice{chosen->slot, *at};
}

struct generated_text {
  std::string text;
  std::optional<std::string> llm_request_id;
};

// The text: synthetic in shadow mode, the LLM's in live mode.
result<generated_text> generate(run_state& state, const llm::chat_request& prompt, std::string synthetic) {
  if (!state.live) return generated_text{std::move(synthetic), std::nullopt};
  auto reply = state.services.llm->chat(prompt);
  if (!reply) return reply.failure();
  return generated_text{content::clean_generated_text(reply->content), reply->request_id};
}

// The embedding model's vector in live mode, else (or when it fails) the local one.
content::embedding embed(run_state& state, const std::string& text) {
  if (state.live) {
    auto remote = state.services.llm->embed({text});
    if (remote && remote->vectors.size() == 1) return {remote->model, std::move(remote->vectors.front())};
    spdlog::warn("embedding model failed ({}); using the local embedding",
                 remote ? std::string("no vector") : remote.failure().message);
  }
  return content::local_embedding(text);
}

result<std::vector<content::recent_content>> recent_content_of(run_state& state, const std::string& account) {
  auto stored = store::recent_account_content(state.db, account, state.now_ms - rotation_window_ms);
  if (!stored) return stored.failure();
  std::vector<content::recent_content> recent;
  recent.reserve(stored->size());
  for (auto& item : *stored) {
    recent.push_back({item.decision_id, {item.embedding_model, std::move(item.embedding)}, item.topic_cluster,
                      item.angle, item.created_at_ms});
  }
  return recent;
}

// A generated piece of content on its way into the store.
struct draft {
  store::content_decision decision;
  content::choice_features choice;
  content::embedding vector;
};

// Runs the gates, stores the decision (and its approval request) and logs it.
status gate_and_store(run_state& state, draft& item, const char* tag) {
  auto& decision = item.decision;
  auto recent = recent_content_of(state, decision.account_id);
  if (!recent) return recent.failure();
  content::gate_candidate candidate{decision.content, std::nullopt, item.vector, {decision.topic_cluster, decision.angle}};
  const auto chain = content::run_gate_chain(candidate, *recent, state.now_ms, gate_settings_of(state.config, state.flags));
  decision.quality_score = chain.quality.score;
  if (state.predictors) {
    const auto features = content::features_from_scores(chain.quality.score, chain.uniqueness.score, decision.content,
                                                        decision.type == store::decision_type::reply);
    decision.predicted_er = content::predict(state.predictors->engagement, content::feature_vector(features));
  }
  decision.features_json = content::decision_features_json(chain, item.choice);
  decision.embedding = item.vector.values;
  decision.embedding_model = item.vector.model;
  const content::approval_rule rule{state.live, state.config.approval.posts, state.flags.auto_approve};
  if (!chain.passed()) {
    decision.status = store::decision_status::skipped;
    decision.skip_reason = content::gate_chain_skip_reason(chain);
  } else if (decision.type == store::decision_type::reply) {
    decision.status = store::decision_status::planned;  // the executor asks for approval after its preflight
  } else if (content::needs_approval(rule, false)) {
    decision.status = store::decision_status::awaiting_approval;
  }
  if (auto stored = store::insert_decision(state.db, decision, state.now_ms); !stored) return stored.failure();
  if (decision.status == store::decision_status::awaiting_approval) {
    if (auto requested = request_approval(state.db, decision, state.now_ms); !requested) return requested.failure();
  }
  if (auto line = content::gate_chain_log_line(chain, decision.decision_id)) {
    spdlog::info("{}", *line);
    state.counts.skipped += 1;
    return {};
  }
  (decision.status == store::decision_status::awaiting_approval ? state.counts.awaiting : state.counts.queued) += 1;
  spdlog::info("[{}] generated decision_id={} status={} {}", tag, decision.decision_id,
               store::to_string(decision.status),
               decision.scheduled_at_ms ? "scheduled_at=" + policy::iso_utc_time(*decision.scheduled_at_ms)
                                        : "target=" + decision.target_post_id.value_or(""));
  return {};
}

store::content_decision new_decision(run_state& state, const std::string& account, const content::arm_labels& arm,
                                     const char* pipeline) {
  store::content_decision decision;
  decision.decision_id = content::new_decision_id(state.random);
  decision.account_id = account;
  decision.bandit_arm = arm.name;
  decision.topic_cluster = arm.topic;
  decision.angle = arm.angle;
  decision.source = state.live ? store::generation_source::real : store::generation_source::synthetic;
  decision.pipeline_source = pipeline;
  return decision;
}

content::choice_features choice_of(const run_state& state, const arm_choice& arm, const generated_text& text) {
  content::choice_features choice;
  choice.arm = arm.labels.name;
  choice.arm_propensity = arm.propensity;
  choice.generation_source = state.live ? "real" : "synthetic";
  choice.llm_request_id = text.llm_request_id;
  return choice;
}

// ---- plan --------------------------------------------------------------------

result<std::int64_t> open_plan_decisions(run_state& state, const std::string& account) {
  std::int64_t open = 0;
  for (auto status : {store::decision_status::queued, store::decision_status::awaiting_approval}) {
    store::decision_filter filter{status, std::nullopt, std::string(plan_pipeline), account};
    auto listed = store::list_decisions(state.db, filter, {1, 0});
    if (!listed) return listed.failure();
    open += listed->total;
  }
  return open;
}

status plan_account(run_state& state, const std::string& account) {
  auto open = open_plan_decisions(state, account);
  if (!open) return open.failure();
  if (*open >= state.config.content.max_queued_per_account) return {};
  auto arm = choose_arm(state, content_arm_scope(plan_pipeline));
  if (!arm) return arm.failure();
  auto slot = choose_slot(state, account);
  if (!slot) return slot.failure();
  const auto max_chars = state.config.content.quality.max_chars;
  auto text = generate(state, content::post_prompt(arm->labels, account, max_chars),
                       content::synthetic_post(arm->labels, state.random));
  if (!text) {
    state.counts.failed += 1;
    spdlog::warn("[PLAN_JOB] no post for account={}: {}", account, text.failure().message);
    return {};
  }
  draft item{new_decision(state, account, arm->labels, plan_pipeline), choice_of(state, *arm, *text), {}};
  item.decision.content = text->text;
  item.decision.timing_arm = slot->slot;
  item.decision.propensity = arm->propensity;
  item.decision.scheduled_at_ms = slot->at_ms;
  item.choice.slot = slot->slot;
  item.vector = embed(state, text->text);
  item.choice.embedding_model = item.vector.model;
  return gate_and_store(state, item, "PLAN_JOB");
}

// ---- reply -------------------------------------------------------------------

bool is_configured(const config::troupe_config& config, const std::string& account) {
  const auto accounts = configured_accounts(config);
  return std::find(accounts.begin(), accounts.end(), account) != accounts.end();
}

status reply_to(run_state& state, const store::reply_opportunity& target) {
  auto arm = choose_arm(state, content_arm_scope(reply_planner_pipeline));
  if (!arm) return arm.failure();
  const auto max_chars = state.config.content.quality.max_chars;
  auto text = generate(state, content::reply_prompt(arm->labels, target.target_text, max_chars),
                       content::synthetic_reply(arm->labels, target.target_text, state.random));
  if (!text) {
    state.counts.failed += 1;
    spdlog::warn("[REPLY_JOB] no reply to target={}: {}", target.target_post_id, text.failure().message);
    return {};
  }
  draft item{new_decision(state, target.account_id, arm->labels, reply_planner_pipeline), choice_of(state, *arm, *text), {}};
  item.decision.type = store::decision_type::reply;
  item.decision.content = text->text;
  item.decision.propensity = arm->propensity;
  item.decision.target_post_id = target.target_post_id;
  item.decision.target_author_id = target.target_author_id;
  item.vector = embed(state, text->text);
  item.choice.embedding_model = item.vector.model;
  // Taken just before storing: of two runs, only one replies to a target.
  auto taken = store::take_opportunity(state.db, target.id, item.decision.decision_id, state.now_ms);
  if (!taken) return taken.failure();
  if (!*taken) return {};
  return gate_and_store(state, item, "REPLY_JOB");
}

// Runs `each` over `items` until the run is cancelled; the first store
// failure fails the run.
template <typename Items, typename Each>
jobs::job_result run_each(run_state& state, const jobs::job_run_context& run, const Items& items, Each each) {
  for (const auto& item : items) {
    if (run.cancel && run.cancel->cancelled()) return {false, "cancelled; " + state.counts.summary()};
    if (auto done = each(item); !done) return {false, done.failure().message + "; " + state.counts.summary()};
  }
  return {true, state.counts.summary()};
}

}  // namespace

jobs::job_result run_plan(const jobs::job_run_context& run, const pipeline_services& services) {
  auto state = start_run(run, services);
  if (!state) return {false, state.failure().message};
  if (auto reason = llm_missing_in_live_mode(*state, "PLAN_JOB")) return {true, "queued nothing: llm " + *reason};
  return run_each(*state, run, configured_accounts(*run.config),
                  [&](const std::string& account) { return plan_account(*state, account); });
}

jobs::job_result run_reply(const jobs::job_run_context& run, const pipeline_services& services) {
  auto state = start_run(run, services);
  if (!state) return {false, state.failure().message};
  if (auto reason = llm_missing_in_live_mode(*state, "REPLY_JOB")) return {true, "queued nothing: llm " + *reason};
  const auto oldest = state->now_ms - std::int64_t{run.config->content.reply.max_target_age_hours} * 3'600'000;
  auto open = store::fresh_opportunities(state->db, oldest, std::max(1, run.config->content.replies_per_run));
  if (!open) return {false, open.failure().message};
  return run_each(*state, run, *open, [&](const store::reply_opportunity& target) -> status {
    if (!is_configured(*run.config, target.account_id)) return {};  // another node's account, or one removed
    return reply_to(*state, target);
  });
}

std::string content_arm_scope(const std::string& pipeline_source) {
  return (pipeline_source == plan_pipeline ? std::string(plan_pipeline) : std::string("reply")) + ":content";
}

jobs::job_catalog content_jobs(pipeline_services services) {
  auto shared = std::make_shared<const pipeline_services>(std::move(services));
  posting_services posting_parts;
  posting_parts.flags = shared->flags;
  posting_parts.now_ms = shared->now_ms;
  posting_parts.on_skip = shared->on_post_skip;
  auto posting = std::make_shared<const posting_services>(std::move(posting_parts));
  auto outcomes = std::make_shared<const outcome_services>(
      outcome_services{shared->flags, shared->now_ms, shared->driver_program, shared->seed, shared->on_learn_run});
  const auto with = [shared](auto body) {
    return [shared, body](const jobs::job_run_context& run) { return body(run, *shared); };
  };
  jobs::job_catalog catalog{
      {"plan", with(run_plan)},
      {"reply", with(run_reply)},
      {"harvest", with(run_harvest)},
      {"schedule", with(run_schedule)},
      {"execute", with(run_execute)},
      {"posting", [posting](const jobs::job_run_context& run) { return run_posting(run, *posting); }},
      {"collect", [outcomes](const jobs::job_run_context& run) { return run_collect(run, *outcomes); }},
      {"learn", [outcomes](const jobs::job_run_context& run) { return run_learn(run, *outcomes); }}};
  for (auto& [name, body] : catalog) body = recorded(std::move(body), shared->now_ms);
  return catalog;
}

}  // namespace troupe::pipeline
