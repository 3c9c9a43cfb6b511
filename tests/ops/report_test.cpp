// The status report: its layers judged from facts (pure), and a live
// daemon's GET /api/report, `troupe report` (text, --json, its exit code) and
// the report files written every report.everyMs.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>

#include "runtime/ops/status_report.hpp"
#include "tests/api/daemon_fixture.hpp"
#include "tests/support/fixed_time.hpp"

using namespace troupe;
using namespace troupe::testing;
using namespace std::chrono_literals;

namespace {

ops::report_facts healthy_facts() {
  ops::report_facts facts;
  facts.now_ms = t0;
  facts.started_at_ms = t0 - 3'600'000;
  facts.version = "0.1.0";
  facts.backend = "sqlite";
  facts.store_latency_ms = 2.0;
  facts.supervisor_answered = true;
  facts.accounts = {{"a1", "idle", false, 0, ""}};
  facts.reply_going_well = true;
  return facts;
}

std::string status_of_layer(const boost::json::object& report, int layer) {
  return std::string(report.at("layers").as_array().at(static_cast<std::size_t>(layer)).at("status").as_string());
}

}  // namespace

TEST_CASE("the report goes well when every layer does, and a problem marks its own layer", "[ops][report]") {
  auto facts = healthy_facts();
  auto report = ops::build_report(facts);
  CHECK(report.at("status") == "going_well");
  for (int layer = 0; layer < 4; ++layer) CHECK(status_of_layer(report, layer) == "going_well");
  CHECK(report.at("layers").as_array().at(0).at("facts").at("uptime_s") == 3600);

  SECTION("a failed reload: the process") {
    facts.last_reload = ops::reload_fact{t0, "sighup", false, {"troupe.yaml:3:1: bad"}};
    report = ops::build_report(facts);
    CHECK(status_of_layer(report, 0) == "needs_attention");
  }
  SECTION("no database: the store, and the reply pipeline is not judged") {
    facts.store_error = "connection refused";
    facts.reply_going_well.reset();
    report = ops::build_report(facts);
    CHECK(status_of_layer(report, 1) == "needs_attention");
    CHECK(status_of_layer(report, 3) == "needs_attention");
  }
  SECTION("a parked account: the actors") {
    facts.accounts[0].status = "parked";
    report = ops::build_report(facts);
    CHECK(status_of_layer(report, 2) == "needs_attention");
    CHECK(status_of_layer(report, 1) == "going_well");
  }
  SECTION("a monitor issue counts against its layer: the DLQ against the AOL pipeline") {
    facts.open_issues = {{1, "dlq_not_empty", ops::severity::warning, "actions in the dead-letter queue", "", "", t0, t0,
                          std::nullopt}};
    report = ops::build_report(facts);
    CHECK(status_of_layer(report, 3) == "needs_attention");
    CHECK(status_of_layer(report, 0) == "going_well");
    const auto text = ops::report_text(report);
    CHECK_THAT(text, Catch::Matchers::Contains("aol      needs_attention"));
    CHECK_THAT(text, Catch::Matchers::Contains("actions in the dead-letter queue (dlq_not_empty)"));
  }
  CHECK(report.at("status") == (status_of_layer(report, 0) == "going_well" && status_of_layer(report, 1) == "going_well" &&
                                        status_of_layer(report, 2) == "going_well" &&
                                        status_of_layer(report, 3) == "going_well"
                                    ? "going_well"
                                    : "needs_attention"));
}

TEST_CASE("a live daemon serves its report, troupe report prints it, and it is written every report.everyMs",
          "[ops][report][daemon]") {
  temp_dir dir;
  const auto config = dir.write("troupe.yaml", daemon_config(dir, 2, "") + "report: {everyMs: 1000}\n"
                                               "aol: {dataDir: \"" + dir.file("data") + "\"}\n");
  running_daemon daemon(dir, config);
  const int port = daemon.port();

  // The pods spawn their accounts once their state is read: the first
  // answers may come before that.
  boost::json::object report;
  const auto counts_every_account = [&] {
    report = request(port, "GET", "/api/report").json().as_object();
    return report.at("layers").as_array().at(2).at("facts").at("accounts") == 6;
  };
  CHECK(eventually(counts_every_account, 10s));
  INFO(boost::json::serialize(report));
  const auto& layers = report.at("layers").as_array();
  REQUIRE(layers.size() == 4);
  CHECK(layers[0].at("facts").at("version") == TROUPE_VERSION);
  CHECK(layers[1].at("facts").at("backend") == "sqlite");
  CHECK(layers[1].at("facts").at("size_bytes").to_number<std::int64_t>() > 0);
  CHECK(layers[1].at("status") == "going_well");
  CHECK(layers[2].at("facts").at("permits").at("capacity") == 2);
  CHECK(layers[3].at("facts").at("pipelines").as_array().size() == 4);

  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const auto text = run_command({TROUPE_BINARY, "report", "--url", url}, dir);
  INFO(text.output);
  CHECK_THAT(text.output, Catch::Matchers::Contains("layer 1 store      going_well"));
  CHECK_THAT(text.output, Catch::Matchers::Contains("backend: sqlite"));
  CHECK(text.exit_code == (report.at("status") == "going_well" ? 0 : 1));
  const auto as_json = run_command({TROUPE_BINARY, "report", "--json", "--url", url}, dir);
  CHECK(boost::json::parse(as_json.output).at("layers").as_array().size() == 4);
  CHECK(run_command({TROUPE_BINARY, "report", "--url", "http://127.0.0.1:1"}, dir).exit_code == 1);

  const auto reports = std::filesystem::path(dir.file("data")) / "reports";
  auto written = [&](const char* extension) {
    std::error_code missing;
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(reports, missing)) {
      const auto name = entry.path().filename().string();
      count += name.rfind("report-", 0) == 0 && entry.path().extension() == extension;
    }
    return count;
  };
  REQUIRE(eventually([&] { return written(".json") >= 2 && written(".txt") >= 2; }, 10s));
}
