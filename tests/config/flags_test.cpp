// The environment's say over the safety flags and the admin token, and the
// one-line summaries.
#include "config/flags.hpp"

#include <catch2/catch.hpp>
#include <initializer_list>
#include <map>

#include "config_test_support.hpp"

using namespace troupe::config;
using namespace troupe::config::testing;

namespace {

// An environment held in a map, read like std::getenv.
class fake_environment {
 public:
  fake_environment(std::initializer_list<std::pair<const std::string, std::string>> variables)
      : variables_(variables) {}

  environment_lookup lookup() const {
    return [this](const char* name) -> const char* {
      const auto found = variables_.find(name);
      return found == variables_.end() ? nullptr : found->second.c_str();
    };
  }

 private:
  std::map<std::string, std::string> variables_;
};

}  // namespace

TEST_CASE("without environment variables the config's flags stay", "[config][flags]") {
  flags_config configured;
  configured.mode = "live";
  configured.max_posts_per_hour = 9;
  const fake_environment empty({});
  const auto flags = apply_environment(configured, empty.lookup());
  CHECK(flags_summary(flags) == flags_summary(configured));
}

TEST_CASE("every flag variable overrides its config value", "[config][flags]") {
  const fake_environment env({{"MODE", "live"},
                              {"POSTING_DISABLED", "false"},
                              {"LIVE_POSTS", "1"},
                              {"REAL_METRICS_ENABLED", "yes"},
                              {"AI_QUOTA_CIRCUIT_OPEN", "TRUE"},
                              {"DAILY_OPENAI_LIMIT_USD", "2.5"},
                              {"DISABLE_LLM_WHEN_BUDGET_HIT", "no"},
                              {"DUP_COSINE_THRESHOLD", "0.9"},
                              {"MIN_QUALITY_SCORE", "0.5"},
                              {"OPENAI_MODEL", "local-llama"},
                              {"EMBED_MODEL", "local-embed"},
                              {"MAX_POSTS_PER_HOUR", "2"},
                              {"MIN_POST_INTERVAL_MINUTES", "30"},
                              {"RUNTIME_PREFLIGHT_TIMEOUT_MS", "5000"},
                              {"HARVESTING_ENABLED", "0"},
                              {"AUTO_APPROVE", "yes"},
                              {"SIMILARITY_THRESHOLD", "0.9"}});
  flags_config configured;
  configured.harvesting_enabled = true;
  const auto flags = apply_environment(configured, env.lookup());
  CHECK(flags_summary(flags) ==
        "mode=live posting_disabled=false live_posts=true real_metrics_enabled=true "
        "ai_quota_circuit_open=true daily_openai_limit_usd=2.5 disable_llm_when_budget_hit=false "
        "dup_cosine_threshold=0.9 min_quality_score=0.5 openai_model=local-llama "
        "embed_model=local-embed max_posts_per_hour=2 min_post_interval_minutes=30 "
        "runtime_preflight_timeout_ms=5000 harvesting_enabled=false auto_approve=true similarity_threshold=0.9");
  CHECK(environment_problems(env.lookup()).empty());
}

TEST_CASE("the preflight timeout from the environment is clamped to 3000..20000",
          "[config][flags]") {
  const fake_environment too_short({{"RUNTIME_PREFLIGHT_TIMEOUT_MS", "500"}});
  const fake_environment too_long({{"RUNTIME_PREFLIGHT_TIMEOUT_MS", "60000"}});
  const fake_environment inside({{"RUNTIME_PREFLIGHT_TIMEOUT_MS", "12000"}});
  CHECK(apply_environment({}, too_short.lookup()).runtime_preflight_timeout_ms == 3000);
  CHECK(apply_environment({}, too_long.lookup()).runtime_preflight_timeout_ms == 20000);
  CHECK(apply_environment({}, inside.lookup()).runtime_preflight_timeout_ms == 12000);
}

TEST_CASE("an invalid or empty variable leaves the config's value and is reported",
          "[config][flags]") {
  const fake_environment env({{"POSTING_DISABLED", "maybe"},
                              {"MODE", "yolo"},
                              {"MIN_QUALITY_SCORE", "1.5"},
                              {"MAX_POSTS_PER_HOUR", "-1"},
                              {"LIVE_POSTS", ""}});
  const auto flags = apply_environment(flags_config{}, env.lookup());
  CHECK(flags.posting_disabled);
  CHECK(flags.mode == "shadow");
  CHECK(flags.min_quality_score == Approx(0.7));
  CHECK(flags.max_posts_per_hour == 4);
  CHECK_FALSE(flags.live_posts);
  CHECK(
      environment_problems(env.lookup()) ==
      std::vector<std::string>{"MODE=\"yolo\" ignored: expected shadow or live",
                               "POSTING_DISABLED=\"maybe\" ignored: expected true/false/1/0/yes/no",
                               "MIN_QUALITY_SCORE=\"1.5\" ignored: expected a number within 0..1",
                               "MAX_POSTS_PER_HOUR=\"-1\" ignored: expected a whole number >= 0"});
}

TEST_CASE("ADMIN_TOKEN in the environment wins over http.adminToken", "[config][flags]") {
  http_config http;
  http.admin_token = "from-file";
  const fake_environment with_token({{"ADMIN_TOKEN", "from-env"}});
  const fake_environment without({});
  const fake_environment empty_token({{"ADMIN_TOKEN", ""}});
  CHECK(effective_admin_token(http, with_token.lookup()) == "from-env");
  CHECK(effective_admin_token(http, without.lookup()) == "from-file");
  CHECK(effective_admin_token(http, empty_token.lookup()) == "from-file");
}

TEST_CASE("the default flags summary says the safe defaults on one line", "[config][flags]") {
  CHECK(flags_summary(flags_config{}) ==
        "mode=shadow posting_disabled=true live_posts=false real_metrics_enabled=false "
        "ai_quota_circuit_open=false daily_openai_limit_usd=10 disable_llm_when_budget_hit=true "
        "dup_cosine_threshold=0.85 min_quality_score=0.7 openai_model=gpt-4o-mini "
        "embed_model=text-embedding-3-small max_posts_per_hour=4 min_post_interval_minutes=10 "
        "runtime_preflight_timeout_ms=10000 harvesting_enabled=false auto_approve=false similarity_threshold=0.85");
}

TEST_CASE("the config summary counts pods and accounts and hides a database password",
          "[config][flags]") {
  const auto loaded = load_config(reference_json_files());
  REQUIRE(loaded.ok());
  troupe_config config = *loaded.config;
  CHECK(config_summary(config) ==
        "pods=2 accounts=10 concurrency=1 activities=follow,unfollow,reels,stories "
        "moods=MorningRush,DayDrift,EveningSpree,LateNightLurk,Sleep timezone=UTC "
        "db=sqlite:troupe.db");
  config.db.url = "postgresql://troupe:s3cret@db.internal/troupe";
  CHECK(config_summary(config).find("db=postgresql://troupe:<redacted>@db.internal/troupe") !=
        std::string::npos);
}
