#include "misbehaviour.hpp"

#include <unistd.h>

#include <string>

#include "output.hpp"

namespace troupe::sim_driver {
namespace {

int draw_exit_code(const simulation_knobs& knobs, double draw) {
  const std::pair<double, int> classes[] = {
      {knobs.p_transient, 2}, {knobs.p_auth, 3}, {knobs.p_no_targets, 4}, {knobs.p_hard, 1}};
  double bound = 0;
  for (const auto& [probability, code] : classes) {
    bound += probability;
    if (draw < bound) return code;
  }
  return 0;
}

} // namespace

fate draw_fate(const simulation_knobs& knobs, const std::string& session_activity, randomness& random) {
  fate drawn;
  drawn.exit_code = draw_exit_code(knobs, random.uniform());
  drawn.hang = random.uniform() < knobs.p_hang;
  drawn.flood = random.uniform() < knobs.p_flood;
  drawn.malformed = random.uniform() < knobs.p_malformed;
  drawn.grandchild = random.uniform() < knobs.p_grandchild;
  if (knobs.exit_code) drawn.exit_code = *knobs.exit_code;
  if (!session_activity.empty() && session_activity == knobs.fail_activity) drawn.exit_code = 1;
  return drawn;
}

pid_t start_grandchild(double seconds) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    sleep_ms(seconds * 1000);
    ::_exit(0);
  }
  return pid;
}

void flood_stdout(std::int64_t bytes) {
  const std::string line =
      R"({"event":"progress","flood":true,"pad":")" + std::string(64, 'x') + "\"}\n";
  std::string block;
  while (block.size() + line.size() <= std::size_t{64} * 1024) block += line;
  for (std::int64_t written = 0; written < bytes;
       written += static_cast<std::int64_t>(block.size())) {
    if (!write_all(STDOUT_FILENO, block)) return;
  }
}

void write_malformed_lines() {
  write_all(STDOUT_FILENO,
            "this line is not JSON\n"
            "{\"event\":\"progress\",\"done\":\n"
            "[1,2,3]\n"
            "{\"status\":\"neither progress nor result\"}\n");
}

void hang_forever() {
  for (;;) ::pause();
}

} // namespace troupe::sim_driver
