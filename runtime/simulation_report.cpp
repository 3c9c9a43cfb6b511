#include "runtime/simulation_report.hpp"

#include <boost/json.hpp>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>

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

boost::json::object delay_summary(std::vector<double> delays) {
  boost::json::object out;
  out["count"] = delays.size();
  if (delays.empty()) return out;
  std::sort(delays.begin(), delays.end());
  out["min"] = delays.front();
  out["p50"] = delays[delays.size() / 2];
  out["max"] = delays.back();
  out["mode_estimate"] = policy::mode_estimate(delays);
  return out;
}

}  // namespace

simulation_report::simulation_report(std::shared_ptr<const config::troupe_config> config)
    : config_(std::move(config)) {
  for (const auto& pod : config_->pods) {
    zones_[pod.name] = date::locate_zone(pod.timezone.empty() ? config_->timezone : pod.timezone);
  }
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

void simulation_report::on_account_state(const account_state& state) {
  accounts_[state.account_id] = state;
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
  ++running_;
  max_concurrent_ = std::max(max_concurrent_, running_);
  if (running_ > config_->concurrency) {
    violation(event.at_ms, fmt::format("{} sessions at once (concurrency {})", running_, config_->concurrency));
  }
  if (!running_accounts_.insert(event.account_id).second) {
    violation(event.at_ms, "two sessions of account " + event.account_id + " at once");
  }
  if (event.kind == "recover") {
    ++recoveries_;
    return;
  }
  ++sessions_total_;
  ++sessions_by_activity_[event.activity];
  if (event.burst) ++bursts_;
  const auto clock = policy::read_local_clock(zone_of(event.pod), event.at_ms);
  const auto* mood = policy::mood_at(config_->moods, clock.minute_of_day);
  ++sessions_by_mood_[mood ? mood->name : "none"];
  if (mood && mood->sleep) {
    ++sessions_in_sleep_;
    violation(event.at_ms, "session of " + event.account_id + " started in sleep mood " + mood->name);
  }
  const auto& state = accounts_[event.account_id];
  const auto& trigger = config_->unfollow_trigger;
  if (event.activity == trigger.activity) {
    auto done = state.done_today.find(trigger.counts);
    if (done == state.done_today.end() || done->second < trigger.threshold) {
      violation(event.at_ms, event.activity + " of " + event.account_id + " before its threshold");
    }
  }
  if (event.activity == config_->stories_policy.activity) {
    auto last = last_fluid_start_.find(event.account_id);
    if (last != last_fluid_start_.end() && event.at_ms - last->second < config_->stories_policy.min_gap_ms) {
      violation(event.at_ms, event.activity + " of " + event.account_id + " inside its minimum gap");
    }
    last_fluid_start_[event.account_id] = event.at_ms;
  }
}

void simulation_report::on_end(const store::runner_event& event) {
  --running_;
  running_accounts_.erase(event.account_id);
}

boost::json::object simulation_report::to_json(double virtual_seconds, double wall_seconds) const {
  std::int64_t parked = 0;
  for (const auto& entry : accounts_) parked += entry.second.needs_recovery ? 1 : 0;
  boost::json::array violations;
  for (const auto& text : violations_) violations.emplace_back(text);
  boost::json::object report;
  report["sessions_total"] = sessions_total_;
  report["sessions_by_activity"] = counts(sessions_by_activity_);
  report["sessions_by_mood"] = counts(sessions_by_mood_);
  report["max_concurrent"] = max_concurrent_;
  report["sessions_in_sleep"] = sessions_in_sleep_;
  report["handoff_delays_s"] = delay_summary(handoff_delays_s_);
  report["skips_by_reason"] = counts(skips_by_reason_);
  report["bursts"] = bursts_;
  report["recoveries"] = recoveries_;
  report["needs_recovery_accounts"] = parked;
  report["invariant_violations"] = std::move(violations);
  report["virtual_seconds"] = virtual_seconds;
  report["wall_seconds"] = wall_seconds;
  return report;
}

}  // namespace troupe
