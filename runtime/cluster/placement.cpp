#include "runtime/cluster/placement.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace troupe::cluster {
namespace {

constexpr std::uint64_t fnv_offset = 14695981039346656037ULL;
constexpr std::uint64_t fnv_prime = 1099511628211ULL;

std::uint64_t fnv1a(std::uint64_t hash, const std::string& text) {
  for (const unsigned char c : text) hash = (hash ^ c) * fnv_prime;
  return hash;
}

// MurmurHash3's finalizer: FNV alone mixes its last bytes poorly, and
// rendezvous hashing needs every bit of the weight to depend on both names.
std::uint64_t mixed(std::uint64_t hash) {
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return hash;
}

struct candidate {
  std::uint64_t weight;
  const std::string* pod;
  const std::string* node;
};

// Heaviest first; equal weights by pod then node, so the order is total.
bool heavier(const candidate& a, const candidate& b) {
  return std::make_tuple(b.weight, *a.pod, *a.node) < std::make_tuple(a.weight, *b.pod, *b.node);
}

}  // namespace

std::uint64_t rendezvous_weight(const std::string& pod, const std::string& node) {
  // The pod's length first: ("ab", "c") and ("a", "bc") must differ.
  const std::string length = std::to_string(pod.size()) + ":";
  return mixed(fnv1a(fnv1a(fnv1a(fnv_offset, length), pod), node));
}

placement place_pods(const std::vector<std::string>& pods, const std::vector<std::string>& nodes,
                     int cap_per_node) {
  const std::set<std::string> unique_pods(pods.begin(), pods.end());
  const std::set<std::string> unique_nodes(nodes.begin(), nodes.end());
  std::vector<candidate> candidates;
  candidates.reserve(unique_pods.size() * unique_nodes.size());
  for (const auto& pod : unique_pods) {
    for (const auto& node : unique_nodes) {
      candidates.push_back(candidate{rendezvous_weight(pod, node), &pod, &node});
    }
  }
  std::sort(candidates.begin(), candidates.end(), heavier);
  placement placed;
  std::map<std::string, int> pods_on_node;
  for (const auto& [weight, pod, node] : candidates) {
    if (placed.node_of_pod.count(*pod) != 0) continue;
    int& count = pods_on_node[*node];
    if (cap_per_node > 0 && count >= cap_per_node) continue;
    ++count;
    placed.node_of_pod.emplace(*pod, *node);
  }
  for (const auto& pod : unique_pods) {
    if (placed.node_of_pod.count(pod) == 0) placed.unplaced.push_back(pod);
  }
  return placed;
}

lease_moves plan_lease_moves(const std::vector<std::string>& pods,
                             std::vector<std::string> live_nodes, const std::string& self,
                             int cap_per_node, const std::set<std::string>& held) {
  live_nodes.push_back(self);
  const auto placed = place_pods(pods, live_nodes, cap_per_node);
  lease_moves moves;
  for (const auto& [pod, node] : placed.node_of_pod) {
    if (node == self && held.count(pod) == 0) moves.take.push_back(pod);
  }
  for (const auto& pod : held) {
    const auto found = placed.node_of_pod.find(pod);
    if (found == placed.node_of_pod.end() || found->second != self) moves.hand_over.push_back(pod);
  }
  return moves;
}

}  // namespace troupe::cluster
