// Test support: network namespaces and veth pairs made by a test (as root),
// so that cluster nodes reach the database over links the test can cut.
// One namespace holds the database's side (a TCP proxy to PostgreSQL
// listens there); each node runs in a namespace of its own, joined to the
// database's by a veth pair. Cutting a node's link takes the database's end
// of its pair down: the node's packets are then dropped silently, as in a
// real partition (its calls hang, nothing is refused). Everything made is
// removed on destruction. Names carry the test's pid, so parallel runs do
// not meet.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace troupe::testing {

class network_namespaces {
 public:
  // Fails (throws) unless `ip netns` works here (root, iproute2).
  explicit network_namespaces(int nodes) : prefix_("trp" + std::to_string(::getpid() % 100000)) {
    run("ip netns add " + database_namespace());
    run("ip -n " + database_namespace() + " link set lo up");
    for (int node = 0; node < nodes; ++node) add_node(node);
  }
  ~network_namespaces() {
    for (int node = 0; node < nodes_; ++node)
      std::system(("ip netns del " + node_namespace(node) + " 2>/dev/null").c_str());
    std::system(("ip netns del " + database_namespace() + " 2>/dev/null").c_str());
  }
  network_namespaces(const network_namespaces&) = delete;
  network_namespaces& operator=(const network_namespaces&) = delete;

  std::string database_namespace() const { return prefix_ + "-db"; }
  std::string node_namespace(int node) const { return prefix_ + "-n" + std::to_string(node); }
  // The database's address as node `node` reaches it.
  std::string database_address(int node) const { return "10.231." + std::to_string(node) + ".1"; }

  // argv run inside node `node`'s namespace.
  std::vector<std::string> inside(int node, std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"/usr/sbin/ip", "netns", "exec", node_namespace(node)});
    return argv;
  }

  // Drops, silently, every packet between node `node` and the database; restore_link undoes it.
  void cut_link(int node) const {
    run("ip -n " + database_namespace() + " link set " + database_end(node) + " down");
  }
  void restore_link(int node) const {
    run("ip -n " + database_namespace() + " link set " + database_end(node) + " up");
  }

  // A socket listening on `port` of every address of the database's namespace.
  int listen_in_database_namespace(int port) const {
    int listener = -1;
    std::string failure;
    // Network namespaces are per thread: a thread joins it, makes the socket
    // (which stays in it) and ends.
    std::thread maker([&] {
      const int ns = ::open(("/run/netns/" + database_namespace()).c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
        failure = "cannot enter " + database_namespace();
        if (ns >= 0) ::close(ns);
        return;
      }
      ::close(ns);
      listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const int on = 1;
      ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_ANY);
      address.sin_port = htons(static_cast<std::uint16_t>(port));
      if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
          ::listen(listener, 64) != 0) {
        failure = "cannot listen on port " + std::to_string(port) + " in " + database_namespace();
        ::close(listener);
        listener = -1;
      }
    });
    maker.join();
    if (listener < 0) throw std::runtime_error(failure);
    return listener;
  }

 private:
  std::string database_end(int node) const { return prefix_ + "d" + std::to_string(node); }
  std::string node_end(int node) const { return prefix_ + "n" + std::to_string(node); }

  void add_node(int node) {
    const auto ns = node_namespace(node);
    run("ip netns add " + ns);
    ++nodes_;
    run("ip -n " + ns + " link set lo up");
    run("ip link add " + database_end(node) + " netns " + database_namespace() +
        " type veth peer name " + node_end(node) + " netns " + ns);
    const auto subnet = "10.231." + std::to_string(node) + ".";
    run("ip -n " + database_namespace() + " addr add " + subnet + "1/30 dev " + database_end(node));
    run("ip -n " + ns + " addr add " + subnet + "2/30 dev " + node_end(node));
    run("ip -n " + database_namespace() + " link set " + database_end(node) + " up");
    run("ip -n " + ns + " link set " + node_end(node) + " up");
  }

  static void run(const std::string& command) {
    if (std::system((command + " 2>&1").c_str()) != 0)
      throw std::runtime_error("failed: " + command);
  }

  std::string prefix_;
  int nodes_ = 0;
};

}  // namespace troupe::testing
