// A store case run without PostgreSQL says so, and fails where PostgreSQL is
// required (tools/test): this test binary runs one of its own cases again
// with PGHOST removed from the environment.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/command.hpp"

using troupe::testing::run_command;
using troupe::testing::temp_dir;

namespace {

const std::string store_case = "a decision reads back with every field, its embedding exact";

troupe::testing::command_result run_store_case_without_postgresql(bool required) {
  temp_dir dir;
  std::vector<std::string> argv{"/usr/bin/env", "-u", "PGHOST"};
  argv.push_back(required ? "TROUPE_REQUIRE_POSTGRESQL=1" : "-u");
  if (!required) argv.push_back("TROUPE_REQUIRE_POSTGRESQL");
  argv.push_back(std::filesystem::read_symlink("/proc/self/exe").string());
  argv.push_back("a decision reads back with every field\\, its embedding exact");  // ',' escaped for Catch
  argv.push_back("--warn");
  argv.push_back("NoTests");
  return run_command(argv, dir, std::chrono::seconds(60));
}

}  // namespace

TEST_CASE("without PGHOST a store case says it skipped PostgreSQL, and fails where PostgreSQL is required") {
  const auto skipped = run_store_case_without_postgresql(false);
  INFO(skipped.output);
  CHECK(skipped.exit_code == 0);
  CHECK(skipped.output.find("skipped: PostgreSQL not configured (PGHOST unset; run under pg_virtualenv): " +
                            store_case) != std::string::npos);

  const auto required = run_store_case_without_postgresql(true);
  INFO(required.output);
  CHECK(required.exit_code != 0);
  CHECK(required.output.find("skipped: PostgreSQL not configured") != std::string::npos);
}
