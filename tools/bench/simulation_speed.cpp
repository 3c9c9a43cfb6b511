// Simulated seconds per wall second: troupe::run_simulation (the daemon's
// actors on the virtual clock) against the bare-CAF model of the same
// workload (/work/shared/sim-baseline/sim.cpp, built by tools/bench/run-all
// and run here as a child process), in the same run, with the same number of
// accounts, permits and days.
#include <poll.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bench_support.hpp"
#include "runtime/driver/child_process.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/simulation.hpp"

namespace {

using namespace troupe;

struct sizes {
  int pods = 2'000;
  int accounts_per_pod = 5;
  int concurrency = 500;  // N / 20, as the baseline's own default
  int days = 1;
  std::uint64_t seed = 1;
  std::string baseline;
  std::string report_path;  // empty: the report is not written
};

struct captured_run {
  int exit_code = -1;
  std::string output;  // stdout, then stderr
  double wall_seconds = 0;
};

// Appends what `fd` has to `into`; false once it reached end of file.
bool drain(int fd, std::string& into) {
  char buffer[4096];
  for (;;) {
    const auto got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      into.append(buffer, static_cast<std::size_t>(got));
      continue;
    }
    return got < 0 && (errno == EAGAIN || errno == EINTR);
  }
}

// Runs `program args...` to its end, keeping its output (small: a few lines).
result<captured_run> run_capturing(const std::string& program,
                                   const std::vector<std::string>& args) {
  bench::stopwatch watch;
  auto child = driver::child_process::spawn(program, args, "", driver::daemon_environment());
  if (!child) return child.failure();
  std::string out;
  std::string err;
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    pollfd watched[2] = {{out_open ? child->stdout_pipe().get() : -1, POLLIN, 0},
                         {err_open ? child->stderr_pipe().get() : -1, POLLIN, 0}};
    if (::poll(watched, 2, -1) < 0 && errno != EINTR)
      return error{"poll failed on the baseline's output"};
    if (out_open && watched[0].revents != 0) out_open = drain(child->stdout_pipe().get(), out);
    if (err_open && watched[1].revents != 0) err_open = drain(child->stderr_pipe().get(), err);
  }
  captured_run run;
  run.exit_code = child->reap();
  run.wall_seconds = watch.seconds();
  run.output = out + err;
  return run;
}

void print_indented(const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) std::cout << "    " << line << "\n";
}

// The report without its wall time, so that two runs of the same seed
// compare equal byte for byte (a check that a faster tree simulates the same).
void write_report(boost::json::object report, const std::string& path) {
  report.erase("wall_seconds");
  std::ofstream(path) << boost::json::serialize(report) << "\n";
}

int run(const sizes& size) {
  const int accounts = size.pods * size.accounts_per_pod;
  simulation_options options;
  options.days = size.days;
  options.seed = size.seed;
  options.pods = size.pods;
  options.accounts_per_pod = size.accounts_per_pod;
  config::troupe_config base;
  base.concurrency = size.concurrency;
  auto config = simulated_config(base, options);

  bench::stopwatch watch;
  const auto report = run_simulation(config, options);
  const double troupe_wall = watch.seconds();
  if (!size.report_path.empty()) write_report(report, size.report_path);

  const std::vector<std::string> baseline_args{"--accounts", std::to_string(accounts),
                                               "--permits",  std::to_string(size.concurrency),
                                               "--mode",     "skip",
                                               "--days",     std::to_string(size.days)};
  auto baseline = run_capturing(size.baseline, baseline_args);
  if (!baseline) {
    std::cerr << "cannot run the baseline " << size.baseline << ": " << baseline.failure().message
              << "\n";
    return 1;
  }

  const double simulated_seconds = 86'400.0 * size.days;
  const double troupe_speed = simulated_seconds / troupe_wall;
  const double baseline_speed = simulated_seconds / baseline->wall_seconds;
  const auto& violations = report.at("invariant_violations").as_array();
  std::cout << "simulation speed: " << bench::grouped(troupe_speed)
            << " simulated s per wall s (troupe), " << bench::grouped(baseline_speed)
            << " (bare-CAF baseline, skip mode), ratio "
            << bench::ratio(troupe_speed, baseline_speed) << "\n"
            << "  " << bench::grouped(accounts) << " accounts (" << size.pods << " pods of "
            << size.accounts_per_pod << "), concurrency " << size.concurrency << ", " << size.days
            << " day(s), seed " << size.seed << "; wall time of the whole run each: troupe "
            << bench::fixed(troupe_wall, 2) << " s (run_simulation), baseline "
            << bench::fixed(baseline->wall_seconds, 2) << " s (child process, spawn to reap)\n"
            << "  troupe: sessions_total " << report.at("sessions_total") << ", max_concurrent "
            << report.at("max_concurrent") << ", invariant_violations "
            << (violations.empty() ? std::string("empty") : boost::json::serialize(violations))
            << "\n"
            << "  baseline: " << size.baseline;
  for (const auto& arg : baseline_args) std::cout << " " << arg;
  std::cout << " (exit " << baseline->exit_code << "), its output:\n";
  print_indented(baseline->output);
  // A run that simulated no session measured nothing.
  if (report.at("sessions_total").to_number<std::int64_t>() <= 0) {
    std::cerr << "the simulation ran no session: its speed means nothing\n";
    return 1;
  }
  return violations.empty() && baseline->exit_code == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  sizes size;
  bench::options::options_description described("options");
  described.add_options()("pods", bench::options::value(&size.pods)->default_value(size.pods),
                          "pods")(
      "accounts-per-pod",
      bench::options::value(&size.accounts_per_pod)->default_value(size.accounts_per_pod),
      "accounts of each pod")(
      "concurrency", bench::options::value(&size.concurrency)->default_value(size.concurrency),
      "permits (the baseline's --permits)")(
      "days", bench::options::value(&size.days)->default_value(size.days), "simulated days")(
      "seed", bench::options::value(&size.seed)->default_value(size.seed),
      "troupe's simulation seed")(
      "report", bench::options::value(&size.report_path),
      "also write troupe's report (JSON, without its wall time) to this file")(
      "baseline", bench::options::value(&size.baseline)->required(),
      "the built bare-CAF baseline (run-all builds it as build-bench/sim-baseline)");
  if (auto stop = bench::parse_command_line(argc, argv,
                                            "bench_simulation_speed: troupe simulate vs the "
                                            "bare-CAF baseline, simulated s per wall s",
                                            described)) {
    return *stop;
  }
  if (size.pods < 1 || size.accounts_per_pod < 1 || size.concurrency < 1 || size.days < 1) {
    std::cerr << "--pods, --accounts-per-pod, --concurrency and --days must be at least 1\n";
    return 2;
  }
  return run(size);
}
