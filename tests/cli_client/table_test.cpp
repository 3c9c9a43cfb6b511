// The terminal tables of `troupe status` and `troupe actors`.
#include "runtime/cli/table.hpp"

#include <catch2/catch.hpp>

using troupe::cli::format_table;
using troupe::cli::table_column;
using align = troupe::cli::table_column::alignment;

TEST_CASE("columns are as wide as their widest cell, two spaces apart, numbers right-aligned") {
  const auto text = format_table({{"ID"}, {"KIND"}, {"HANDLED", align::right}},
                                 {{"supervisor", "supervisor", "1234"}, {"  pod:eu", "pod", "7"}});
  CHECK(text ==
        "ID          KIND        HANDLED\n"
        "supervisor  supervisor     1234\n"
        "  pod:eu    pod               7\n");
}

TEST_CASE("cells longer than their column's limit are cut and end in an ellipsis") {
  const auto text = format_table({{"ERROR", align::left, 10}, {"N", align::right}},
                                 {{"driver exited with status 3", "1"}, {"short", "2"}, {"exactly 10", "3"}});
  CHECK(text ==
        "ERROR       N\n"
        "driver ex…  1\n"
        "short       2\n"
        "exactly 10  3\n");
  // A cut right after a space does not leave the space before the ellipsis.
  CHECK(format_table({{"ERROR", align::left, 8}}, {{"driver exited"}}) == "ERROR\ndriver…\n");
}

TEST_CASE("widths count characters, not bytes, and cuts never split a character") {
  const auto text = format_table({{"MOOD", align::left, 5}, {"X"}}, {{"Müde", "a"}, {"ééééééé", "b"}});
  CHECK(text ==
        "MOOD   X\n"
        "Müde   a\n"
        "éééé…  b\n");
}

TEST_CASE("a cell stays on one line: control characters print as spaces") {
  const auto text = format_table({{"A"}, {"B"}}, {{"line one\nline two\tend", "x"}});
  CHECK(text ==
        "A                      B\n"
        "line one line two end  x\n");
}

TEST_CASE("lines carry no trailing spaces, and missing cells are empty") {
  const auto text = format_table({{"ID"}, {"LAST ERROR"}}, {{"store"}, {"account:a", ""}, {"x", "boom"}});
  CHECK(text ==
        "ID         LAST ERROR\n"
        "store\n"
        "account:a\n"
        "x          boom\n");
}

TEST_CASE("a table without rows is its header line") {
  CHECK(format_table({{"POD"}, {"ACCOUNTS", align::right}}, {}) == "POD  ACCOUNTS\n");
}
