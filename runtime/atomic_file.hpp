// Writing a file so that a reader never sees half of it: the text goes to a
// temporary file beside the target, which is then renamed over it (rename
// is atomic within a file system). Creates the parent directories. A crash
// mid-write leaves the old file (or none) and at worst a stray
// "<name>.partial-<pid>". Thread-safe for distinct targets.
#pragma once

#include <filesystem>
#include <string>

#include "runtime/result.hpp"

namespace troupe {

// Replaces `path` with `text`; an error naming the file on failure.
status write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace troupe
