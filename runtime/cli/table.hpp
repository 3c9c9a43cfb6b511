// Terminal tables for the client commands (`troupe status`, `troupe
// actors`): a header line and one line per row, columns aligned. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace troupe::cli {

struct table_column {
  enum class alignment { left, right };

  std::string header;
  alignment align = alignment::left;
  std::size_t max_width = 0;  // in characters; 0 = no limit. Longer cells are cut and end in "…".
};

using table_row = std::vector<std::string>;

// The header and the rows, each column as wide as its widest cell (header
// included, at most max_width), columns two spaces apart, every line ending
// in '\n' without trailing spaces. Widths count UTF-8 characters, not bytes.
// A cell is kept on one line: control characters (newlines, tabs) print as
// spaces. Missing cells are empty; cells beyond the columns are ignored.
std::string format_table(const std::vector<table_column>& columns, const std::vector<table_row>& rows);

}  // namespace troupe::cli
