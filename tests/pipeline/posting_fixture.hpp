// The publishing tests' fixture: a scratch database, the fast simulated
// driver as the platform, the posting adapter and orchestrator on one
// virtual clock, flags a test flips between runs, and the log captured.
#pragma once

#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "runtime/aol/tick.hpp"
#include "runtime/pipeline/posting.hpp"
#include "runtime/store/content_decisions.hpp"
#include "runtime/store/statements.hpp"
#include "tests/aol_loop/loop_fixtures.hpp"
#include "tests/support/captured_log.hpp"

namespace troupe::pipeline::testing {

using namespace troupe::aol::testing;
using namespace troupe::store;
using troupe::store::testing::migrated_database;
using troupe::testing::captured_log;


inline constexpr std::int64_t backoff_ms = 1000;

inline config::flags_config switches(const std::string& mode, bool posting_disabled, bool live_posts) {
  config::flags_config flags;
  flags.mode = mode;
  flags.posting_disabled = posting_disabled;
  flags.live_posts = live_posts;
  return flags;
}

// A scratch database, the fast simulated driver (extra knobs in `env`), the
// posting adapter and orchestrator on one virtual clock, and flags the test
// flips between runs.
struct posting_fixture {
  explicit posting_fixture(backend kind, std::map<std::string, std::string> env = {})
      : store(kind), config(fast_config(dir.path(), store.url())) {
    config.drivers.env["SIM_DRIVER_POST_LOG"] = post_log();
    for (auto& [name, value] : env) config.drivers.env[name] = value;
    config.aol.backoff.base_ms = backoff_ms;
    config.aol.backoff.max_ms = backoff_ms;
    config.aol.backoff.jitter = 0;
    flags = config.flags;
    shared_config = std::make_shared<const config::troupe_config>(config);
    services.flags = [this](const config::troupe_config&) {
      std::lock_guard<std::mutex> lock(flags_mutex);
      return flags;
    };
    services.now_ms = clock.function();
  }

  database& db() { return store.db(); }
  std::string post_log() const { return (dir.path() / "post-log.txt").string(); }

  aol::tick_runner runner() {
    auto adapters = aol::builtin_adapters(aol::no_session_runner());
    adapters.add(pipeline::post_social_action, pipeline::posting_adapter(config.db, clock.function()));
    auto env = environment_for(config, std::move(adapters), clock);
    env.flags = [this] {
      std::lock_guard<std::mutex> lock(flags_mutex);
      return flags;
    };
    return aol::tick_runner(std::move(env), 1);
  }
  void set_flags(config::flags_config next) {
    std::lock_guard<std::mutex> lock(flags_mutex);
    flags = std::move(next);
  }
  void tick(aol::tick_runner& runner) {
    const auto result = runner.run(db());
    INFO(result.report.error);
    REQUIRE_FALSE(result.standby);
    REQUIRE_FALSE(result.database_failed);
  }
  jobs::job_result orchestrate() {
    auto result = pipeline::run_posting({"posting", "run-1", shared_config, std::make_shared<driver::cancel_token>()},
                                        services);
    INFO(result.summary);
    REQUIRE(result.succeeded);
    return result;
  }
  void add_decision(const std::string& id, const std::string& account,
                    generation_source source = generation_source::real) {
    content_decision decision;
    decision.decision_id = id;
    decision.account_id = account;
    decision.content = "a post worth reading, " + id;
    decision.source = source;
    REQUIRE_OK(insert_decision(db(), decision, clock.now()));
    clock.advance(1);  // oldest first is by creation
  }
  content_decision decision(const std::string& id) {
    auto found = load_decision(db(), id);
    REQUIRE_OK(found);
    REQUIRE(found->has_value());
    return **found;
  }
  action post_action(const std::string& id) {
    const auto linked = decision(id).aol_action_id;
    REQUIRE(linked);
    return reload(db(), *linked);
  }
  long long count(const std::string& query) {
    long long rows = 0;
    store::query_first_row(db().session(), query, soci::into(rows));
    return rows;
  }

  temporary_directory dir;
  migrated_database store;
  config::troupe_config config;
  std::shared_ptr<const config::troupe_config> shared_config;
  virtual_clock clock{1'795'780'800'000};
  std::mutex flags_mutex;
  config::flags_config flags;
  pipeline::posting_services services;
};

// The text column of every row `query` gives.
inline std::vector<std::string> column_of(database& db, const std::string& query) {
  std::vector<std::string> values;
  std::string value;
  auto select = store::prepare(db.session(), query, soci::into(value));
  select.execute();
  while (select.fetch()) values.push_back(value);
  return values;
}

inline config::flags_config posting_on() { return switches("live", false, true); }

}  // namespace troupe::pipeline::testing
