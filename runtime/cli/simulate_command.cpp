#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>
#include <string>

#include "runtime/cli/commands.hpp"
#include "runtime/cli/effective_config.hpp"
#include "runtime/logging.hpp"
#include "runtime/simulation.hpp"

namespace troupe::cli {
namespace {

simulation_options simulation_options_of(const simulate_options& options) {
  simulation_options simulation;
  simulation.days = options.days;
  simulation.seed = options.seed;
  simulation.pods = options.pods;
  simulation.accounts_per_pod = options.accounts_per_pod;
  simulation.model.p_hard = options.p_hard;
  simulation.model.p_transient = options.p_transient;
  simulation.model.p_recovery_fails = options.p_recovery_fails;
  return simulation;
}

// "n 142: min 1785, p10 3126, p50 4719, p90 28570, max 60844" of a distribution.
std::string spread_text(const boost::json::value& spread) {
  const auto& fields = spread.as_object();
  std::string text = fmt::format("n {}", fields.at("count").as_uint64());
  const char* separator = ": ";
  for (const char* name : {"min", "p10", "p50", "p90", "max"}) {
    if (!fields.contains(name)) break;
    text += fmt::format("{}{} {:.0f}", separator, name, fields.at(name).to_number<double>());
    separator = ", ";
  }
  return text;
}

void print_text_report(const boost::json::object& report) {
  std::cout << "sessions:            " << report.at("sessions_total") << "\n"
            << "  by activity:       " << report.at("sessions_by_activity") << "\n"
            << "  by mood:           " << report.at("sessions_by_mood") << "\n"
            << "  per account, by daypart (accounts):\n";
  for (const auto& [daypart, spread] : report.at("sessions_per_account_by_daypart").as_object()) {
    std::cout << "    " << fmt::format("{:<17}", std::string(daypart)) << spread_text(spread) << "\n";
  }
  std::cout << "max concurrent:      " << report.at("max_concurrent") << "\n"
            << "permit utilisation:  "
            << fmt::format("{:.1f}%", report.at("permit_utilisation").to_number<double>() * 100) << "\n"
            << "gaps (s):            " << spread_text(report.at("gaps_s")) << "\n"
            << "burst gaps (s):      " << spread_text(report.at("burst_gaps_s")) << "\n"
            << "handoff delays (s):  " << spread_text(report.at("handoff_delays_s")) << "\n"
            << "skips by reason:     " << report.at("skips_by_reason") << "\n"
            << "bursts:              " << report.at("bursts") << "\n"
            << "recovery steps:      " << report.at("recoveries") << "\n"
            << "parked accounts:     " << report.at("needs_recovery_accounts") << "\n"
            << "invariant violations:" << report.at("invariant_violations") << "\n"
            << "virtual seconds:     " << report.at("virtual_seconds") << "\n"
            << "wall seconds:        " << report.at("wall_seconds") << "\n";
}

}  // namespace

int simulate_command(const command_line& line) {
  auto config = load_effective_config(line.common);
  if (!config) return 2;
  configure_console_logging((*config)->log.level);
  const auto& options = line.simulate;
  if (options.days < 1 || options.pods.value_or(1) < 1 || options.accounts_per_pod.value_or(1) < 1) {
    std::cerr << "troupe simulate: --days, --pods and --accounts-per-pod must be at least 1\n";
    return 2;
  }
  const auto simulation = simulation_options_of(options);
  auto report = run_simulation(simulated_config(**config, simulation), simulation);
  if (options.json) {
    std::cout << boost::json::serialize(report) << "\n";
  } else {
    print_text_report(report);
  }
  return report.at("invariant_violations").as_array().empty() ? 0 : 1;
}

}  // namespace troupe::cli
