// Rendezvous placement of pods over live nodes.
#include "runtime/cluster/placement.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using troupe::cluster::place_pods;
using troupe::cluster::placement;
using troupe::cluster::rendezvous_weight;

namespace {

std::vector<std::string> names(const std::string& prefix, int count) {
  std::vector<std::string> result;
  for (int i = 0; i < count; ++i) result.push_back(prefix + std::to_string(i));
  return result;
}

std::map<std::string, int> pods_per_node(const placement& placed) {
  std::map<std::string, int> counts;
  for (const auto& [pod, node] : placed.node_of_pod) ++counts[node];
  return counts;
}

// The pods whose node differs between two placements.
std::vector<std::string> moved(const placement& before, const placement& after) {
  std::vector<std::string> pods;
  for (const auto& [pod, node] : after.node_of_pod) {
    const auto was = before.node_of_pod.find(pod);
    if (was == before.node_of_pod.end() || was->second != node) pods.push_back(pod);
  }
  return pods;
}

}  // namespace

TEST_CASE("the rendezvous weight is a fixed function of the pod and node names") {
  // A fixed value (computed independently): nodes built by different compilers
  // or versions must agree.
  CHECK(rendezvous_weight("pod-1", "node-a") == rendezvous_weight("pod-1", "node-a"));
  CHECK(rendezvous_weight("pod-1", "node-a") != rendezvous_weight("pod-1", "node-b"));
  CHECK(rendezvous_weight("ab", "c") != rendezvous_weight("a", "bc"));
  CHECK(rendezvous_weight("pod-1", "node-a") == 0x17ce88b468785c79ULL);
}

TEST_CASE("every pod is placed on exactly one live node whatever the order of the lists") {
  const auto pods = names("pod-", 200);
  const auto nodes = std::vector<std::string>{"node-a", "node-b", "node-c"};
  const auto placed = place_pods(pods, nodes, 0);
  CHECK(placed.node_of_pod.size() == pods.size());
  CHECK(placed.unplaced.empty());
  auto reversed_pods = pods;
  std::reverse(reversed_pods.begin(), reversed_pods.end());
  const auto again = place_pods(reversed_pods, {"node-c", "node-a", "node-b", "node-a"}, 0);
  CHECK(again.node_of_pod == placed.node_of_pod);
  for (const auto& [node, count] : pods_per_node(placed)) {
    INFO(node);
    CHECK(count > 40);  // about a third each
  }
}

TEST_CASE("a node that joins takes only pods it now wins and the others stay where they were") {
  const auto pods = names("pod-", 300);
  const auto before = place_pods(pods, {"node-a", "node-b", "node-c"}, 0);
  const auto after = place_pods(pods, {"node-a", "node-b", "node-c", "node-d"}, 0);
  const auto moved_pods = moved(before, after);
  for (const auto& pod : moved_pods) CHECK(after.node_of_pod.at(pod) == "node-d");
  CHECK(moved_pods.size() > 40);  // about a quarter
  CHECK(moved_pods.size() < 110);
}

TEST_CASE("a node that leaves hands over only its own pods") {
  const auto pods = names("pod-", 300);
  const auto before = place_pods(pods, {"node-a", "node-b", "node-c"}, 0);
  const auto after = place_pods(pods, {"node-a", "node-c"}, 0);
  const auto moved_pods = moved(before, after);
  CHECK(static_cast<int>(moved_pods.size()) == pods_per_node(before).at("node-b"));
  for (const auto& pod : moved_pods) CHECK(before.node_of_pod.at(pod) == "node-b");
  CHECK(after.node_of_pod.size() == pods.size());
}

TEST_CASE(
    "no node gets more pods than the cap and the pods beyond every node's room wait unplaced") {
  const auto pods = names("pod-", 10);
  const auto placed = place_pods(pods, {"node-a", "node-b"}, 4);
  CHECK(pods_per_node(placed) == std::map<std::string, int>{{"node-a", 4}, {"node-b", 4}});
  CHECK(placed.unplaced.size() == 2);
  const auto roomy = place_pods(pods, {"node-a", "node-b", "node-c"}, 4);
  CHECK(roomy.unplaced.empty());
  for (const auto& [node, count] : pods_per_node(roomy)) CHECK(count <= 4);
}

TEST_CASE("with room to spare the cap changes nothing") {
  const auto pods = names("pod-", 60);
  const std::vector<std::string> nodes{"node-a", "node-b", "node-c"};
  CHECK(place_pods(pods, nodes, 60).node_of_pod == place_pods(pods, nodes, 0).node_of_pod);
}

TEST_CASE("without live nodes every pod is unplaced") {
  const auto placed = place_pods({"pod-b", "pod-a"}, {}, 0);
  CHECK(placed.node_of_pod.empty());
  CHECK(placed.unplaced == std::vector<std::string>{"pod-a", "pod-b"});
}

TEST_CASE("a node takes the pods placed on it and hands over the ones placed elsewhere") {
  using troupe::cluster::plan_lease_moves;
  const auto pods = names("pod-", 30);
  const auto alone = plan_lease_moves(pods, {}, "node-a", 0, {});
  auto sorted = pods;
  std::sort(sorted.begin(), sorted.end());
  CHECK(alone.take == sorted);  // a node alone takes every pod
  CHECK(alone.hand_over.empty());

  // node-b joins: node-a hands over exactly what node-b now wins, takes nothing.
  const std::set<std::string> held(pods.begin(), pods.end());
  const auto joined = plan_lease_moves(pods, {"node-a", "node-b"}, "node-a", 0, held);
  const auto placed = place_pods(pods, {"node-a", "node-b"}, 0);
  CHECK(joined.take.empty());
  CHECK(static_cast<int>(joined.hand_over.size()) == pods_per_node(placed).at("node-b"));
  for (const auto& pod : joined.hand_over) CHECK(placed.node_of_pod.at(pod) == "node-b");

  // A pod removed from the config is handed over too, and an unheld one placed here is taken.
  const auto removed = plan_lease_moves({"pod-0"}, {}, "node-a", 0, {"pod-1"});
  CHECK(removed.take == std::vector<std::string>{"pod-0"});
  CHECK(removed.hand_over == std::vector<std::string>{"pod-1"});
}

TEST_CASE("a node at its cap takes no more pods") {
  using troupe::cluster::plan_lease_moves;
  const auto moves = plan_lease_moves(names("pod-", 10), {"node-a"}, "node-a", 3, {});
  CHECK(moves.take.size() == 3);
}
