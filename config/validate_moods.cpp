// Moods: names, windows, multipliers, the activities they weight, overlaps.
#include <bitset>
#include <map>

#include "config/validator.hpp"

namespace troupe::config {
namespace {

using day_minutes = std::bitset<minutes_per_day>;

day_minutes minutes_of(const mood_config& mood) {
  day_minutes minutes;
  for (minute_of_day m = 0; m < minutes_per_day; ++m) minutes[m] = mood_covers(mood, m);
  return minutes;
}

std::string window_of(const mood_config& mood) {
  return format_minute_of_day(mood.start) + "-" + format_minute_of_day(mood.end);
}

// The covered minutes as "HH:MM-HH:MM" runs, a run may wrap midnight.
std::string describe_runs(const day_minutes& minutes) {
  if (minutes.all()) return "all day";
  minute_of_day origin = 0;
  while (minutes[origin]) ++origin;
  std::vector<std::string> runs;
  minute_of_day run_start = -1;
  for (minute_of_day step = 1; step <= minutes_per_day; ++step) {
    const minute_of_day m = (origin + step) % minutes_per_day;
    if (minutes[m] && run_start < 0) run_start = m;
    if (!minutes[m] && run_start >= 0) {
      runs.push_back(format_minute_of_day(run_start) + "-" + format_minute_of_day(m));
      run_start = -1;
    }
  }
  return fmt::format("{}", fmt::join(runs, ", "));
}

void validate_mood(const troupe_config& config, const mood_config& mood, const std::string& path,
                   findings& found) {
  found.not_empty(path + ".name", mood.name);
  if (mood.start == mood.end) {
    found.error(path + ".end", fmt::format("equals start ({}): the window would be empty",
                                           format_minute_of_day(mood.end)));
  }
  found.at_least(path + ".idle", mood.idle, 0.0);
  found.at_least(path + ".burst", mood.burst, 0.0);
  for (const auto& [name, weight] : mood.weights) {
    if (config.find_activity(name) == nullptr) {
      found.error(path + ".weights." + name, fmt::format("unknown activity '{}'", name),
                  "activities");
    }
    found.at_least(path + ".weights." + name, weight, 0.0);
  }
}

// Which of two overlapping moods is in force, as mood_at() decides, and why.
std::string overlap_winner(const mood_config& first, const mood_config& second) {
  if (second.sleep && !first.sleep) return second.name + " wins at runtime (a sleep window wins)";
  if (first.sleep && !second.sleep) return first.name + " wins at runtime (a sleep window wins)";
  return first.name + " wins at runtime (the first listed wins)";
}

void warn_overlaps(const troupe_config& config, findings& found) {
  std::vector<day_minutes> windows;
  for (const auto& mood : config.moods) windows.push_back(minutes_of(mood));
  for (std::size_t j = 0; j < config.moods.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      const day_minutes shared = windows[i] & windows[j];
      if (shared.none()) continue;
      const auto& first = config.moods[i];
      const auto& second = config.moods[j];
      found.warning(fmt::format("moods[{}]", j),
                    fmt::format("'{}' ({}) overlaps '{}' ({}) during {}; {}", second.name,
                                window_of(second), first.name, window_of(first),
                                describe_runs(shared), overlap_winner(first, second)));
    }
  }
}

}  // namespace

void validate_moods(const troupe_config& config, findings& found) {
  std::map<std::string, std::size_t> first_index;  // mood name -> first position
  for (std::size_t i = 0; i < config.moods.size(); ++i) {
    const auto& mood = config.moods[i];
    const std::string path = fmt::format("moods[{}]", i);
    validate_mood(config, mood, path, found);
    const auto [first, inserted] = first_index.emplace(mood.name, i);
    if (!inserted && !mood.name.empty()) {
      found.error(path + ".name", fmt::format("duplicate mood name '{}' (also moods[{}])",
                                              mood.name, first->second));
    }
  }
  warn_overlaps(config, found);
}

}  // namespace troupe::config
