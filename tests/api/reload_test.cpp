// POST /admin/reload reads and validates the config off the HTTP I/O thread:
// the API's real routes on a real server, with a config loader that takes as
// long as the test wants.
#include <atomic>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <catch2/catch.hpp>
#include <future>

#include "config/loader.hpp"
#include "runtime/config_reloader.hpp"
#include "runtime/http/api_context.hpp"
#include "runtime/http/server.hpp"
#include "tests/api/daemon_fixture.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const config::troupe_config> config_with(int concurrency) {
  auto loaded = config::load_config_text(
      {{"troupe.yaml", "concurrency: " + std::to_string(concurrency) +
                           "\nhttp: {adminToken: " + test_admin_token + "}\n"}});
  if (!loaded.ok()) throw std::runtime_error("the test config does not load");
  return loaded.config;
}

// A config load that waits until the test lets it finish.
class held_load {
 public:
  config::load_result operator()() {
    started_ = true;
    released_.wait();
    return config::load_config_text(
        {{"troupe.yaml", "concurrency: 2\nhttp: {adminToken: " + test_admin_token + "}\n"}});
  }
  bool started() const { return started_; }
  void release() {
    if (!release_called_.exchange(true)) release_.set_value();
  }

 private:
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  std::atomic<bool> started_{false};
  std::atomic<bool> release_called_{false};
};

// Releases the load when the test ends, whatever happened, so that the
// reloader's thread can be joined.
struct release_at_exit {
  held_load& load;
  ~release_at_exit() { load.release(); }
};

}  // namespace

TEST_CASE(
    "other requests are served while a reload loads the config, and the reload answers when it is "
    "done") {
  temp_dir dir;
  caf::actor_system_config actor_config;
  caf::actor_system actors{actor_config};
  node_metrics metrics;
  http::query_worker queries("sqlite:" + dir.file("troupe.db"), 1000);
  held_load load;
  config_reloader reloader(
      config_with(1), {"troupe.yaml"}, [&load] { return load(); },
      [](std::shared_ptr<const config::troupe_config>, std::uint64_t) {}, metrics);
  auto context = std::make_shared<http::api_context>(http::api_context{
      http::actor_bridge(actors, caf::actor{}), reloader, metrics, queries,
      [] { return std::map<int, std::uint64_t>{}; }, [] { return std::int64_t{1'800'000'000'000}; },
      [](const char*) -> const char* { return nullptr; }});
  auto started = http::server::start({}, http::api_routes(context));
  REQUIRE(started.ok());
  auto& server = *started;
  release_at_exit releaser{load};
  const auto port = server.port();

  http_test_connection reload(port);
  REQUIRE(reload.send(request_text("POST", "/admin/reload", "",
                                   "Authorization: Bearer " + test_admin_token + "\r\n")));
  REQUIRE(eventually([&] { return load.started(); }, 5s));

  auto health = fetch(port, "GET", "/api/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto version = fetch(port, "GET", "/api/version");
  REQUIRE(version);
  CHECK(version->json().at("config_version") == 1);
  CHECK_FALSE(reload.read_response(200ms));  // still loading

  load.release();
  auto answer = reload.read_response(5s);
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(answer->json().at("config_version") == 2);
  CHECK(reloader.current()->concurrency == 2);
}

TEST_CASE("a reload of the config already running keeps its version and sends nothing down the tree") {
  node_metrics metrics;
  int next_concurrency = 1;
  std::vector<std::uint64_t> applied;
  config_reloader reloader(
      config_with(1), {"troupe.yaml"},
      [&next_concurrency] {
        return config::load_config_text(
            {{"troupe.yaml", "concurrency: " + std::to_string(next_concurrency) +
                                 "\nhttp: {adminToken: " + test_admin_token + "}\n"}});
      },
      [&applied](std::shared_ptr<const config::troupe_config>, std::uint64_t version) {
        applied.push_back(version);
      },
      metrics);

  const auto same = reloader.reload("inotify", 1);
  CHECK(same.ok);
  CHECK_FALSE(same.changed);
  CHECK(same.config_version == 1);
  CHECK(applied.empty());

  next_concurrency = 2;
  const auto changed = reloader.reload("http", 2);
  CHECK(changed.changed);
  CHECK(changed.config_version == 2);
  const auto again = reloader.reload("inotify", 3);  // the watcher's echo of the same edit
  CHECK_FALSE(again.changed);
  CHECK(again.config_version == 2);
  CHECK(applied == std::vector<std::uint64_t>{2});
}
