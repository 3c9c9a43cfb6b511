// Files carried inside the binary (generated at build time by
// tools/cmake/embed.cmake): SQL migrations and the console's assets.
#pragma once

#include <string_view>
#include <vector>

namespace troupe::embedded {

struct file {
  std::string_view path;     // relative to the source tree, e.g. "schema/sqlite/001_init.sql"
  std::string_view contents;
};

// Every file under schema/, sorted by path.
const std::vector<file>& troupe_schema_files();

// Every file of the console (runtime/http/console/), sorted by path.
const std::vector<file>& troupe_console_files();

} // namespace troupe::embedded
