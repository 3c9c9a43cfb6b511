// Which live node runs each pod: rendezvous (highest-random-weight) hashing
// with a cap of pods per node. Every node computes the same placement from
// the same pods and live nodes, with no coordinator and no stored plan, so
// a node only needs the list of live nodes (from the database) to know which
// pods to take and which to hand over. Without the cap binding, a node that
// joins takes only the pods it now wins and a node that leaves moves only its
// own pods; the weight is a fixed 64-bit hash (not std::hash, which may
// differ between builds), so nodes of different versions agree. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace troupe::cluster {

// The weight of `node` for `pod`: a pod goes to the live node of highest weight.
std::uint64_t rendezvous_weight(const std::string& pod, const std::string& node);

struct placement {
  std::map<std::string, std::string> node_of_pod;  // pod -> node
  std::vector<std::string> unplaced;               // pods no node had room for, sorted
};

// Places each pod on a live node, at most `cap_per_node` pods per node (0:
// no cap). (pod, node) pairs are taken by descending weight, and a pair is
// used when its pod is still unplaced and its node has room: each pod gets
// the highest-weight node that has room. When the cap binds, a change of the
// live nodes may also move pods between the other nodes (room changes
// hands). Duplicates in either list count once; the order does not matter.
placement place_pods(const std::vector<std::string>& pods, const std::vector<std::string>& nodes,
                     int cap_per_node);

// What node `self` does with its pod leases after a look at the live nodes.
struct lease_moves {
  std::vector<std::string> take;  // placed here, not held: take their leases (sorted)
  std::vector<std::string>
      hand_over;  // held, placed elsewhere or gone: stop, then release (sorted)
};

// Places `pods` over `live_nodes` plus `self` (a node counts itself live
// while it runs, whatever its last heartbeat read) and compares with the
// pods `self` holds. A pod another node still holds is in `take` all the
// same: taking it fails until its holder releases it or its lease expires.
lease_moves plan_lease_moves(const std::vector<std::string>& pods,
                             std::vector<std::string> live_nodes, const std::string& self,
                             int cap_per_node, const std::set<std::string>& held);

}  // namespace troupe::cluster
