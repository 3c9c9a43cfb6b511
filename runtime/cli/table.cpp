#include "runtime/cli/table.hpp"

#include <algorithm>

namespace troupe::cli {
namespace {

constexpr const char* ellipsis = "…";
constexpr const char* column_gap = "  ";

bool is_continuation_byte(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(),
                                                 [](char byte) { return !is_continuation_byte(byte); }));
}

// The first `count` characters of `text`, never splitting a UTF-8 sequence.
std::string first_characters(const std::string& text, std::size_t count) {
  std::size_t end = 0;
  for (std::size_t seen = 0; end < text.size(); ++end) {
    if (!is_continuation_byte(text[end]) && seen++ == count) break;
  }
  return text.substr(0, end);
}

// The cell as printed: on one line and at most `max_width` characters wide.
std::string fitted(std::string cell, std::size_t max_width) {
  std::replace_if(cell.begin(), cell.end(), [](char byte) {
    return static_cast<unsigned char>(byte) < 0x20 || byte == 0x7F;
  }, ' ');
  if (max_width == 0 || display_width(cell) <= max_width) return cell;
  auto kept = first_characters(cell, max_width - 1);
  kept.erase(kept.find_last_not_of(' ') + 1);  // "the login…", not "the login …"
  return kept + ellipsis;
}

std::string padded(const std::string& cell, std::size_t width, table_column::alignment align) {
  const std::string padding(width - display_width(cell), ' ');
  return align == table_column::alignment::right ? padding + cell : cell + padding;
}

}  // namespace

std::string format_table(const std::vector<table_column>& columns, const std::vector<table_row>& rows) {
  std::vector<table_row> lines;
  lines.reserve(rows.size() + 1);
  lines.emplace_back();
  for (const auto& column : columns) lines.back().push_back(fitted(column.header, column.max_width));
  for (const auto& row : rows) {
    lines.emplace_back();
    for (std::size_t index = 0; index < columns.size(); ++index) {
      lines.back().push_back(fitted(index < row.size() ? row[index] : "", columns[index].max_width));
    }
  }

  std::vector<std::size_t> widths(columns.size(), 0);
  for (const auto& line : lines) {
    for (std::size_t index = 0; index < line.size(); ++index) {
      widths[index] = std::max(widths[index], display_width(line[index]));
    }
  }

  std::string text;
  for (const auto& line : lines) {
    std::string printed;
    for (std::size_t index = 0; index < line.size(); ++index) {
      if (index > 0) printed += column_gap;
      printed += padded(line[index], widths[index], columns[index].align);
    }
    printed.erase(printed.find_last_not_of(' ') + 1);
    text += printed + "\n";
  }
  return text;
}

}  // namespace troupe::cli
