#include "runtime/host_name.hpp"

#include <unistd.h>

namespace troupe {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

}  // namespace troupe
