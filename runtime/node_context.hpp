// What every actor of one node shares and never changes after start: the
// wall clock mapping, the root seed, how sessions run (driver processes or
// the in-process model of the simulated driver) and where records go.
// Immutable after construction; shared as std::shared_ptr<const node_context>.
#pragma once

#include <caf/actor.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "runtime/jobs/job_body.hpp"
#include "runtime/metrics.hpp"
#include "runtime/session_model.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe {

struct node_context {
  wall_clock clock;
  std::uint64_t root_seed = 0;
  // Set in simulation: sessions are modeled on the virtual clock instead of
  // running driver processes.
  std::optional<session_model_settings> modeled_sessions;
  std::optional<std::string> driver_program;      // --driver: replaces drivers.command
  std::map<std::string, std::string> daemon_env;  // read once at start (pass-through secrets)
  bool proof = false;                             // pass --proof to drivers
  // Receives account states, runner events, session rows and summary
  // increments (the store actor; in simulation the report's recorder).
  caf::actor records;
  // Receives every permit grant and release with its drawn handoff delay
  // (the simulation's invariant checker; unset in the daemon).
  caf::actor permit_observer;
  // Counts for the API (thread-safe); unset in simulation and most tests.
  std::shared_ptr<node_metrics> metrics;
  // The job bodies by name: the supervisor runs a job actor for each the
  // config's `jobs` names. Empty: no jobs (simulation, most tests).
  jobs::job_catalog jobs;
  // False when `records` reads only account states and runner events (the
  // simulation's recorder): accounts then make no session rows or summary
  // increments, which were a tenth of a simulated session's work.
  bool records_sessions = true;
  // Cluster mode: the node actor (actors/cluster_node.hpp) that holds this
  // node's pod leases; the supervisor runs a pod only under one. Unset on a
  // single node.
  caf::actor cluster_node{};
};

}  // namespace troupe
