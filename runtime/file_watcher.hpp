// Watches a few files (the config files) for changes with inotify, for hot
// reload. It watches each file's parent directory and filters by name, so a
// file written in place, copied over (`cp`), or replaced by a rename (vim,
// `mv tmp file`, `sed -i`) is seen, and watching goes on after a
// replacement. Changes are debounced: the callback runs once the watched
// names have been quiet for `debounce`, naming every file that changed, so an
// editor's write+rename or several files saved together give one callback.
//
// Limits: a watched path that is a symlink is watched as the link, not its
// target; when a watched directory itself is removed or renamed, its files
// are reported changed once and that directory is no longer watched.
//
// RAII: owns the inotify descriptor and one thread; the destructor stops and
// joins the thread (promptly, even mid-debounce). The callback runs on that
// thread, must not block for long, and must not destroy the watcher.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/result.hpp"

namespace troupe {

class file_watcher {
 public:
  // The changed files, spelled as given to start() and in that order.
  using callback = std::function<void(const std::vector<std::string>& changed)>;

  // Starts watching `files`. Fails when `files` is empty, when a file's
  // directory is missing or unreadable, or when inotify is unavailable.
  static result<file_watcher> start(const std::vector<std::string>& files, callback on_change,
                                    std::chrono::milliseconds debounce = std::chrono::milliseconds(200));

  file_watcher(file_watcher&&) noexcept;
  file_watcher& operator=(file_watcher&&) noexcept;
  ~file_watcher();

 private:
  class impl;  // the descriptors and the thread
  explicit file_watcher(std::unique_ptr<impl> running);
  std::unique_ptr<impl> impl_;
};

}  // namespace troupe
