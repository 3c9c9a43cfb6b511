#include "runtime/atomic_file.hpp"

#include <unistd.h>

#include <fstream>

namespace troupe {

status write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  std::error_code failure;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), failure);
    if (failure)
      return error{"cannot create " + path.parent_path().string() + ": " + failure.message()};
  }
  const auto partial = path.string() + ".partial-" + std::to_string(::getpid());
  {
    std::ofstream out(partial, std::ios::trunc);
    out << text;
    if (!out.flush()) {
      std::filesystem::remove(partial, failure);
      return error{"cannot write " + partial};
    }
  }
  std::filesystem::rename(partial, path, failure);
  if (failure) {
    const auto message = "cannot write " + path.string() + ": " + failure.message();
    std::filesystem::remove(partial, failure);
    return error{message};
  }
  return {};
}

}  // namespace troupe
