// The tree's answers as a large deployment uses them: pages of
// GET /api/actors and /api/accounts, the cached view with its ETag (304 when
// unchanged), a change showing within http.treeRefreshMs, and one
// account asked of its own actor.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "tests/api/daemon_fixture.hpp"

using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

// The test daemon's config (pods alpha: a1..a3, beta: b1..b3); `extra_accounts` join pod
// alpha; `refresh` is its http.treeRefreshMs, unless the environment's wins.
std::string tree_config(const temp_dir& dir, const std::string& extra_accounts = "",
                        std::chrono::milliseconds refresh = 1000ms) {
  auto yaml = daemon_config(dir, 1, test_admin_token);
  const std::string http = "http: {adminToken: " + test_admin_token;
  yaml.replace(yaml.find(http), http.size(),
               http + ", treeRefreshMs: " + std::to_string(refresh.count()));
  if (!extra_accounts.empty()) {
    const std::string alpha = "alpha: [a1, a2, a3]";
    yaml.replace(yaml.find(alpha), alpha.size(), "alpha: [a1, a2, a3, " + extra_accounts + "]");
  }
  return yaml;
}

// Sets TROUPE_TREE_REFRESH_MS, which wins over http.treeRefreshMs, for the daemons started
// meanwhile (they inherit it).
class tree_refresh {
 public:
  explicit tree_refresh(std::chrono::milliseconds every) {
    ::setenv("TROUPE_TREE_REFRESH_MS", std::to_string(every.count()).c_str(), 1);
  }
  ~tree_refresh() { ::unsetenv("TROUPE_TREE_REFRESH_MS"); }
  tree_refresh(const tree_refresh&) = delete;
  tree_refresh& operator=(const tree_refresh&) = delete;
};

std::vector<std::string> ids_of(const boost::json::value& answer, const char* list,
                                const char* field = "id") {
  std::vector<std::string> ids;
  for (const auto& item : answer.at(list).as_array()) ids.emplace_back(item.at(field).as_string());
  return ids;
}

// GET `target` with an If-None-Match header.
http_reply get_if_none_match(int port, const std::string& target, const std::string& etag) {
  auto reply = fetch(static_cast<std::uint16_t>(port), "GET", target, "",
                     "Connection: close\r\nIf-None-Match: " + etag + "\r\n");
  return reply ? *reply : http_reply{};
}

// Every account of the test config runs (the pods spawn them once their
// state is read). Asked of each account, so that no view of the tree is
// cached before they all run.
bool all_accounts_run(int port) {
  for (const char* id : {"a1", "a2", "a3", "b1", "b2", "b3"}) {
    if (request(port, "GET", std::string("/api/accounts/") + id).status != 200) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("GET /api/actors pages the tree by limit and after and keeps one pod with pod") {
  temp_dir dir;
  tree_refresh every(100ms);
  running_daemon daemon(dir, dir.write("troupe.yaml", tree_config(dir)));
  const int port = daemon.port();
  REQUIRE(eventually([&] { return all_accounts_run(port); }, 10s));

  const auto whole = request(port, "GET", "/api/actors").json();
  const auto all_ids = ids_of(whole, "actors");
  CHECK(whole.at("count") == all_ids.size());
  CHECK(whole.at("total") == all_ids.size());
  CHECK(whole.at("next_after").is_null());
  REQUIRE(all_ids.size() >= 9);  // the supervisor, its jobs, 2 pods, 6 accounts
  CHECK(all_ids.front() == "supervisor");
  CHECK(all_ids.back() == "account:b3");  // parents first: accounts come last, by id

  std::vector<std::string> paged;
  std::string after;
  for (int page = 0; page < 20; ++page) {
    const auto answer =
        request(port, "GET", "/api/actors?limit=4" + (after.empty() ? "" : "&after=" + after))
            .json();
    const auto ids = ids_of(answer, "actors");
    CHECK(ids.size() <= 4);
    CHECK(answer.at("count") == ids.size());
    CHECK(answer.at("total") == all_ids.size());
    paged.insert(paged.end(), ids.begin(), ids.end());
    if (answer.at("next_after").is_null()) break;
    CHECK(answer.at("next_after") == boost::json::value(ids.back()));
    after = std::string(answer.at("next_after").as_string());
  }
  CHECK(paged == all_ids);

  const auto alpha = request(port, "GET", "/api/actors?pod=alpha").json();
  CHECK(ids_of(alpha, "actors") ==
        std::vector<std::string>{"pod:alpha", "account:a1", "account:a2", "account:a3"});
  CHECK(alpha.at("total") == 4);
  const auto alpha_rest =
      request(port, "GET", "/api/actors?pod=alpha&after=account:a1&limit=1").json();
  CHECK(ids_of(alpha_rest, "actors") == std::vector<std::string>{"account:a2"});
  CHECK(alpha_rest.at("next_after") == "account:a2");
  // A cursor that names no actor any more still places the page.
  const auto gone = request(port, "GET", "/api/actors?pod=beta&after=account:b15").json();
  CHECK(ids_of(gone, "actors") == std::vector<std::string>{"account:b2", "account:b3"});
  CHECK(request(port, "GET", "/api/actors?pod=nowhere").json().at("count") == 0);

  CHECK(request(port, "GET", "/api/actors?limit=0").status == 400);
  CHECK(request(port, "GET", "/api/actors?limit=ten").status == 400);
  CHECK(request(port, "GET", "/api/actors/pod:beta").json().at("id") == "pod:beta");
  CHECK(request(port, "GET", "/api/actors/pod:gamma").status == 404);
}

TEST_CASE("GET /api/accounts pages the accounts by id and keeps one pod with pod") {
  temp_dir dir;
  tree_refresh every(100ms);
  running_daemon daemon(dir, dir.write("troupe.yaml", tree_config(dir)));
  const int port = daemon.port();
  REQUIRE(eventually([&] { return all_accounts_run(port); }, 10s));

  const auto first = request(port, "GET", "/api/accounts?limit=4").json();
  CHECK(ids_of(first, "accounts") == std::vector<std::string>{"a1", "a2", "a3", "b1"});
  CHECK(first.at("total") == 6);
  REQUIRE(first.at("next_after") == "b1");
  const auto second = request(port, "GET", "/api/accounts?limit=4&after=b1").json();
  CHECK(ids_of(second, "accounts") == std::vector<std::string>{"b2", "b3"});
  CHECK(second.at("next_after").is_null());
  const auto beta = request(port, "GET", "/api/accounts?pod=beta").json();
  CHECK(ids_of(beta, "accounts") == std::vector<std::string>{"b1", "b2", "b3"});
  CHECK(ids_of(beta, "accounts", "pod") == std::vector<std::string>{"beta", "beta", "beta"});
  CHECK(request(port, "GET", "/api/accounts?limit=-3").status == 400);
}

TEST_CASE("a request whose If-None-Match names the tree's ETag gets 304 without a body") {
  temp_dir dir;
  tree_refresh every(30s);
  running_daemon daemon(dir, dir.write("troupe.yaml", tree_config(dir)));
  const int port = daemon.port();
  REQUIRE(eventually([&] { return all_accounts_run(port); }, 10s));

  const auto whole = request(port, "GET", "/api/actors");
  REQUIRE(whole.status == 200);
  const auto etag = whole.header("ETag");
  REQUIRE_FALSE(etag.empty());
  CHECK(whole.header("Cache-Control") == "no-cache");
  for (const std::string target : {"/api/actors", "/api/actors?limit=2", "/api/pods",
                                   "/api/accounts", "/api/actors/supervisor"}) {
    INFO(target);
    const auto unchanged = get_if_none_match(port, target, etag);
    CHECK(unchanged.status == 304);
    CHECK(unchanged.body.empty());
    CHECK(unchanged.header("ETag") == etag);
  }
  CHECK(get_if_none_match(port, "/api/actors", "\"other\", " + etag).status == 304);
  const auto other = get_if_none_match(port, "/api/actors", "\"0-0000000000000000\"");
  CHECK(other.status == 200);
  CHECK(other.json().at("version") == whole.json().at("version"));
}

TEST_CASE(
    "a change in the tree shows in its answers within http.treeRefreshMs, which a reload changes") {
  constexpr auto refresh = 1500ms;
  constexpr auto slack = 500ms;  // the walk and the polling requests themselves
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", tree_config(dir, "", refresh));
  running_daemon daemon(dir, config);
  const int port = daemon.port();
  REQUIRE(eventually([&] { return all_accounts_run(port); }, 10s));

  // Time from `change` until `shows` holds, polling every 20 ms.
  const auto time_to_show = [](auto change, auto shows) {
    const auto changed = std::chrono::steady_clock::now();
    change();
    while (!shows() && std::chrono::steady_clock::now() - changed < 10s)
      std::this_thread::sleep_for(20ms);
    return std::chrono::steady_clock::now() - changed;
  };
  const auto before =
      request(port, "GET", "/api/actors/supervisor");  // a fresh view now holds paused=false
  REQUIRE(before.json().at("state").at("paused") == "false");
  const auto paused_after = time_to_show(
      [&] { REQUIRE(request(port, "POST", "/admin/pause", test_admin_token).status == 200); },
      [&] {
        return request(port, "GET", "/api/actors/supervisor").json().at("state").at("paused") ==
               "true";
      });
  CHECK(paused_after <= refresh + slack);
  const auto after = request(port, "GET", "/api/actors/supervisor");
  CHECK(after.header("ETag") != before.header("ETag"));
  CHECK(after.json().at("state").at("paused") == "true");

  // A reload adds account a4 to pod alpha: it shows in the pages of alpha.
  std::ofstream(config) << tree_config(dir, "a4", refresh);
  const auto added_after = time_to_show(
      [&] { REQUIRE(request(port, "POST", "/admin/reload", test_admin_token).status == 200); },
      [&] {
        const auto alpha = request(port, "GET", "/api/actors?pod=alpha").json();
        return alpha.at("total") == 5;
      });
  CHECK(added_after <= refresh + slack);
  CHECK(request(port, "GET", "/api/accounts?pod=alpha").json().at("total") == 4);

  // A reload that sets treeRefreshMs to 0 and adds a5: no view is kept any more.
  std::ofstream(config) << tree_config(dir, "a4, a5", 0ms);
  const auto walked_after = time_to_show(
      [&] { REQUIRE(request(port, "POST", "/admin/reload", test_admin_token).status == 200); },
      [&] { return request(port, "GET", "/api/accounts?pod=alpha").json().at("total") == 5; });
  CHECK(walked_after < refresh - slack);
  CHECK(request(port, "GET", "/api/config").json().at("config").at("http").at("treeRefreshMs") ==
        0);
}

TEST_CASE(
    "GET /api/accounts/{id} answers the account as it is now and 404 for an unknown account") {
  temp_dir dir;
  tree_refresh every(30s);
  const auto config = dir.write("troupe.yaml", tree_config(dir));
  running_daemon daemon(dir, config);
  const int port = daemon.port();
  REQUIRE(eventually([&] { return all_accounts_run(port); }, 10s));
  const auto account_a1 = [&] { return request(port, "GET", "/api/accounts/a1"); };
  CHECK(account_a1().json().at("config_version") == "1");
  CHECK(account_a1().json().at("pod") == "alpha");
  CHECK(account_a1().header("ETag").empty());  // not from the tree's view
  CHECK(request(port, "GET", "/api/accounts/nobody").status == 404);

  // The view of the tree (cached for 30 s from here) still shows version 1
  // after a reload; the account itself answers with version 2 at once.
  const auto view = request(port, "GET", "/api/accounts?pod=alpha&limit=1").json();
  REQUIRE(view.at("accounts").at(0).at("config_version") == "1");
  std::ofstream(config) << tree_config(dir, "a4");
  REQUIRE(request(port, "POST", "/admin/reload", test_admin_token).status == 200);
  CHECK(eventually([&] { return account_a1().json().at("config_version") == "2"; }, 5s));
  CHECK(eventually([&] { return request(port, "GET", "/api/accounts/a4").status == 200; }, 5s));
  const auto cached = request(port, "GET", "/api/accounts?pod=alpha&limit=1").json();
  CHECK(cached.at("accounts").at(0).at("config_version") == "1");
}
