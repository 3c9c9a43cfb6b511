// sim-driver: Troupe's simulated driver, a real executable that honours the
// driver contract and misbehaves on demand (see `sim-driver --help`).
#include <unistd.h>

#include <string>
#include <vector>

#include "options.hpp"
#include "output.hpp"
#include "work.hpp"

int main(int argc, char** argv) {
  using namespace troupe::sim_driver;
  constexpr int usage_error = 64;  // EX_USAGE: a hard error by the contract
  const auto parsed = parse_arguments(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.arguments) {
    log_to_stderr(parsed.error + " (see sim-driver --help)");
    return usage_error;
  }
  if (parsed.arguments->help) {
    write_all(STDOUT_FILENO, usage());
    return 0;
  }
  return perform(*parsed.arguments);
}
