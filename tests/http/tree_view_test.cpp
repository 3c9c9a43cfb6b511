// The tree's serialised answers (runtime/http/tree_view.hpp: order, pages,
// versions and ETags) and the cache that walks the tree for them
// (tree_cache.hpp), without a daemon.
#include "runtime/http/tree_view.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "runtime/http/tree_cache.hpp"

using namespace troupe;
using troupe::http::page_query;
using troupe::http::tree_version;
using troupe::http::tree_view;

namespace {

msg::actor_snapshot actor(std::string kind, std::string id, std::string parent) {
  msg::actor_snapshot snapshot;
  snapshot.kind = std::move(kind);
  snapshot.id = std::move(id);
  snapshot.parent = std::move(parent);
  return snapshot;
}

// A tree in the order the supervisor gathers it: replies in any order.
msg::tree_snapshot sample_tree() {
  msg::tree_snapshot tree;
  tree.actors = {
      actor("supervisor", "supervisor", ""),      actor("pod", "pod:beta", "supervisor"),
      actor("account", "account:b2", "pod:beta"), actor("account", "account:b1", "pod:beta"),
      actor("job", "job:plan", "supervisor"),     actor("pod", "pod:alpha", "supervisor"),
      actor("account", "account:a1", "pod:alpha")};
  tree.actors[6].state["pod"] = "alpha";
  return tree;
}

std::vector<std::string> ids(const std::string& answer, const char* list) {
  std::vector<std::string> listed;
  const auto parsed = boost::json::parse(answer);
  for (const auto& item : parsed.at(list).as_array())
    listed.emplace_back(item.at("id").as_string());
  return listed;
}

}  // namespace

TEST_CASE("the tree view lists parents first and pages by an id cursor", "[http][tree]") {
  const auto view = tree_view::build(sample_tree(), {});
  CHECK(ids(view.actors().body(), "actors") ==
        std::vector<std::string>{"supervisor", "job:plan", "pod:alpha", "pod:beta", "account:a1",
                                 "account:b1", "account:b2"});
  const auto first = boost::json::parse(view.actors().page({3, "", std::nullopt}));
  CHECK(first.at("count") == 3);
  CHECK(first.at("total") == 7);
  CHECK(first.at("next_after") == "pod:alpha");
  const auto rest = view.actors().page({std::nullopt, "pod:alpha", std::nullopt});
  CHECK(ids(rest, "actors") ==
        std::vector<std::string>{"pod:beta", "account:a1", "account:b1", "account:b2"});
  CHECK(boost::json::parse(rest).at("next_after").is_null());
  const auto beta = view.actors().page({1, "account:a9", std::string("beta")});
  CHECK(ids(beta, "actors") == std::vector<std::string>{"account:b1"});
  CHECK(boost::json::parse(beta).at("total") == 3);
  CHECK(boost::json::parse(beta).at("next_after") == "account:b1");
  CHECK(ids(view.accounts().page({2, "a1", std::nullopt}), "accounts") ==
        std::vector<std::string>{"b1", "b2"});
  CHECK(view.actors().find("pod:beta").has_value());
  CHECK_FALSE(view.actors().find("pod:gamma").has_value());
  CHECK(boost::json::parse(view.pods()).at("pods").at(1).at("accounts") ==
        boost::json::parse(R"(["b1","b2"])"));
}

TEST_CASE("the tree view keeps its version and ETag while the content stays the same",
          "[http][tree]") {
  const auto first = tree_view::build(sample_tree(), {});
  CHECK(first.version().number == 1);
  const auto same = tree_view::build(sample_tree(), first.version());
  CHECK(same.version().number == 1);
  CHECK(same.etag() == first.etag());
  auto changed_tree = sample_tree();
  changed_tree.actors[0].state["paused"] = "true";
  const auto changed = tree_view::build(std::move(changed_tree), same.version());
  CHECK(changed.version().number == 2);
  CHECK(changed.etag() != first.etag());
  CHECK(boost::json::parse(changed.actors().body()).at("version") == 2);
}

TEST_CASE("If-None-Match matches a listed ETag, a weak one or a star", "[http][tree]") {
  CHECK(http::etag_matches("\"1-ab\"", "\"1-ab\""));
  CHECK(http::etag_matches("\"0-00\", W/\"1-ab\"", "\"1-ab\""));
  CHECK(http::etag_matches("*", "\"1-ab\""));
  CHECK_FALSE(http::etag_matches("\"1-ac\"", "\"1-ab\""));
  CHECK_FALSE(http::etag_matches("", "\"1-ab\""));
}

TEST_CASE("a page query needs a positive integer limit", "[http][tree]") {
  CHECK(http::parse_page_query({}).value().whole());
  CHECK(http::parse_page_query({{"limit", "25"}, {"after", "pod:a"}, {"pod", "a"}}).value().limit ==
        25u);
  CHECK_FALSE(http::parse_page_query({{"limit", "0"}}));
  CHECK_FALSE(http::parse_page_query({{"limit", "2x"}}));
  CHECK_FALSE(http::parse_page_query({{"limit", "-1"}}));
}

namespace {

// A tree cache on fake time whose walks the test answers by hand.
struct cache_under_test {
  std::vector<std::function<void(result<msg::tree_snapshot>)>> walks;  // asked, not yet answered
  std::vector<std::function<void()>> timers;                           // scheduled, not yet fired
  http::tree_cache::clock::time_point now{};
  std::chrono::milliseconds refresh{1000};  // what http.treeRefreshMs says now
  http::tree_cache cache{
      http::tree_cache::sources{[this](std::function<void(result<msg::tree_snapshot>)> done) {
                                  walks.push_back(std::move(done));
                                },
                                [this](std::chrono::milliseconds, std::function<void()> action) {
                                  timers.push_back(std::move(action));
                                },
                                [this] { return refresh; }, [this] { return now; }}};

  // Fires timer `index` (which may schedule more).
  void fire(std::size_t index) {
    auto action = std::move(timers.at(index));
    action();
  }

  // Asks for a view; the answers land in `answered`.
  void ask(std::vector<std::uint64_t>& answered) {
    cache.with_view([&answered](result<http::tree_cache::view_ptr> view) {
      answered.push_back(view ? (*view)->version().number : 0);
    });
  }
};

}  // namespace

TEST_CASE("a burst of tree requests costs one walk and a fresh view answers at once",
          "[http][tree]") {
  cache_under_test test;
  std::vector<std::uint64_t> answered;
  for (int i = 0; i < 5; ++i) test.ask(answered);
  REQUIRE(test.walks.size() == 1);
  CHECK(answered.empty());
  test.walks[0](sample_tree());
  CHECK(answered == std::vector<std::uint64_t>(5, 1));

  test.now += std::chrono::milliseconds(999);
  test.ask(answered);
  CHECK(answered.size() == 6);  // fresh: no walk
  CHECK(test.walks.size() == 1);

  test.now += std::chrono::milliseconds(1);  // 1000 ms after the walk began: stale
  test.ask(answered);
  REQUIRE(test.walks.size() == 2);
  auto failed = std::move(test.walks[1]);
  failed(error{"the actor tree did not answer"});
  CHECK(answered.back() == 0);
}

TEST_CASE("a changed refresh period applies to the next tree request", "[http][tree]") {
  cache_under_test test;
  std::vector<std::uint64_t> answered;
  test.ask(answered);
  test.walks[0](sample_tree());
  test.now += std::chrono::milliseconds(500);
  test.refresh = std::chrono::milliseconds(400);  // a reload shortened it: the view is stale
  test.ask(answered);
  REQUIRE(test.walks.size() == 2);
  test.walks[1](sample_tree());
  test.refresh = std::chrono::milliseconds(0);  // a walk per request
  test.ask(answered);
  CHECK(test.walks.size() == 3);
}

TEST_CASE("the tree cache drops its view once stale, not one a later walk replaced",
          "[http][tree]") {
  cache_under_test test;
  std::vector<std::uint64_t> answered;
  test.ask(answered);
  test.walks[0](sample_tree());
  REQUIRE(test.timers.size() == 2);  // the quiet check, the view's drop
  test.now += std::chrono::milliseconds(1000);
  test.ask(answered);
  test.walks[1](sample_tree());  // a new view, from a walk that began later
  REQUIRE(test.timers.size() == 3);
  test.fire(1);  // the first view's drop: the new one stays
  test.ask(answered);
  CHECK(test.walks.size() == 2);
  test.fire(2);  // the new view's drop
  test.ask(answered);
  CHECK(test.walks.size() == 3);
}

TEST_CASE("the tree cache hands memory back only once requests have stopped for the quiet period",
          "[http][tree]") {
  cache_under_test test;
  std::vector<std::uint64_t> answered;
  test.ask(answered);
  test.walks[0](sample_tree());
  REQUIRE(test.timers.size() == 2);  // the quiet check, the view's drop
  test.now += std::chrono::milliseconds(1000);
  test.ask(answered);  // stale: a walk begins
  test.walks[1](error{"the actor tree did not answer"});
  CHECK(test.timers.size() ==
        2);  // one quiet check pends already; a failed walk has no view to drop
  test.now += std::chrono::seconds(10);
  test.fire(0);  // a request came 10 s ago: look again a period (11 s) later
  REQUIRE(test.timers.size() == 3);
  test.now += std::chrono::seconds(11);
  test.fire(2);  // quiet for a period: hands memory back, schedules nothing more
  CHECK(test.timers.size() == 3);
  test.ask(answered);
  test.walks[2](sample_tree());
  CHECK(test.timers.size() == 5);  // after a trim, the next walk schedules a quiet check again
}

TEST_CASE("TROUPE_TREE_REFRESH_MS takes whole milliseconds up to a minute", "[http][tree]") {
  using http::tree_cache;
  CHECK_FALSE(tree_cache::refresh_from_environment(nullptr).value());
  CHECK(tree_cache::refresh_from_environment("0").value() == std::chrono::milliseconds(0));
  CHECK(tree_cache::refresh_from_environment("250").value() == std::chrono::milliseconds(250));
  CHECK_FALSE(tree_cache::refresh_from_environment("60001"));
  CHECK_FALSE(tree_cache::refresh_from_environment("-1"));
  CHECK_FALSE(tree_cache::refresh_from_environment("1s"));
  CHECK_FALSE(tree_cache::refresh_from_environment(""));
}
