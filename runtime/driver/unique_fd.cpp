#include "runtime/driver/unique_fd.hpp"

#include <unistd.h>

namespace troupe::driver {

void unique_fd::reset() {
  // close() is not retried on EINTR: on Linux the descriptor is released
  // either way, and a retry could close a descriptor another thread reused.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

} // namespace troupe::driver
