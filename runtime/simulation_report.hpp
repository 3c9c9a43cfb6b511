// What a simulation saw, and the invariants it checks on every event:
// never more than `concurrency` sessions at once; never two sessions of one
// account at once; no session starts in a sleep mood; no grant sooner after a
// session's end than the handoff delay drawn for it; no unfollow (the
// unfollow-trigger activity) before its threshold; no stories (the fluid
// activity) inside their minimum gap; no account's session sooner after its
// previous one than the configured gap (idle.baseMinMs times the idle
// multiplier of the mood it ended in, or bursts.gapMs for a burst's second
// session). It also sums sessions per account and daypart (mood), the gaps
// between an account's sessions and the permits' utilisation. Fed by the
// recorder actor in event order; pure bookkeeping otherwise. Not
// thread-safe: one owner.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "runtime/account_state.hpp"
#include "runtime/store/runner_events.hpp"

namespace date {
class time_zone;
}

namespace troupe {

class simulation_report {
 public:
  explicit simulation_report(std::shared_ptr<const config::troupe_config> config);

  void on_account_state(const account_state& state);
  void on_event(const store::runner_event& event);
  void on_permit_granted(std::int64_t at_ms);
  void on_permit_released(std::int64_t ended_at_ms, std::int64_t handoff_delay_ms);

  const std::vector<std::string>& violations() const { return violations_; }
  std::int64_t sessions_total() const { return sessions_total_; }

  // The report as JSON (the fields of `troupe simulate --json`), given the
  // simulated span [start_ms, end_ms) and the wall time it took.
  boost::json::object to_json(std::int64_t start_ms, std::int64_t end_ms, double wall_seconds) const;

 private:
  // What the report remembers of one account between its events: one
  // lookup per event (a run has tens of thousands of accounts).
  struct account_tally {
    // From the latest state written: what the invariants and the totals read.
    bool state_written = false;
    bool needs_recovery = false;
    std::optional<std::int64_t> trigger_done_today;   // done_today of the unfollow trigger's count
    bool running = false;                             // a session of it runs
    bool recovering = false;                          // the running session is a recovery step
    std::optional<std::int64_t> last_end_ms;          // of its last planned session
    std::int64_t min_gap_ms = 0;                      // the configured gap after that end
    std::optional<std::int64_t> last_fluid_start_ms;  // of its last stories session
    std::map<std::string, std::int64_t> sessions_by_daypart;
  };

  void on_start(const store::runner_event& event);
  void on_end(const store::runner_event& event);
  void violation(std::int64_t at_ms, const std::string& what);
  void check_gap(const store::runner_event& start, const account_tally& tally);
  void count_running(std::int64_t at_ms, std::int64_t change);
  const date::time_zone* zone_of(const std::string& pod) const;
  const config::mood_config* mood_of(const store::runner_event& event) const;
  boost::json::object per_account_by_daypart() const;

  std::shared_ptr<const config::troupe_config> config_;
  std::unordered_map<std::string, const date::time_zone*> zones_;  // pod -> zone
  std::multiset<std::int64_t> grantable_at_;              // when each idle permit may be granted
  std::unordered_map<std::string, account_tally> tallies_;  // account -> its tally
  std::int64_t running_ = 0;
  std::int64_t running_since_ms_ = 0;                     // when running_ last changed
  double permit_ms_ = 0.0;                                // sessions x ms, summed until then

  std::int64_t sessions_total_ = 0;
  std::int64_t max_concurrent_ = 0;
  std::int64_t sessions_in_sleep_ = 0;
  std::int64_t bursts_ = 0;
  std::int64_t recoveries_ = 0;
  std::map<std::string, std::int64_t> sessions_by_activity_;
  std::map<std::string, std::int64_t> sessions_by_mood_;
  std::map<std::string, std::int64_t> skips_by_reason_;
  std::vector<double> handoff_delays_s_;
  std::vector<double> gaps_s_;        // between an account's planned sessions, bursts aside
  std::vector<double> burst_gaps_s_;  // before a burst's second session
  std::vector<std::string> violations_;
};

}  // namespace troupe
