// This machine's name as the operating system gives it: what names the node
// in lease owners, fatal issues and alerts. Thread-safe.
#pragma once

#include <string>

namespace troupe {

// The host name (gethostname), or "localhost" when it cannot be read.
std::string host_name();

}  // namespace troupe
