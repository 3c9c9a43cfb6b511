// The built-in adapters against the real simulated driver and a real HTTP
// server on 127.0.0.1, called as the loop calls them.
#include <boost/json.hpp>
#include <mutex>
#include <thread>

#include "tests/aol_loop/loop_fixtures.hpp"
#include "tests/support/webhook_receiver.hpp"

using namespace troupe::aol;
using namespace troupe::aol::testing;
using Catch::Matchers::Contains;
using troupe::store::action;
using troupe::testing::webhook_receiver;

namespace {

namespace json = boost::json;

const std::string hello_world_post = R"({"account":"acct-1","text":"hello world"})";

adapter_outcome run_builtin(const action& queued, const adapter_context& context) {
  return builtin_adapters(no_session_runner()).run(queued, context);
}

json::object artifact_of(const adapter_outcome& outcome) {
  REQUIRE(outcome.artifact);
  return json::parse(contents_of(*outcome.artifact)).as_object();
}

std::vector<std::string> args_of(const json::object& artifact) {
  std::vector<std::string> args;
  for (const auto& arg : artifact.at("would").at("run").at("args").as_array()) {
    args.emplace_back(arg.as_string());
  }
  return args;
}

}  // namespace

TEST_CASE("POST_SOCIAL runs the driver's post verb with the profile, key, text and reply-to") {
  temporary_directory dir;
  const auto config = fast_config(dir.path());
  const auto outcome = run_builtin(
      claimed_action("POST_SOCIAL", R"({"account":"acct-1","text":"hello world","reply_to":"p-9"})",
                     "key-1"),
      context_for(config));
  INFO(outcome.error);
  CHECK(outcome.result == adapter_outcome::kind::succeeded);
  CHECK_FALSE(outcome.artifact);
  CHECK(lines_of(ledger_path(dir.path())) == std::vector<std::string>{"key-1"});
  // The driver's result, in its session log, shows what it was given.
  const auto log = contents_of((dir.path() / "session-logs" / "aol-7-1.log").string());
  CHECK_THAT(log, Contains("post.js post --profile acct-1 --session aol-7-1 --idempotency-key "
                           "key-1 --text 'hello world' --reply-to p-9"));
  CHECK_THAT(log, Contains(R"("text":"hello world","reply_to":"p-9")"));
}

TEST_CASE("the simulated platform honours the idempotency key: a repeated post appends nothing") {
  temporary_directory dir;
  const auto config = fast_config(dir.path());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const auto outcome = run_builtin(
        claimed_action("POST_SOCIAL", hello_world_post, "key-1", 7, attempt), context_for(config));
    CHECK(outcome.result == adapter_outcome::kind::succeeded);
  }
  run_builtin(claimed_action("POST_SOCIAL", hello_world_post, "key-2", 8), context_for(config));
  CHECK(lines_of(ledger_path(dir.path())) == std::vector<std::string>{"key-1", "key-2"});
}

TEST_CASE("POST_SOCIAL maps the driver's exits: 2 retries, others fail for good") {
  temporary_directory dir;
  auto config = fast_config(dir.path());
  config.drivers.env["SIM_DRIVER_EXIT"] = "2";
  auto transient =
      run_builtin(claimed_action("POST_SOCIAL", hello_world_post, "k"), context_for(config));
  CHECK(transient.result == adapter_outcome::kind::failed);
  CHECK_FALSE(transient.permanent);
  CHECK_THAT(transient.error, Contains("driver post") && Contains("transient"));

  config.drivers.env["SIM_DRIVER_EXIT"] = "1";
  auto hard =
      run_builtin(claimed_action("POST_SOCIAL", hello_world_post, "k"), context_for(config));
  CHECK(hard.result == adapter_outcome::kind::failed);
  CHECK(hard.permanent);
  CHECK_THAT(hard.error, Contains("hard_error"));

  config.drivers.env["SIM_DRIVER_EXIT"] = "3";
  auto auth =
      run_builtin(claimed_action("POST_SOCIAL", hello_world_post, "k"), context_for(config));
  CHECK(auth.permanent);
  CHECK_THAT(auth.error, Contains("auth_required"));
  CHECK(lines_of(ledger_path(dir.path())).empty());
}

TEST_CASE("a driver that hangs is cancelled through the context, and the attempt retries") {
  temporary_directory dir;
  auto config = fast_config(dir.path());
  config.drivers.env["SIM_DRIVER_P_HANG"] = "1";
  auto context = context_for(config);
  auto token = std::make_shared<troupe::driver::cancel_token>();
  context.cancel = token;
  std::thread canceller([token] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    token->cancel();
  });
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = run_builtin(claimed_action("POST_SOCIAL", hello_world_post, "k"), context);
  canceller.join();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(outcome.result == adapter_outcome::kind::failed);
  CHECK_FALSE(outcome.permanent);
  CHECK_THAT(outcome.error, Contains("cancelled"));
}

TEST_CASE("a POST_SOCIAL payload that does not fit fails for good, naming what is wrong") {
  temporary_directory dir;
  const auto context = context_for(fast_config(dir.path()));
  const std::vector<std::pair<std::string, std::string>> cases{
      {"not json", "POST_SOCIAL needs a JSON object as its payload"},
      {R"(["a"])", "POST_SOCIAL needs a JSON object as its payload"},
      {R"({"text":"hi"})", "POST_SOCIAL needs \"account\" in its payload"},
      {R"({"account":"a"})", "POST_SOCIAL needs \"text\" in its payload"},
      {R"({"account":"a","text":5})", "POST_SOCIAL: \"text\" must be a non-empty string"},
      {R"({"account":"a","text":"hi","reply_to":3})",
       "POST_SOCIAL: \"reply_to\" must be a non-empty string"},
  };
  for (const auto& [payload, expected] : cases) {
    INFO(payload);
    const auto outcome = run_builtin(claimed_action("POST_SOCIAL", payload, "k"), context);
    CHECK(outcome.result == adapter_outcome::kind::failed);
    CHECK(outcome.permanent);
    CHECK_THAT(outcome.error, Contains(expected));
  }
  CHECK(lines_of(ledger_path(dir.path())).empty());
}

TEST_CASE("POST_SOCIAL in PROOF mode writes the command line it would run and posts nothing") {
  temporary_directory dir;
  const auto config = fast_config(dir.path());
  const auto outcome = run_builtin(claimed_action("POST_SOCIAL", hello_world_post, "key-1", 12, 2),
                                   context_for(config, true));
  CHECK(outcome.result == adapter_outcome::kind::proofed);
  CHECK(*outcome.artifact == (dir.path() / "aol-data" / "proof" / "12-2.json").string());
  const auto artifact = artifact_of(outcome);
  CHECK(artifact.at("action").as_int64() == 12);
  CHECK(artifact.at("attempt").as_int64() == 2);
  CHECK(artifact.at("type").as_string() == "POST_SOCIAL");
  CHECK(artifact.at("idempotency_key").as_string() == "key-1");
  CHECK(artifact.at("payload").at("text").as_string() == "hello world");
  CHECK(artifact.at("would").at("run").at("program").as_string() == SIM_DRIVER_BINARY);
  CHECK(args_of(artifact) ==
        std::vector<std::string>{"post.js", "post", "--profile", "acct-1", "--session", "aol-12-2",
                                 "--idempotency-key", "key-1", "--text", "hello world"});
  // Environment names only: values may be secrets.
  CHECK(json::serialize(artifact).find(ledger_path(dir.path())) == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(ledger_path(dir.path())));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "session-logs"));
}

TEST_CASE("NOTIFY posts the payload to the webhook and succeeds on 2xx") {
  temporary_directory dir;
  webhook_receiver receiver(202);
  auto config = fast_config(dir.path());
  config.aol.notify_webhook = receiver.url("/hooks/aol") + "?token=abc";
  const std::string payload = R"({"message":"disk almost full","level":"warn"})";
  const auto outcome = run_builtin(claimed_action("NOTIFY", payload, "n-1"), context_for(config));
  INFO(outcome.error);
  CHECK(outcome.result == adapter_outcome::kind::succeeded);
  CHECK(receiver.bodies() == std::vector<std::string>{payload});
  CHECK(receiver.targets() == std::vector<std::string>{"/hooks/aol?token=abc"});
  CHECK(receiver.content_types() == std::vector<std::string>{"application/json"});
}

TEST_CASE("NOTIFY fails on a non-2xx answer: 5xx retries, 4xx fails for good") {
  temporary_directory dir;
  auto config = fast_config(dir.path());
  {
    webhook_receiver receiver(503);
    config.aol.notify_webhook = receiver.url();
    const auto outcome = run_builtin(claimed_action("NOTIFY", "{}", "n-1"), context_for(config));
    CHECK(outcome.result == adapter_outcome::kind::failed);
    CHECK_FALSE(outcome.permanent);
    CHECK_THAT(outcome.error, Contains("answered 503") && Contains("answer 503"));
  }
  {
    webhook_receiver receiver(404);
    config.aol.notify_webhook = receiver.url();
    const auto outcome = run_builtin(claimed_action("NOTIFY", "{}", "n-1"), context_for(config));
    CHECK(outcome.permanent);
    CHECK_THAT(outcome.error, Contains("answered 404"));
  }
}

TEST_CASE("NOTIFY to a webhook that is not listening fails and retries") {
  temporary_directory dir;
  auto config = fast_config(dir.path());
  std::string url;
  {
    webhook_receiver gone(200);
    url = gone.url();
  }  // its port is closed now
  config.aol.notify_webhook = url;
  const auto outcome = run_builtin(claimed_action("NOTIFY", "{}", "n-1"), context_for(config));
  CHECK(outcome.result == adapter_outcome::kind::failed);
  CHECK_FALSE(outcome.permanent);
  CHECK_THAT(outcome.error, Contains("NOTIFY"));
}

TEST_CASE("NOTIFY without a webhook fails clearly, and for good") {
  temporary_directory dir;
  const auto outcome =
      run_builtin(claimed_action("NOTIFY", "{}", "n-1"), context_for(fast_config(dir.path())));
  CHECK(outcome.result == adapter_outcome::kind::failed);
  CHECK(outcome.permanent);
  CHECK(outcome.error == "NOTIFY needs aol.notifyWebhook in the config");
}

TEST_CASE("NOTIFY in PROOF mode writes the URL and body and sends nothing") {
  temporary_directory dir;
  webhook_receiver receiver(200);
  auto config = fast_config(dir.path());
  config.aol.notify_webhook = receiver.url();
  const auto outcome =
      run_builtin(claimed_action("NOTIFY", R"({"message":"hi"})", "n-1"), context_for(config, true));
  CHECK(outcome.result == adapter_outcome::kind::proofed);
  const auto artifact = artifact_of(outcome);
  const auto& request = artifact.at("would").at("http");
  CHECK(request.at("method").as_string() == "POST");
  CHECK(request.at("url").as_string() == receiver.url());
  CHECK(request.at("body").as_string() == R"({"message":"hi"})");
  CHECK(receiver.bodies().empty());
}

TEST_CASE("NOTIFY_ALERTS posts the alert group to notify.url, in PROOF mode too") {
  temporary_directory dir;
  webhook_receiver receiver(200);
  auto config = fast_config(dir.path());
  config.aol.notify_webhook = receiver.url("/hooks/aol");
  config.notify.url = receiver.url("/hooks/alerts");
  const std::string group = R"({"version":"4","alerts":[]})";
  const auto outcome = run_builtin(claimed_action("NOTIFY_ALERTS", group, "notify:1:a"), context_for(config, true));
  INFO(outcome.error);
  CHECK(outcome.result == adapter_outcome::kind::succeeded);
  CHECK_FALSE(outcome.artifact);
  CHECK(receiver.bodies() == std::vector<std::string>{group});
  CHECK(receiver.targets() == std::vector<std::string>{"/hooks/alerts"});
}

TEST_CASE("NOTIFY_ALERTS without notify.url fails clearly, and for good") {
  temporary_directory dir;
  auto config = fast_config(dir.path());
  config.aol.notify_webhook = "http://127.0.0.1:9/hooks/aol";  // NOTIFY's, not the alerts'
  const auto outcome = run_builtin(claimed_action("NOTIFY_ALERTS", "{}", "notify:1:a"), context_for(config));
  CHECK(outcome.result == adapter_outcome::kind::failed);
  CHECK(outcome.permanent);
  CHECK_THAT(outcome.error, Contains("needs notify.url"));
}

TEST_CASE("RUN_JOB runs a named job of the table and fails for good on an unknown one") {
  temporary_directory dir;
  const auto context = context_for(fast_config(dir.path()));
  const auto unknown = run_builtin(claimed_action("RUN_JOB", R"({"job":"reindex"})", "j-1"), context);
  CHECK(unknown.result == adapter_outcome::kind::failed);
  CHECK(unknown.permanent);
  CHECK(unknown.error == "unknown job 'reindex' (known: none)");

  int runs = 0;
  job_table jobs{{"reindex", [&runs](const action&, const adapter_context&) {
                    ++runs;
                    return adapter_outcome::success();
                  }}};
  const auto registry = builtin_adapters(no_session_runner(), jobs);
  CHECK(registry.run(claimed_action("RUN_JOB", R"({"job":"reindex"})", "j-1"), context).result ==
        adapter_outcome::kind::succeeded);
  CHECK(runs == 1);
  const auto other = registry.run(claimed_action("RUN_JOB", R"({"job":"vacuum"})", "j-2"), context);
  CHECK(other.error == "unknown job 'vacuum' (known: reindex)");
  const auto missing = registry.run(claimed_action("RUN_JOB", "{}", "j-3"), context);
  CHECK(missing.permanent);
  CHECK_THAT(missing.error, Contains("RUN_JOB needs \"job\""));
}

TEST_CASE("RUN_SESSION hands the account and activity to the session runner it was built with") {
  temporary_directory dir;
  std::vector<session_request> requests;
  const auto registry = builtin_adapters(
      [&requests](const session_request& request, const action&, const adapter_context&) {
        requests.push_back(request);
        return adapter_outcome::success();
      });
  const auto context = context_for(fast_config(dir.path()));
  registry.run(claimed_action("RUN_SESSION", R"({"account":"acct-2","activity":"reels"})", "s-1"),
               context);
  registry.run(claimed_action("RUN_SESSION", R"({"account":"acct-3"})", "s-2"), context);
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].account == "acct-2");
  CHECK(requests[0].activity == std::optional<std::string>("reels"));
  CHECK(requests[1].account == "acct-3");
  CHECK_FALSE(requests[1].activity);
  const auto bad = registry.run(claimed_action("RUN_SESSION", R"({"activity":"reels"})", "s-3"), context);
  CHECK(bad.permanent);
  CHECK(requests.size() == 2);
}

TEST_CASE("without account actors a RUN_SESSION is held with the reason no_runner, in PROOF mode too") {
  temporary_directory dir;
  const auto config = fast_config(dir.path());
  for (const bool proof : {false, true}) {
    const auto outcome = run_builtin(
        claimed_action("RUN_SESSION", R"({"account":"acct-1","activity":"follow"})", "s-1", 3, 1),
        context_for(config, proof));
    CHECK(outcome.result == adapter_outcome::kind::held);
    CHECK(outcome.error == "no_runner");
  }
  CHECK_FALSE(std::filesystem::exists(dir.path() / "session-logs"));
}

TEST_CASE("POST_SOCIAL is held by the posting switches and names the first that says no") {
  temporary_directory dir;
  auto config = fast_config(dir.path());
  struct row {
    const char* mode;
    bool posting_disabled;
    bool live_posts;
    const char* reason;
  };
  for (const auto& r : std::vector<row>{{"shadow", false, true, "shadow_mode"},
                                        {"live", true, true, "posting_disabled"},
                                        {"live", false, false, "live_posts_off"}}) {
    config.flags.mode = r.mode;
    config.flags.posting_disabled = r.posting_disabled;
    config.flags.live_posts = r.live_posts;
    const auto outcome =
        run_builtin(claimed_action("POST_SOCIAL", hello_world_post, "key-1"), context_for(config));
    CHECK(outcome.result == adapter_outcome::kind::held);
    CHECK(outcome.error == r.reason);
    CHECK(outcome.held_effect == "posting");
  }
  CHECK_FALSE(std::filesystem::exists(ledger_path(dir.path())));
  // A rehearsal changes nothing: it runs whatever the switches say and records their answer.
  const auto rehearsed = run_builtin(claimed_action("POST_SOCIAL", hello_world_post, "key-1"),
                                     context_for(config, true));
  CHECK(rehearsed.result == adapter_outcome::kind::proofed);
  const auto posting = artifact_of(rehearsed).at("would").at("posting_allowed");
  CHECK_FALSE(posting.at("allowed").as_bool());
  CHECK(posting.at("reason").as_string() == "live_posts_off");
  CHECK_FALSE(std::filesystem::exists(ledger_path(dir.path())));
}

TEST_CASE("an unknown action type fails for good, and a throwing adapter fails retryably") {
  temporary_directory dir;
  const auto context = context_for(fast_config(dir.path()));
  auto registry = builtin_adapters(no_session_runner());
  const auto unknown = registry.run(claimed_action("TELEPORT", "{}", "t-1"), context);
  CHECK(unknown.result == adapter_outcome::kind::failed);
  CHECK(unknown.permanent);
  CHECK(unknown.error == "unknown action type TELEPORT");
  CHECK_FALSE(registry.knows("TELEPORT"));
  registry.add("TELEPORT", [](const action&, const adapter_context&) -> adapter_outcome {
    throw std::runtime_error("no teleporter");
  });
  CHECK(registry.knows("TELEPORT"));
  const auto thrown = registry.run(claimed_action("TELEPORT", "{}", "t-1"), context);
  CHECK(thrown.result == adapter_outcome::kind::failed);
  CHECK_FALSE(thrown.permanent);
  CHECK(thrown.error == "TELEPORT failed: no teleporter");
}
