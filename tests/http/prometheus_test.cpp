#include "runtime/http/prometheus.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "tests/support/command.hpp"

using namespace troupe::http;

TEST_CASE("counters and gauges get one HELP and TYPE line per family") {
  prometheus_writer writer;
  writer.counter("troupe_sessions_total", "Sessions ended, by outcome.", 3,
                 {{"activity", "feed"}, {"outcome", "ok"}});
  writer.gauge("troupe_permits_in_use", "Permits held right now.", 2);
  writer.counter("troupe_sessions_total", "ignored: the family already has its help", 1,
                 {{"activity", "feed"}, {"outcome", "error"}});
  writer.gauge("troupe_energy", "Energy of an account.", 0.25, {{"account", "a1"}});
  CHECK(writer.text() ==
        "# HELP troupe_sessions_total Sessions ended, by outcome.\n"
        "# TYPE troupe_sessions_total counter\n"
        "troupe_sessions_total{activity=\"feed\",outcome=\"ok\"} 3\n"
        "troupe_sessions_total{activity=\"feed\",outcome=\"error\"} 1\n"
        "# HELP troupe_permits_in_use Permits held right now.\n"
        "# TYPE troupe_permits_in_use gauge\n"
        "troupe_permits_in_use 2\n"
        "# HELP troupe_energy Energy of an account.\n"
        "# TYPE troupe_energy gauge\n"
        "troupe_energy{account=\"a1\"} 0.25\n");
}

TEST_CASE(
    "label values escape backslash, quote and newline, help text backslash and newline backslash "
    "and newline") {
  prometheus_writer writer;
  writer.gauge("odd", "a \\ help\nline \"quoted\"", 1, {{"path", "C:\\dir \"x\"\nnext"}});
  CHECK(writer.text() ==
        "# HELP odd a \\\\ help\\nline \"quoted\"\n"
        "# TYPE odd gauge\n"
        "odd{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n");
}

TEST_CASE("a histogram writes cumulative buckets ending in +Inf, then sum and count") {
  histogram_data delays({0.5, 1, 2.5});
  for (double seconds : {0.25, 0.5, 0.75, 3.0, 10.0}) delays.observe(seconds);
  prometheus_writer writer;
  writer.histogram("troupe_handoff_delay_seconds", "Delay between sessions.", delays,
                   {{"pod", "eu"}});
  CHECK(writer.text() ==
        "# HELP troupe_handoff_delay_seconds Delay between sessions.\n"
        "# TYPE troupe_handoff_delay_seconds histogram\n"
        "troupe_handoff_delay_seconds_bucket{pod=\"eu\",le=\"0.5\"} 2\n"
        "troupe_handoff_delay_seconds_bucket{pod=\"eu\",le=\"1\"} 3\n"
        "troupe_handoff_delay_seconds_bucket{pod=\"eu\",le=\"2.5\"} 3\n"
        "troupe_handoff_delay_seconds_bucket{pod=\"eu\",le=\"+Inf\"} 5\n"
        "troupe_handoff_delay_seconds_sum{pod=\"eu\"} 14.5\n"
        "troupe_handoff_delay_seconds_count{pod=\"eu\"} 5\n");
}

TEST_CASE("special values are written as Prometheus spells them") {
  prometheus_writer writer;
  writer.gauge("g", "h", std::numeric_limits<double>::infinity(), {{"k", "a"}});
  writer.gauge("g", "h", -std::numeric_limits<double>::infinity(), {{"k", "b"}});
  writer.gauge("g", "h", std::numeric_limits<double>::quiet_NaN(), {{"k", "c"}});
  writer.gauge("g", "h", 1e21, {{"k", "d"}});
  CHECK(writer.text() ==
        "# HELP g h\n# TYPE g gauge\n"
        "g{k=\"a\"} +Inf\ng{k=\"b\"} -Inf\ng{k=\"c\"} NaN\ng{k=\"d\"} 1e+21\n");
}

TEST_CASE("invalid names and a family written with two types are programming errors") {
  prometheus_writer writer;
  writer.counter("requests_total", "h", 1);
  CHECK_THROWS_AS(writer.gauge("requests_total", "h", 1), std::invalid_argument);
  CHECK_THROWS_AS(writer.gauge("2fast", "h", 1), std::invalid_argument);
  CHECK_THROWS_AS(writer.gauge("has-dash", "h", 1), std::invalid_argument);
  CHECK_THROWS_AS(writer.gauge("ok", "h", 1, {{"bad:label", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(writer.histogram("h", "h", histogram_data({1}), {{"le", "1"}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(histogram_data({1, 1}), std::invalid_argument);
  CHECK_NOTHROW(writer.gauge("ns:subsystem_name", "h", 1, {{"_label1", "v"}}));
}

TEST_CASE("the official Python client's parser reads the text back unchanged") {
  // Debian's python3-prometheus-client (tools/install-deps) lives with the
  // system interpreter, not with whatever python3 comes first in PATH.
  const std::string python = "/usr/bin/python3";
  REQUIRE(std::filesystem::exists(python));

  prometheus_writer writer;
  writer.counter("troupe_http_requests_total", "HTTP responses by status.", 7, {{"status", "200"}});
  writer.counter("troupe_http_requests_total", "HTTP responses by status.", 1, {{"status", "404"}});
  writer.gauge("troupe_account_energy", "Energy \\ per\naccount.", 0.75,
               {{"account", "we\"ird\\name\nx"}});
  histogram_data delays({1, 5});
  delays.observe(0.5);
  delays.observe(7);
  writer.histogram("troupe_handoff_delay_seconds", "Handoff delays.", delays);

  troupe::testing::temp_dir dir;
  const std::string exposition = dir.write("metrics.txt", writer.text());
  const std::string script = dir.write("parse.py", R"(
import json, sys
from prometheus_client.parser import text_string_to_metric_families
families = []
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    families.append({"name": family.name, "type": family.type, "help": family.documentation,
                     "samples": [[s.name, s.labels, s.value] for s in family.samples]})
print(json.dumps(families))
)");
  const auto parsed = troupe::testing::run_command({python, script, exposition}, dir);
  INFO(parsed.output);
  REQUIRE(parsed.exit_code == 0);
  CHECK(boost::json::parse(parsed.output) == boost::json::parse(R"([
    {"name": "troupe_http_requests", "type": "counter", "help": "HTTP responses by status.",
     "samples": [["troupe_http_requests_total", {"status": "200"}, 7.0],
                 ["troupe_http_requests_total", {"status": "404"}, 1.0]]},
    {"name": "troupe_account_energy", "type": "gauge", "help": "Energy \\ per\naccount.",
     "samples": [["troupe_account_energy", {"account": "we\"ird\\name\nx"}, 0.75]]},
    {"name": "troupe_handoff_delay_seconds", "type": "histogram", "help": "Handoff delays.",
     "samples": [["troupe_handoff_delay_seconds_bucket", {"le": "1"}, 1.0],
                 ["troupe_handoff_delay_seconds_bucket", {"le": "5"}, 1.0],
                 ["troupe_handoff_delay_seconds_bucket", {"le": "+Inf"}, 2.0],
                 ["troupe_handoff_delay_seconds_sum", {}, 7.5],
                 ["troupe_handoff_delay_seconds_count", {}, 2.0]]}
  ])"));
}
