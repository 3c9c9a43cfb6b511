// What the monitor reads of its host: free disk space under a directory and
// whether the running executable was replaced on disk (a new version was
// installed and the daemon still runs the old one).
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

namespace troupe::ops {

// The executable this process runs, as found at start.
struct binary_identity {
  std::string path;         // empty: /proc/self/exe could not be read
  std::timespec modified{};  // its modification time then
};

binary_identity running_binary();

// True iff the executable at `at_start.path` is no longer the one this
// process runs: it was replaced by a rename (the kernel marks the running
// one deleted) or rewritten since start.
bool binary_replaced(const binary_identity& at_start);

// Bytes available to an unprivileged user on the file system holding
// `directory` (or its nearest existing parent); nullopt when none can be read.
std::optional<std::uint64_t> free_bytes_under(const std::string& directory);

}  // namespace troupe::ops
