// Permits granted per second through the cluster-wide semaphore
// (runtime/store/cluster_permits.hpp) with 1, 2 and 3 nodes, against the
// single-node in-memory semaphore (runtime/permit_pool.hpp) doing the same
// grant/release cycle, in the same run.
//
// A node is a thread with its own PostgreSQL connection, registered in
// `nodes`. Each runs the cycle a session's permit goes through: ask
// (request_cluster_permit), claim until granted (claim_cluster_permits: a
// grant pass for the cluster, then collecting its own grants; retried at
// once when the permit is not there yet), release with no handoff delay
// (release_cluster_permit). The baseline runs enqueue -> grant_ready ->
// release on one permit_pool in one thread. Each measurement starts from an
// emptied semaphore in a schema of its own, created and dropped by the
// benchmark. It checks what it measured: every request granted exactly
// once, never more permits held at once than the capacity (counted by the
// nodes as they hold them), and the slots' tokens summing to the grants; a
// violation exits 1.
#include "runtime/store/cluster_permits.hpp"

#include <soci/soci.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "runtime/permit_pool.hpp"
#include "runtime/result.hpp"
#include "runtime/store/cluster_nodes.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace {

using namespace troupe;
using store::database;

constexpr std::int64_t ttl_ms = 60'000;
const store::permit_claim_timing timing{ttl_ms, ttl_ms};

struct bench_size {
  int grants = 0;  // per measurement, over all nodes
  int capacity = 0;
  int pods = 0;
};

std::string with_search_path(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-c%20search_path%3D" +
         schema;
}

// A schema of its own on the server (created before), dropped with
// everything in it on destruction.
class bench_schema {
 public:
  bench_schema(database admin, std::string name, const std::string& server_url)
      : admin_(std::move(admin)),
        name_(std::move(name)),
        url_(with_search_path(server_url, name_)) {}
  bench_schema(const bench_schema&) = delete;
  bench_schema& operator=(const bench_schema&) = delete;
  ~bench_schema() {
    auto dropped = store::guarded("cannot drop schema " + name_, [&] {
      store::execute(admin_.session(), "DROP SCHEMA " + name_ + " CASCADE");
    });
    if (!dropped) std::cerr << dropped.failure().message << "\n";
  }
  // A URL whose connections work in the schema.
  const std::string& url() const { return url_; }

 private:
  database admin_;
  std::string name_;
  std::string url_;
};

status create_schema(database& admin, const std::string& name) {
  return store::guarded("cannot create schema " + name, [&] {
    store::execute(admin.session(), "DROP SCHEMA IF EXISTS " + name + " CASCADE");
    store::execute(admin.session(), "CREATE SCHEMA " + name);
  });
}

// Empties the semaphore and sets its capacity: each measurement starts alike.
status reset_semaphore(database& db, int capacity) {
  auto emptied = store::guarded("cannot empty the cluster semaphore", [&] {
    store::execute(db.session(),
                   "TRUNCATE cluster_permits, cluster_permit_waiters, cluster_permit_pods,"
                   " cluster_semaphore, nodes");
  });
  if (!emptied) return emptied;
  return store::resize_cluster_permits(db, capacity);
}

// What the nodes of one measurement saw, shared between their threads.
struct shared_tally {
  std::atomic<int> held{0};
  std::atomic<int> most_held{0};
  std::atomic<long> claims{0};
  std::mutex guard;
  std::vector<std::string> failures;

  void fail(const std::string& why) {
    const std::lock_guard<std::mutex> lock(guard);
    failures.push_back(why);
  }
  void holding() {
    const int now_held = ++held;
    int most = most_held.load();
    while (now_held > most && !most_held.compare_exchange_weak(most, now_held)) {
    }
  }
};

std::vector<std::string> pod_names(const bench_size& size) {
  std::vector<std::string> pods;
  for (int i = 0; i < size.pods; ++i) pods.push_back("pod-" + std::to_string(i));
  return pods;
}

// One node's cycles: ask, claim until granted, release.
void run_node(database& db, const std::string& node, int grants, const bench_size& size,
              shared_tally& tally) {
  const auto pods = pod_names(size);
  for (int i = 0; i < grants; ++i) {
    const std::string& pod = pods[static_cast<std::size_t>(i % size.pods)];
    auto request = store::request_cluster_permit(db, node, pod, node + "-" + std::to_string(i));
    if (!request) return tally.fail(request.failure().message);
    std::vector<store::cluster_permit> got;
    while (got.empty()) {
      auto claimed = store::claim_cluster_permits(db, node, timing);
      ++tally.claims;
      if (!claimed) return tally.fail(claimed.failure().message);
      got = std::move(claimed).value();
    }
    if (got.size() != 1 || got.front().request_id != *request) {
      return tally.fail(node + " got " + std::to_string(got.size()) +
                        " permits for its one request");
    }
    tally.holding();
    --tally.held;
    auto released = store::release_cluster_permit(db, node, got.front().slot, got.front().token, 0);
    if (!released || !*released) return tally.fail(node + " could not release its permit");
  }
}

// Grants per second with `nodes` nodes, checked.
result<double> measure_cluster(const std::string& url, int nodes, const bench_size& size) {
  std::vector<database> connections;
  for (int n = 0; n <= nodes; ++n) {
    auto opened = database::open(url);
    if (!opened) return opened.failure();
    connections.push_back(std::move(opened).value());
  }
  auto& admin = connections.back();
  if (auto reset = reset_semaphore(admin, size.capacity); !reset) return reset.failure();
  for (int n = 0; n < nodes; ++n) {
    auto registered =
        store::register_node(connections[n], "node-" + std::to_string(n), "", "bench");
    if (!registered) return registered.failure();
  }
  shared_tally tally;
  const int per_node = size.grants / nodes;
  bench::stopwatch watch;
  std::vector<std::thread> threads;
  for (int n = 0; n < nodes; ++n) {
    threads.emplace_back(
        [&, n] { run_node(connections[n], "node-" + std::to_string(n), per_node, size, tally); });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = watch.seconds();
  if (!tally.failures.empty()) return error{tally.failures.front()};
  if (tally.most_held > size.capacity) {
    return error{std::to_string(tally.most_held) + " permits held at once, capacity " +
                 std::to_string(size.capacity)};
  }
  const auto tokens = store::guarded("cannot sum the tokens", [&] {
    std::int64_t sum = 0;
    store::query_first_row(admin.session(), "SELECT COALESCE(SUM(token), 0) FROM cluster_permits",
                           soci::into(sum));
    return sum;
  });
  if (!tokens) return tokens.failure();
  const std::int64_t granted = static_cast<std::int64_t>(per_node) * nodes;
  if (*tokens != granted) {
    return error{"the slots' tokens sum to " + std::to_string(*tokens) + ", expected " +
                 std::to_string(granted) + " grants"};
  }
  std::cout << "  cluster, " << nodes << " node(s): " << bench::grouped(granted / seconds)
            << " grants/s (" << bench::fixed(static_cast<double>(tally.claims) / granted, 2)
            << " claims per grant, at most " << tally.most_held << " held)\n";
  return granted / seconds;
}

// Grants per second of the in-memory semaphore doing the same cycle.
result<double> measure_in_memory(const bench_size& size, int cycles) {
  permit_pool pool(size.capacity);
  const auto pods = pod_names(size);
  std::int64_t granted = 0;
  std::int64_t released = 0;
  bench::stopwatch watch;
  for (int i = 0; i < cycles; ++i) {
    pool.enqueue(permit_waiter{static_cast<std::uint64_t>(i) + 1,
                               pods[static_cast<std::size_t>(i % size.pods)],
                               "acct-" + std::to_string(i), i});
    std::uint64_t permit = 0;
    pool.grant_ready(i, [&](permit_grant& grant) {
      ++granted;
      permit = grant.permit_id;
    });
    if (pool.release(permit, i)) ++released;
  }
  const double seconds = watch.seconds();
  if (granted != cycles || released != cycles || pool.in_use() != 0) {
    return error{"the in-memory semaphore granted " + std::to_string(granted) + " of " +
                 std::to_string(cycles) + " requests"};
  }
  std::cout << "  in-memory permit_pool: " << bench::grouped(cycles / seconds) << " grants/s\n";
  return cycles / seconds;
}

int run(const std::string& url, const bench_size& size, int repeats) {
  auto admin = database::open(url);
  if (!admin) {
    std::cerr << admin.failure().message << "\n";
    return 1;
  }
  const std::string name = "bench_cluster_permits_" + std::to_string(::getpid());
  if (auto created = create_schema(*admin, name); !created) {
    std::cerr << created.failure().message << "\n";
    return 1;
  }
  const bench_schema schema(std::move(admin).value(), name, url);
  {
    auto db = database::open(schema.url());
    if (!db) {
      std::cerr << db.failure().message << "\n";
      return 1;
    }
    if (auto migrated = store::migrate(*db); !migrated) {
      std::cerr << migrated.failure().message << "\n";
      return 1;
    }
  }
  std::map<int, std::vector<double>> cluster;  // nodes -> grants/s of each repeat
  std::vector<double> in_memory;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    std::cout << "repeat " << repeat + 1 << ":\n";
    auto baseline = measure_in_memory(size, 1'000'000);
    if (!baseline) {
      std::cerr << baseline.failure().message << "\n";
      return 1;
    }
    in_memory.push_back(*baseline);
    for (int nodes = 1; nodes <= 3; ++nodes) {
      auto measured = measure_cluster(schema.url(), nodes, size);
      if (!measured) {
        std::cerr << "cluster, " << nodes << " node(s): " << measured.failure().message << "\n";
        return 1;
      }
      cluster[nodes].push_back(*measured);
    }
  }
  const double baseline = bench::median(in_memory);
  std::cout << "\nmedian of " << repeats << " (capacity " << size.capacity << ", " << size.pods
            << " pods, " << size.grants << " grants per measurement):\n"
            << "  in-memory permit_pool: " << bench::grouped(baseline) << " grants/s\n";
  for (const auto& [nodes, figures] : cluster) {
    const double rate = bench::median(figures);
    std::cout << "  cluster, " << nodes << " node(s): " << bench::grouped(rate)
              << " grants/s, ratio to in-memory " << bench::fixed(rate / baseline, 5)
              << ", to 1 node " << bench::ratio(rate, bench::median(cluster.at(1))) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = "postgresql://";
  bench_size size{1200, 2, 8};
  int repeats = 3;
  bench::options::options_description described("options");
  described.add_options()("db", bench::options::value(&url)->default_value(url),
                          "a PostgreSQL server (the default: libpq's PG* variables, as "
                          "pg_virtualenv sets them); the benchmark works in a schema of its own")(
      "grants,n", bench::options::value(&size.grants)->default_value(size.grants),
      "grants per cluster measurement, over all nodes")(
      "capacity", bench::options::value(&size.capacity)->default_value(size.capacity),
      "permits in the semaphore")("pods",
                                  bench::options::value(&size.pods)->default_value(size.pods),
                                  "pods the requests are spread over")(
      "repeats", bench::options::value(&repeats)->default_value(repeats),
      "interleaved measurements of each kind (the median is reported)");
  if (auto stop = bench::parse_command_line(
          argc, argv,
          "bench_cluster_permits: permits granted per second through the cluster semaphore "
          "(1, 2, 3 nodes) vs the in-memory permit_pool",
          described)) {
    return *stop;
  }
  if (size.grants < 6 || size.capacity < 1 || size.pods < 1 || repeats < 1) {
    std::cerr << "--grants must be at least 6, --capacity, --pods and --repeats at least 1\n";
    return 2;
  }
  if (url.rfind("postgres", 0) != 0) {
    std::cerr << "the cluster semaphore needs PostgreSQL (--db postgresql://...)\n";
    return 2;
  }
  return run(url, size, repeats);
}
