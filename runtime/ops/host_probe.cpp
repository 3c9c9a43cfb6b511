#include "runtime/ops/host_probe.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <system_error>

namespace troupe::ops {
namespace {

constexpr std::string_view deleted_mark = " (deleted)";

std::optional<std::timespec> modified_time(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return info.st_mtim;
}

bool later(const std::timespec& left, const std::timespec& right) {
  return left.tv_sec != right.tv_sec ? left.tv_sec > right.tv_sec : left.tv_nsec > right.tv_nsec;
}

}  // namespace

binary_identity running_binary() {
  std::error_code error;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return {};
  const auto modified = modified_time(path.string());
  return {path.string(), modified.value_or(std::timespec{})};
}

bool binary_replaced(const binary_identity& at_start) {
  if (at_start.path.empty()) return false;
  std::error_code error;
  const auto now = std::filesystem::read_symlink("/proc/self/exe", error).string();
  if (error) return false;
  if (now.size() >= deleted_mark.size() && now.compare(now.size() - deleted_mark.size(), deleted_mark.size(),
                                                       deleted_mark) == 0) {
    return true;
  }
  const auto modified = modified_time(at_start.path);
  return modified && later(*modified, at_start.modified);
}

std::optional<std::uint64_t> free_bytes_under(const std::string& directory) {
  std::error_code error;
  auto path = std::filesystem::absolute(directory.empty() ? "." : directory, error);
  if (error) return std::nullopt;
  while (!std::filesystem::exists(path, error) && path.has_parent_path() && path != path.parent_path()) {
    path = path.parent_path();
  }
  struct statvfs info {};
  if (::statvfs(path.c_str(), &info) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

}  // namespace troupe::ops
