// How this node takes part in a cluster (`troupe run --cluster`), made at
// start from the `cluster` config section and the command line.
#pragma once

#include <string>
#include <vector>

#include "runtime/cluster/lease_timing.hpp"

namespace troupe::cluster {

struct node_settings {
  std::string url;  // the PostgreSQL the cluster shares
  int busy_timeout_ms = 5000;
  std::string node_id;
  std::string address;  // where this node's API listens
  std::string version;
  // The margin includes the drivers' kill grace: a pod whose lease's trust
  // runs out has its drivers stopped (SIGTERM, SIGKILL after the grace)
  // before cluster.marginMs before the lease may expire.
  lease_timing timing;
  int max_pods_per_node = 0;
  std::vector<std::string> pod_filter;  // --pod: only these (empty: every pod of the config)
};

}  // namespace troupe::cluster
