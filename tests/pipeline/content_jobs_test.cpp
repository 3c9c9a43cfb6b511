// The plan and reply jobs' runs against a real store (SQLite, and PostgreSQL
// under pg_virtualenv) and, in live mode, the fake OpenAI-compatible server:
// what they queue, skip and hold for approval, and what they never call.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "config/flags.hpp"
#include "config/loader.hpp"
#include "runtime/pipeline/approval.hpp"
#include "runtime/pipeline/content_jobs.hpp"
#include "runtime/store/aol_actions.hpp"
#include "runtime/store/statements.hpp"
#include "runtime/store/api_usage.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/content/learning.hpp"
#include "runtime/store/outcomes.hpp"
#include "runtime/store/reply_opportunities.hpp"
#include "tests/llm/fake_server.hpp"
#include "tests/store/scratch_database.hpp"

using namespace troupe;
using namespace troupe::store;
using namespace troupe::store::testing;

namespace {

constexpr std::int64_t now_ms = 1'780'300'800'000;  // 2026-06-01 08:00 UTC
constexpr const char* key_variable = "TROUPE_TEST_PIPELINE_KEY";

// The environment of the jobs: only the API key (when given) is set.
config::environment_lookup environment(bool with_key) {
  return [with_key](const char* name) -> const char* {
    return with_key && std::strcmp(name, key_variable) == 0 ? "test-key" : nullptr;
  };
}

std::shared_ptr<const config::troupe_config> config_of(const std::string& url, const std::string& extra) {
  auto loaded = config::load_config_text(
      {{"troupe.yaml", "pods: {alpha: [a1, a2], beta: [b1]}\n"
                       "db: {url: \"" + url + "\"}\n" + extra}});
  std::string findings;
  for (const auto& finding : loaded.diagnostics) findings += config::format(finding) + "\n";
  INFO(findings);
  REQUIRE(loaded.ok());
  return loaded.config;
}

// The jobs' services over `config`, with a fixed clock and seed.
pipeline::pipeline_services services_for(const config::troupe_config& config, bool with_key) {
  pipeline::pipeline_services services;
  const auto lookup = environment(with_key);
  const auto flags = config::apply_environment(config.flags, lookup);
  services.llm = pipeline::llm_service::create(config, [flags] { return flags; }, lookup);
  services.flags = [lookup](const config::troupe_config& current) {
    return config::apply_environment(current.flags, lookup);
  };
  services.now_ms = [] { return now_ms; };
  services.seed = 5;
  return services;
}

jobs::job_run_context run_of(const std::string& job, const std::string& run_id,
                             std::shared_ptr<const config::troupe_config> config) {
  return {job, run_id, std::move(config), std::make_shared<driver::cancel_token>()};
}

std::vector<content_decision> decisions(database& db, decision_filter filter = {}) {
  auto listed = list_decisions(db, filter, {max_decision_page, 0});
  REQUIRE_OK(listed);
  return listed->decisions;
}

// The llm section for `server`, and the flags (live mode unless told otherwise).
std::string live_with(const llm::testing::fake_llm_server& server, const std::string& flags = "{mode: live}") {
  return "flags: " + flags + "\nllm: {baseUrl: \"" + server.base_url() + "\", apiKeyEnv: " + key_variable +
         ", maxRetries: 0}\n";
}

void add_opportunity(database& db, const std::string& account, const std::string& target,
                     std::int64_t posted_at_ms = now_ms - 60'000) {
  new_reply_opportunity found;
  found.account_id = account;
  found.target_post_id = target;
  found.target_author_id = "author-" + target;
  found.target_text = "Shipping the new release of our scheduler today, " + target;
  found.discovered_at_ms = now_ms - 60'000;
  found.metrics.posted_at_ms = posted_at_ms;
  auto stored = insert_opportunity(db, found);
  REQUIRE_OK(stored);
}

long long count_actions(database& db) {
  long long rows = 0;
  query_first_row(db.session(), "SELECT COUNT(*) FROM aol_actions", soci::into(rows));
  return rows;
}

}  // namespace

TEST_CASE("shadow mode: the plan job queues synthetic posts per account with no LLM call") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  llm::testing::fake_llm_server server;
  // The LLM is configured and has its key: shadow mode still calls nothing.
  const auto config = config_of(store.url(), live_with(server, "{mode: shadow}"));
  const auto services = services_for(*config, true);

  const auto first = pipeline::run_plan(run_of("plan", "plan-1", config), services);
  INFO(first.summary);
  CHECK(first.succeeded);
  auto planned = decisions(store.db());
  REQUIRE(planned.size() == 3);  // one per account
  for (const auto& decision : planned) {
    CHECK(decision.status == decision_status::queued);
    CHECK(decision.source == generation_source::synthetic);
    CHECK(decision.pipeline_source == "plan");
    CHECK(decision.embedding_model == "local-ngram-v1");
    CHECK(decision.scheduled_at_ms > now_ms);
    CHECK_FALSE(decision.bandit_arm.empty());
    CHECK_FALSE(decision.timing_arm.empty());
    REQUIRE(decision.propensity);
    CHECK(*decision.propensity > 0);
    const auto features = boost::json::parse(decision.features_json);
    CHECK(features.at("quality").at("pass") == true);
    CHECK(features.at("generation_source") == "synthetic");
  }
  CHECK(server.count() == 0);
  auto usage = usage_totals(store.db(), now_ms);
  REQUIRE_OK(usage);
  CHECK(usage->calls == 0);

  // content.maxQueuedPerAccount (3) bounds what waits per account.
  for (int run = 2; run <= 5; ++run) pipeline::run_plan(run_of("plan", "plan-" + std::to_string(run), config), services);
  decision_filter queued_a1;
  queued_a1.status = decision_status::queued;
  queued_a1.account_id = "a1";
  CHECK(decisions(store.db(), queued_a1).size() <= 3);
  CHECK(server.count() == 0);
}

TEST_CASE("a post the gates block is stored skipped with its gate's reason and scores") {
  migrated_database store(backend::sqlite);
  const auto config = config_of(store.url(), "content: {quality: {minChars: 400, maxChars: 500}}\n");
  const auto result = pipeline::run_plan(run_of("plan", "plan-1", config), services_for(*config, false));
  CHECK(result.succeeded);
  const auto planned = decisions(store.db());
  REQUIRE(planned.size() == 3);
  for (const auto& decision : planned) {
    CHECK(decision.status == decision_status::skipped);
    CHECK(decision.skip_reason == std::optional<std::string>("quality:too_short"));
    const auto features = boost::json::parse(decision.features_json);
    CHECK(features.at("blocked_by") == "quality");
    CHECK(features.at("quality").at("pass") == false);
  }
  CHECK(result.summary.find("skipped 3") != std::string::npos);
}

TEST_CASE("live mode: real posts from the LLM, embedded by the model, every call costed in api_usage") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  llm::testing::fake_llm_server server;
  const auto config = config_of(store.url(), live_with(server));
  const auto result = pipeline::run_plan(run_of("plan", "plan-1", config), services_for(*config, true));
  INFO(result.summary);
  CHECK(result.succeeded);
  const auto planned = decisions(store.db());
  REQUIRE(planned.size() == 3);
  for (const auto& decision : planned) {
    CHECK(decision.source == generation_source::real);
    CHECK(decision.embedding_model != "local-ngram-v1");
    CHECK_FALSE(decision.content.empty());
    const auto features = boost::json::parse(decision.features_json);
    CHECK(features.at("llm_request_id").is_string());
  }
  CHECK(server.count() == 6);  // a chat and an embedding per account
  auto usage = usage_totals(store.db(), now_ms);
  REQUIRE_OK(usage);
  CHECK(usage->calls == 6);
  CHECK(usage->failed == 0);
}

TEST_CASE("live mode without the LLM queues nothing and says why") {
  migrated_database store(backend::sqlite);
  llm::testing::fake_llm_server server;
  const auto config = config_of(store.url(), live_with(server));

  const auto keyless = pipeline::run_plan(run_of("plan", "plan-1", config), services_for(*config, false));
  CHECK(keyless.succeeded);
  CHECK(keyless.summary == "queued nothing: llm no_api_key");

  const auto held_open = config_of(store.url(), live_with(server, "{mode: live, aiQuotaCircuitOpen: true}"));
  const auto circuit = pipeline::run_reply(run_of("reply", "reply-1", held_open), services_for(*held_open, true));
  CHECK(circuit.summary == "queued nothing: llm ai_quota_circuit_open");

  CHECK(decisions(store.db()).empty());
  CHECK(server.count() == 0);
}

TEST_CASE("the reply planner plans one reply per fresh opportunity of a configured account, asking no approval yet") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  llm::testing::fake_llm_server server;
  for (const auto* target : {"t-1", "t-2", "t-3"}) add_opportunity(store.db(), "a1", target);
  add_opportunity(store.db(), "not-configured", "t-9");
  add_opportunity(store.db(), "a2", "t-old", now_ms - 25 * 3'600'000);  // older than content.reply.maxTargetAgeHours
  const auto config = config_of(store.url(), live_with(server));

  const auto result = pipeline::run_reply(run_of("reply", "reply-1", config), services_for(*config, true));
  INFO(result.summary);
  CHECK(result.succeeded);
  auto planned = decisions(store.db());
  REQUIRE(planned.size() == 3);
  for (const auto& decision : planned) {
    CHECK(decision.type == decision_type::reply);
    CHECK(decision.status == decision_status::planned);
    CHECK(decision.pipeline_source == "reply_v2_planner");
    CHECK(decision.source == generation_source::real);
    CHECK(decision.account_id == "a1");
    CHECK(decision.target_post_id.has_value());
    CHECK_FALSE(decision.aol_action_id);  // the executor asks once the preflight found the target
  }
  auto still_fresh = fresh_opportunities(store.db(), 0, 10);
  REQUIRE_OK(still_fresh);
  REQUIRE(still_fresh->size() == 2);  // the unconfigured account's, and the old one
  CHECK(count_actions(store.db()) == 0);

  const auto shadow = config_of(store.url(), "");
  add_opportunity(store.db(), "b1", "t-4");
  pipeline::run_reply(run_of("reply", "reply-2", shadow), services_for(*shadow, true));
  decision_filter of_b1;
  of_b1.account_id = "b1";
  const auto synthetic = decisions(store.db(), of_b1);
  REQUIRE(synthetic.size() == 1);
  CHECK(synthetic.front().status == decision_status::planned);
  CHECK(synthetic.front().source == generation_source::synthetic);
}

TEST_CASE("new decisions get predicted_er from the learn job's latest predictor, and none before one exists") {
  const backend kind = GENERATE(from_range(test_backends()));
  migrated_database store(kind);
  const auto config = config_of(store.url(), "flags: {mode: shadow}\n");
  const auto services = services_for(*config, false);
  REQUIRE(pipeline::run_plan(run_of("plan", "plan-1", config), services).succeeded);
  for (const auto& decision : decisions(store.db())) CHECK_FALSE(decision.predicted_er);

  content::trained_predictors trained;
  trained.engagement.coefficients = {0.01, 0.02, 0.0, 0.0, 0.0};  // er = 0.01 + 0.02 * quality
  trained.success.coefficients = {0, 0, 0, 0, 0};
  predictor model;
  model.name = content_predictor;
  model.weights_json = content::predictors_to_json(trained);
  model.trained_at_ms = now_ms;
  REQUIRE_OK(store_predictor(store.db(), model));
  REQUIRE(pipeline::run_plan(run_of("plan", "plan-2", config), services).succeeded);
  int predicted = 0;
  for (const auto& decision : decisions(store.db())) {
    if (!decision.predicted_er) continue;
    ++predicted;
    REQUIRE(decision.quality_score);
    CHECK(*decision.predicted_er == Approx(0.01 + 0.02 * *decision.quality_score));
  }
  CHECK(predicted == 3);  // the second run's decision of each account
}
