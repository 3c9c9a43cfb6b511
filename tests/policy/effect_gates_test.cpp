// The gates that decide what may leave the machine (runtime/effect_gates.hpp).
#include <catch2/catch.hpp>

#include "runtime/effect_gates.hpp"

namespace troupe {
namespace {

config::flags_config live_flags() {
  config::flags_config flags;
  flags.mode = "live";
  flags.posting_disabled = false;
  flags.live_posts = true;
  flags.real_metrics_enabled = true;
  return flags;
}

}  // namespace

TEST_CASE("posting is blocked by the default flags, in shadow mode") {
  const auto gate = posting_allowed(config::flags_config{});
  CHECK_FALSE(gate.allowed);
  CHECK(gate.reason == "shadow_mode");
}

TEST_CASE("posting needs all three switches and names the first that says no") {
  struct row {
    const char* mode;
    bool posting_disabled;
    bool live_posts;
    const char* reason;  // empty: allowed
  };
  for (const auto& r : std::vector<row>{{"shadow", true, false, "shadow_mode"},
                                        {"shadow", false, true, "shadow_mode"},
                                        {"shadow", true, true, "shadow_mode"},
                                        {"shadow", false, false, "shadow_mode"},
                                        {"live", true, false, "posting_disabled"},
                                        {"live", true, true, "posting_disabled"},
                                        {"live", false, false, "live_posts_off"},
                                        {"live", false, true, ""}}) {
    config::flags_config flags;
    flags.mode = r.mode;
    flags.posting_disabled = r.posting_disabled;
    flags.live_posts = r.live_posts;
    const auto gate = posting_allowed(flags);
    INFO(r.mode << " posting_disabled=" << r.posting_disabled << " live_posts=" << r.live_posts);
    CHECK(gate.allowed == (std::string(r.reason).empty()));
    CHECK(gate.reason == r.reason);
  }
}

TEST_CASE("the LLM is blocked while the circuit is open or the day's budget is spent") {
  auto flags = live_flags();
  CHECK(llm_allowed(flags, {}).allowed);
  CHECK(llm_allowed(flags, {9.99, false}).allowed);
  CHECK(llm_allowed(flags, {10.0, false}).reason == "budget_spent");
  CHECK(llm_allowed(flags, {0.0, true}).reason == "ai_quota_circuit_open");
  flags.disable_llm_when_budget_hit = false;
  CHECK(llm_allowed(flags, {50.0, false}).allowed);
  flags.ai_quota_circuit_open = true;
  CHECK(llm_allowed(flags, {}).reason == "ai_quota_circuit_open");
}

TEST_CASE("real analytics need live mode and REAL_METRICS_ENABLED") {
  auto flags = live_flags();
  CHECK(real_analytics_allowed(flags).allowed);
  flags.real_metrics_enabled = false;
  CHECK(real_analytics_allowed(flags).reason == "real_metrics_disabled");
  flags.mode = "shadow";
  CHECK(real_analytics_allowed(flags).reason == "shadow_mode");
}

TEST_CASE("the gates' summary says each gate's state, then every flag, in one line") {
  using Catch::Matchers::StartsWith;
  using Catch::Matchers::Contains;
  const auto shadow = effect_gates_summary(config::flags_config{}, {});
  CHECK_THAT(shadow, StartsWith("posting=blocked(shadow_mode) llm=allowed analytics=blocked(shadow_mode) mode=shadow posting_disabled=true live_posts=false"));
  CHECK(shadow.find('\n') == std::string::npos);
  CHECK_THAT(effect_gates_summary(live_flags(), {20.0, false}),
             StartsWith("posting=allowed llm=blocked(budget_spent) analytics=allowed mode=live"));
}

}  // namespace troupe
