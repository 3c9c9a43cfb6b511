#include "runtime/simulation_report.hpp"

#include <boost/json.hpp>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "runtime/policy/handoff.hpp"
#include "runtime/policy/local_time.hpp"
#include "runtime/policy/mood.hpp"

namespace troupe {
namespace {

constexpr std::size_t max_reported_violations = 100;

boost::json::object counts(const std::map<std::string, std::int64_t>& values) {
  boost::json::object out;
  for (const auto& [key, value] : values) out[key] = value;
  return out;
}

// The value below which `share` of the sorted `values` lie (nearest rank).
double quantile(const std::vector<double>& sorted, double share) {
  const auto rank = static_cast<std::size_t>(share * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

// count, min, p10, p50, p90, max and mean of `values`; only the count when there are none.
boost::json::object distribution(std::vector<double> values) {
  boost::json::object out;
  out["count"] = values.size();
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  out["min"] = values.front();
  out["p10"] = quantile(values, 0.1);
  out["p50"] = quantile(values, 0.5);
  out["p90"] = quantile(values, 0.9);
  out["max"] = values.back();
  double sum = 0.0;
  for (const double value : values) sum += value;
  out["mean"] = sum / static_cast<double>(values.size());
  return out;
}

boost::json::object delay_summary(std::vector<double> delays) {
  auto out = distribution(delays);
  if (!delays.empty()) out["mode_estimate"] = policy::mode_estimate(delays);
  return out;
}

}  // namespace

simulation_report::simulation_report(std::shared_ptr<const config::troupe_config> config)
    : config_(std::move(config)) {
  std::size_t accounts = 0;
  for (const auto& pod : config_->pods) {
    zones_[pod.name] = date::locate_zone(pod.timezone.empty() ? config_->timezone : pod.timezone);
    accounts += pod.accounts.size();
  }
  tallies_.reserve(accounts);
  for (int i = 0; i < config_->concurrency; ++i) grantable_at_.insert(0);
}

const date::time_zone* simulation_report::zone_of(const std::string& pod) const {
  auto found = zones_.find(pod);
  return found == zones_.end() ? date::locate_zone(config_->timezone) : found->second;
}

void simulation_report::violation(std::int64_t at_ms, const std::string& what) {
  if (violations_.size() < max_reported_violations) {
    violations_.push_back(fmt::format("at {} ms: {}", at_ms, what));
  }
}

const config::mood_config* simulation_report::mood_of(const store::runner_event& event) const {
  const auto clock = policy::read_local_clock(zone_of(event.pod), event.at_ms);
  return policy::mood_at(config_->moods, clock.minute_of_day);
}

void simulation_report::count_running(std::int64_t at_ms, std::int64_t change) {
  permit_ms_ += static_cast<double>(running_) * static_cast<double>(at_ms - running_since_ms_);
  running_since_ms_ = at_ms;
  running_ += change;
}

void simulation_report::on_account_state(const account_state& state) {
  auto& tally = tallies_[state.account_id];
  tally.state_written = true;
  tally.needs_recovery = state.needs_recovery;
  const auto done = state.done_today.find(config_->unfollow_trigger.counts);
  tally.trigger_done_today =
      done == state.done_today.end() ? std::nullopt : std::optional<std::int64_t>(done->second);
}

void simulation_report::on_permit_granted(std::int64_t at_ms) {
  auto earliest = grantable_at_.begin();
  if (earliest == grantable_at_.end() || *earliest > at_ms) {
    violation(at_ms, "a permit was granted before any permit's handoff delay had passed");
    if (earliest != grantable_at_.end()) grantable_at_.erase(earliest);
    return;
  }
  grantable_at_.erase(earliest);
}

void simulation_report::on_permit_released(std::int64_t ended_at_ms, std::int64_t handoff_delay_ms) {
  grantable_at_.insert(ended_at_ms + handoff_delay_ms);
  // A permit returned unused (no session ran) comes back without a delay.
  if (handoff_delay_ms > 0) handoff_delays_s_.push_back(static_cast<double>(handoff_delay_ms) / 1000.0);
}

void simulation_report::on_event(const store::runner_event& event) {
  if (event.kind == "start" || event.kind == "recover") {
    on_start(event);
  } else if (event.kind == "finish" || event.kind == "error") {
    on_end(event);
  } else if (event.kind == "skip") {
    ++skips_by_reason_[event.reason];
  }
}

void simulation_report::on_start(const store::runner_event& event) {
  count_running(event.at_ms, +1);
  max_concurrent_ = std::max(max_concurrent_, running_);
  if (running_ > config_->concurrency) {
    violation(event.at_ms, fmt::format("{} sessions at once (concurrency {})", running_, config_->concurrency));
  }
  auto& tally = tallies_[event.account_id];
  if (tally.running)
    violation(event.at_ms, "two sessions of account " + event.account_id + " at once");
  tally.running = true;
  tally.recovering = event.kind == "recover";
  if (tally.recovering) {
    ++recoveries_;
    return;
  }
  check_gap(event, tally);
  ++sessions_total_;
  ++sessions_by_activity_[event.activity];
  if (event.burst) ++bursts_;
  const auto* mood = mood_of(event);
  const auto daypart = mood ? mood->name : "none";
  ++sessions_by_mood_[daypart];
  ++tally.sessions_by_daypart[daypart];
  if (mood && mood->sleep) {
    ++sessions_in_sleep_;
    violation(event.at_ms, "session of " + event.account_id + " started in sleep mood " + mood->name);
  }
  const auto& trigger = config_->unfollow_trigger;
  if (event.activity == trigger.activity &&
      (!tally.trigger_done_today || *tally.trigger_done_today < trigger.threshold)) {
    violation(event.at_ms, event.activity + " of " + event.account_id + " before its threshold");
  }
  if (event.activity == config_->stories_policy.activity) {
    const auto& last = tally.last_fluid_start_ms;
    if (last && event.at_ms - *last < config_->stories_policy.min_gap_ms) {
      violation(event.at_ms, event.activity + " of " + event.account_id + " inside its minimum gap");
    }
    tally.last_fluid_start_ms = event.at_ms;
  }
}

// A session comes no sooner after the account's last planned one than the
// config allows: the idle gap drawn at that end is at least idle.baseMinMs
// times the mood's multiplier; a burst's second session waits bursts.gapMs.
void simulation_report::check_gap(const store::runner_event& start, const account_tally& tally) {
  if (!tally.last_end_ms) return;
  const auto gap_ms = start.at_ms - *tally.last_end_ms;
  const auto least_ms = start.burst ? config_->bursts.gap_ms : tally.min_gap_ms;
  (start.burst ? burst_gaps_s_ : gaps_s_).push_back(static_cast<double>(gap_ms) / 1000.0);
  if (gap_ms < least_ms) {
    violation(start.at_ms, fmt::format("session of {} {} ms after its last one ended (at least {} ms configured)",
                                       start.account_id, gap_ms, least_ms));
  }
}

void simulation_report::on_end(const store::runner_event& event) {
  count_running(event.at_ms, -1);
  auto& tally = tallies_[event.account_id];
  tally.running = false;
  if (tally.recovering) return;  // a recovery step does not start the account's idle gap
  const auto* mood = mood_of(event);
  tally.last_end_ms = event.at_ms;
  tally.min_gap_ms =
      std::llround(static_cast<double>(config_->idle.base_min_ms) * (mood != nullptr ? mood->idle : 1.0));
}

// For each daypart (mood), how many sessions the configured accounts had in
// it: their distribution over accounts, those with none included.
boost::json::object simulation_report::per_account_by_daypart() const {
  std::map<std::string, std::vector<double>> per_daypart;
  for (const auto& mood : config_->moods) per_daypart[mood.name];
  for (const auto& [account, tally] : tallies_) {
    for (const auto& [daypart, count] : tally.sessions_by_daypart) per_daypart[daypart];
  }
  for (auto& [daypart, counts] : per_daypart) {
    for (const auto& pod : config_->pods) {
      for (const auto& account : pod.accounts) {
        const auto tally = tallies_.find(account);
        const auto sessions = tally == tallies_.end() ? 0 : [&] {
          const auto found = tally->second.sessions_by_daypart.find(daypart);
          return found == tally->second.sessions_by_daypart.end() ? std::int64_t{0} : found->second;
        }();
        counts.push_back(static_cast<double>(sessions));
      }
    }
  }
  boost::json::object out;
  for (auto& [daypart, counts] : per_daypart) out[daypart] = distribution(std::move(counts));
  return out;
}

boost::json::object simulation_report::to_json(std::int64_t start_ms, std::int64_t end_ms,
                                               double wall_seconds) const {
  const double span_ms = static_cast<double>(end_ms - start_ms);
  const double permit_ms = permit_ms_ + static_cast<double>(running_) * static_cast<double>(end_ms - running_since_ms_);
  std::int64_t parked = 0;
  for (const auto& entry : tallies_)
    parked += entry.second.state_written && entry.second.needs_recovery ? 1 : 0;
  boost::json::array violations;
  for (const auto& text : violations_) violations.emplace_back(text);
  boost::json::object report;
  report["sessions_total"] = sessions_total_;
  report["sessions_by_activity"] = counts(sessions_by_activity_);
  report["sessions_by_mood"] = counts(sessions_by_mood_);
  report["max_concurrent"] = max_concurrent_;
  report["sessions_in_sleep"] = sessions_in_sleep_;
  report["sessions_per_account_by_daypart"] = per_account_by_daypart();
  report["permit_utilisation"] =
      span_ms > 0 && config_->concurrency > 0 ? permit_ms / (span_ms * config_->concurrency) : 0.0;
  report["gaps_s"] = distribution(gaps_s_);
  report["burst_gaps_s"] = distribution(burst_gaps_s_);
  report["handoff_delays_s"] = delay_summary(handoff_delays_s_);
  report["skips_by_reason"] = counts(skips_by_reason_);
  report["bursts"] = bursts_;
  report["recoveries"] = recoveries_;
  report["needs_recovery_accounts"] = parked;
  report["invariant_violations"] = std::move(violations);
  report["virtual_seconds"] = span_ms / 1000.0;
  report["wall_seconds"] = wall_seconds;
  return report;
}

}  // namespace troupe
