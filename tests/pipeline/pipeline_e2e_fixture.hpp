// The content pipeline end to end on virtual time: the posting fixture's
// store, simulated driver and queue, fake-llm as the LLM, and every job body
// of the daemon (content_jobs) run on the fixture's clock.
#pragma once

#include <cstring>

#include "runtime/pipeline/content_jobs.hpp"
#include "runtime/store/bandit_arms.hpp"
#include "tests/llm/fake_server.hpp"
#include "tests/pipeline/posting_fixture.hpp"

namespace troupe::pipeline::testing {

inline constexpr const char* key_variable = "TROUPE_TEST_E2E_KEY";
inline constexpr std::int64_t day_ms = 24 * 3'600'000LL;
inline constexpr int cycles_allowed = 40;  // plenty: a cycle may plan nothing the gates pass

struct e2e_fixture : posting_fixture {
  explicit e2e_fixture(backend kind, std::map<std::string, std::string> env = {})
      : posting_fixture(kind, std::move(env)) {
    config.pods = {{"alpha", {"acct-1"}, "", {}}};
    config.llm.base_url = llm_server.base_url();
    config.llm.api_key_env = key_variable;
    config.llm.max_retries = 0;
    shared_config = std::make_shared<const config::troupe_config>(config);
    const config::environment_lookup lookup = [](const char* name) -> const char* {
      return std::strcmp(name, key_variable) == 0 ? "test-key" : nullptr;
    };
    pipeline::pipeline_services plan_services;
    plan_services.llm = pipeline::llm_service::create(config, [this] { return current_flags(); }, lookup);
    plan_services.flags = services.flags;
    plan_services.now_ms = clock.function();
    plan_services.seed = 11;
    plan_services.driver_program = SIM_DRIVER_BINARY;
    job_bodies = pipeline::content_jobs(std::move(plan_services));
  }

  // Runs from now on see the fixture's `config` as it is now.
  void reconfigure() { shared_config = std::make_shared<const config::troupe_config>(config); }
  config::flags_config current_flags() {
    std::lock_guard<std::mutex> lock(flags_mutex);
    return flags;
  }
  jobs::job_result run_job(const std::string& name) {
    // Run ids are unique in the daemon; a run draws its decision ids from its id.
    const auto run_id = name + "-" + std::to_string(++runs);
    auto result = job_bodies.at(name)({name, run_id, shared_config, std::make_shared<driver::cancel_token>()});
    INFO(name << ": " << result.summary);
    CHECK(result.succeeded);
    return result;
  }
  // One day of the daemon's work: plan, then, once the planned slot has come,
  // the orchestrator and a tick of the queue, then the collector.
  void live_a_day(aol::tick_runner& runner) {
    run_job("plan");
    clock.advance(day_ms);
    run_job("posting");
    tick(runner);
    run_job("collect");
  }
  std::vector<std::string> posted_ids() {
    return column_of(db(), "SELECT decision_id FROM posted_decisions");
  }
  std::vector<content_decision> with_status(decision_status status) {
    decision_filter filter;
    filter.status = status;
    auto listed = list_decisions(db(), filter, {max_decision_page, 0});
    REQUIRE_OK(listed);
    return listed->decisions;
  }
  double arm_evidence(const std::string& scope) {  // alpha + beta over the scope's arms
    auto arms = store::load_bandit_arms(db(), scope);
    REQUIRE_OK(arms);
    double sum = 0;
    for (const auto& arm : *arms) sum += arm.alpha + arm.beta;
    return sum;
  }

  llm::testing::fake_llm_server llm_server;
  jobs::job_catalog job_bodies;
  int runs = 0;
};

}  // namespace troupe::pipeline::testing
