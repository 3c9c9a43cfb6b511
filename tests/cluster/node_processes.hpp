// Test support for real `troupe run --cluster` nodes: their config, where
// the pods' leases are, and the simulated drivers' session ledger
// (tools/sim-driver/session_ledger.hpp), which records every session and
// every breach of "one session per account" and of the concurrency from the
// drivers' side, whichever node ran them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/cluster/placement.hpp"
#include "runtime/store/cluster_pod_leases.hpp"
#include "tests/support/command.hpp"

namespace troupe::testing {

// How late a node may be beyond its bounds because the test suite starves
// it of CPU (seen: 2.6 s); less than a lease TTL, so a take that waited a
// second TTL still fails.
inline constexpr std::int64_t starved_node_ms = 3000;

inline std::string read_text(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The last `bytes` of the file at `path`, for a failure's message.
inline std::string tail_of(const std::string& path, std::size_t bytes = 4000) {
  const auto text = read_text(path);
  return text.substr(text.size() > bytes ? text.size() - bytes : 0);
}

// Pods named p0.. with two accounts each (p3-a, p3-b).
inline std::vector<std::string> pod_names(int count) {
  std::vector<std::string> pods;
  for (int pod = 0; pod < count; ++pod) pods.push_back("p" + std::to_string(pod));
  return pods;
}

// Activities of 5-15 items or 20-60 s (before the drivers' time scale):
// many short sessions, so every pod runs one soon, and a graceful stop,
// which waits for the running ones, is quick.
inline const std::string short_activities =
    "activities:\n"
    "  follow: {script: follow.js, count: [5, 15]}\n"
    "  unfollow: {script: unfollow.js, count: [5, 15]}\n"
    "  reels: {script: reels.js, seconds: [20, 60]}\n"
    "  stories: {script: stories.js, seconds: [20, 60]}\n";

// The config every node shares (without db and cluster): awake all day,
// short sessions and delays, drivers entering the session ledger in
// dir/ledger with `slots` concurrency slots (0: concurrency not checked).
inline std::string shared_node_config(const temp_dir& dir, const std::vector<std::string>& pods,
                                      int concurrency, const std::string& time_scale, int slots) {
  std::string yaml = "concurrency: " + std::to_string(concurrency) +
                     "\n"
                     "tickMs: 1000\n"
                     "idle: {baseMinMs: 300, baseMaxMs: 600}\n"
                     "handoff: {modeMs: 100, sigma: 0.5, minMs: 50, maxMs: 300}\n"
                     "energy: {start: 1.0, perSession: 0.0, floor: 0.15}\n"
                     "moods:\n"
                     "  - {name: Day, start: \"00:00\", end: \"12:00\"}\n"
                     "  - {name: Night, start: \"12:00\", end: \"00:00\"}\n"
                     "pods:\n";
  for (const auto& pod : pods) yaml += "  " + pod + ": [" + pod + "-a, " + pod + "-b]\n";
  yaml +=
      "drivers:\n"
      "  logDir: \"" +
      dir.file("session-logs") +
      "\"\n"
      "  killGraceMs: 500\n"
      "  env: {SIM_DRIVER_TIME_SCALE: \"" +
      time_scale + "\", SIM_DRIVER_SESSION_LEDGER: \"" + dir.file("ledger") +
      "\", SIM_DRIVER_SESSION_SLOTS: \"" + std::to_string(slots) + "\"}\n";
  return yaml + short_activities;
}

// A node's own config: its cluster section, database and log file.
inline std::string node_overlay(const temp_dir& dir, const std::string& id,
                                std::int64_t lease_ttl_ms, std::int64_t heartbeat_ms,
                                std::int64_t margin_ms, const std::string& db_url) {
  return "cluster: {nodeId: " + id + ", leaseTtlMs: " + std::to_string(lease_ttl_ms) +
         ", heartbeatMs: " + std::to_string(heartbeat_ms) +
         ", marginMs: " + std::to_string(margin_ms) +
         "}\n"
         "db: {url: \"" +
         db_url +
         "\"}\n"
         "log: {file: \"" +
         dir.file(id + ".log") + "\"}\n";
}

// The node holding each pod's lease now (pods without a holder left out).
inline std::map<std::string, std::string> lease_holders(store::database& db) {
  std::map<std::string, std::string> held;
  auto leases = store::list_pod_leases(db);
  if (!leases) return held;
  for (const auto& lease : *leases) {
    if (lease.held) held[lease.pod] = lease.node;
  }
  return held;
}

inline std::map<std::string, std::string> placed_over(const std::vector<std::string>& pods,
                                                      const std::vector<std::string>& nodes) {
  return cluster::place_pods(pods, nodes, 0).node_of_pod;
}

inline std::vector<std::string> pods_held_by(const std::map<std::string, std::string>& held,
                                             const std::string& node) {
  std::vector<std::string> found;
  for (const auto& [pod, holder] : held) {
    if (holder == node) found.push_back(pod);
  }
  return found;
}

// Sessions the ledger has recorded so far.
inline std::size_t ledger_sessions(const temp_dir& dir) {
  const auto text = read_text(dir.file("ledger") + "/sessions");
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Whether every pod of `pods` ran a session after the ledger's first `from` sessions.
inline bool pods_ran_since(const temp_dir& dir, std::size_t from,
                           const std::vector<std::string>& pods) {
  std::istringstream lines(read_text(dir.file("ledger") + "/sessions"));
  std::set<std::string> ran;
  std::size_t index = 0;
  for (std::string line; std::getline(lines, line); ++index) {
    if (index < from) continue;
    const auto profile = line.substr(6, line.find(' ', 6) - 6);  // "start p3-a SESSION"
    ran.insert(profile.substr(0, profile.find('-')));
  }
  return std::all_of(pods.begin(), pods.end(),
                     [&](const std::string& pod) { return ran.count(pod) != 0; });
}

// What the ledger recorded against the rules (empty: none).
inline std::string ledger_violations(const temp_dir& dir) {
  return read_text(dir.file("ledger") + "/violations");
}

}  // namespace troupe::testing
