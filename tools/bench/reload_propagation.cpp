// Hot reload at scale: the daemon's tree (store actor on a temporary SQLite
// file, supervisor, pods, accounts) on CAF's real scheduler with 10,000
// accounts asleep (an all-Sleep mood: no session runs), then a new config
// snapshot. Prints how long the whole tree takes to inspect (what
// GET /api/actors waits for) and the time from sending the snapshot to the
// moment every account holds it (polled by inspecting the tree back to back,
// so the figure includes up to one inspection).
#include <caf/all.hpp>
#include <chrono>
#include <filesystem>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "bench_support.hpp"
#include "messages/atoms.hpp"
#include "messages/inspect.hpp"
#include "runtime/daemon.hpp"
#include "runtime/store/database.hpp"
#include "runtime/store/migrations.hpp"

namespace {

using namespace troupe;
using clock_type = std::chrono::steady_clock;

std::shared_ptr<config::troupe_config> sleeping_config(int pods, int accounts_per_pod, const std::string& db_url) {
  auto config = std::make_shared<config::troupe_config>();
  config::mood_config sleep;
  sleep.name = "Sleep";
  sleep.sleep = true;
  sleep.start = 0;
  sleep.end = 720;
  auto night = sleep;
  night.start = 720;
  night.end = 0;
  config->moods = {sleep, night};
  config->db.url = db_url;
  config->log.file.clear();
  for (int p = 1; p <= pods; ++p) {
    config::pod_config pod;
    pod.name = "pod-" + std::to_string(p);
    for (int a = 1; a <= accounts_per_pod; ++a) pod.accounts.push_back(pod.name + "-a" + std::to_string(a));
    config->pods.push_back(std::move(pod));
  }
  return config;
}

// The whole tree; exits the benchmark when the supervisor does not answer
// (a figure measured on a broken tree would mean nothing).
msg::tree_snapshot inspect_tree(caf::actor_system& system, const caf::actor& supervisor) {
  caf::scoped_actor self{system};
  msg::tree_snapshot tree;
  self->request(supervisor, std::chrono::seconds(30), msg::tree_atom::value)
      .receive([&](msg::tree_snapshot& got) { tree = std::move(got); },
               [&](caf::error& failure) {
                 std::cerr << "the tree request failed: " << caf::to_string(failure) << "\n";
                 std::exit(1);
               });
  return tree;
}

// The supervisor's semaphore capacity in `tree`, or -1 when it is missing.
std::int64_t permits_capacity(const msg::tree_snapshot& tree) {
  for (const auto& actor : tree.actors) {
    if (actor.kind == "supervisor" && actor.counters.count("permits_capacity")) {
      return actor.counters.at("permits_capacity");
    }
  }
  return -1;
}

// How many accounts of `tree` hold config `version`.
int accounts_at(const msg::tree_snapshot& tree, std::uint64_t version) {
  int count = 0;
  for (const auto& actor : tree.actors) {
    if (actor.kind == "account" && actor.state.count("config_version") &&
        actor.state.at("config_version") == std::to_string(version)) {
      ++count;
    }
  }
  return count;
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

}  // namespace

// The bench's own directory, removed with its database however the bench ends.
struct scratch_directory {
  explicit scratch_directory(std::filesystem::path where) : path(std::move(where)) {
    std::filesystem::create_directories(path);
  }
  ~scratch_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  scratch_directory(const scratch_directory&) = delete;
  scratch_directory& operator=(const scratch_directory&) = delete;
  std::filesystem::path path;
};

int main(int argc, char** argv) {
  int pods = 100, per_pod = 100;
  bench::options::options_description described("Options");
  described.add_options()("pods", bench::options::value(&pods)->default_value(100), "pods")(
      "accounts-per-pod", bench::options::value(&per_pod)->default_value(100), "accounts of each pod");
  if (auto stop = bench::parse_command_line(argc, argv, "Reload propagation and tree inspection.", described)) {
    return *stop;
  }
  const scratch_directory directory(std::filesystem::temp_directory_path() /
                                    ("troupe-bench-reload-" + std::to_string(::getpid())));
  const auto url = "sqlite:" + (directory.path / "bench.db").string();
  {
    auto db = store::database::open(url);
    if (!db || !store::migrate(*db)) {
      std::cerr << "cannot prepare " << url << "\n";
      return 1;
    }
  }
  const int accounts = pods * per_pod;
  auto config = sleeping_config(pods, per_pod, url);
  {
    daemon_tree tree(config, daemon_options{{}, std::nullopt, std::chrono::seconds(5), nullptr, {}});
    const auto start = clock_type::now();
    while (accounts_at(inspect_tree(tree.system(), tree.supervisor()), 1) < accounts) {
      if (seconds_since(start) > 120) {
        std::cerr << "the tree did not come up within 120 s\n";
        return 1;
      }
    }
    std::cout << "tree up: " << bench::grouped(accounts) << " accounts in " << bench::fixed(seconds_since(start), 2)
              << " s\n";
    std::vector<double> inspections;
    for (int i = 0; i < 5; ++i) {
      const auto began = clock_type::now();
      const auto tree_size = inspect_tree(tree.system(), tree.supervisor()).actors.size();
      inspections.push_back(seconds_since(began) * 1000);
      if (tree_size < static_cast<std::size_t>(accounts)) return 1;
    }
    std::cout << "inspect whole tree (" << bench::grouped(accounts + pods + 1)
              << " actors): median " << bench::fixed(bench::median(inspections), 1) << " ms of 5\n";

    auto changed = std::make_shared<config::troupe_config>(*config);
    changed->concurrency = 4;
    const auto sent = clock_type::now();
    tree.apply_config(changed, 2);
    int polls = 0;
    while (accounts_at(inspect_tree(tree.system(), tree.supervisor()), 2) < accounts) {
      if (seconds_since(sent) > 60) {
        std::cerr << "the new snapshot did not reach every account within 60 s\n";
        return 1;
      }
      ++polls;
    }
    const auto applied = permits_capacity(inspect_tree(tree.system(), tree.supervisor()));
    if (applied != changed->concurrency) {
      std::cerr << "the reload did not apply: capacity " << applied << ", expected " << changed->concurrency << "\n";
      return 1;
    }
    std::cout << "reload to last account holding the new snapshot: " << bench::fixed(seconds_since(sent) * 1000, 1)
              << " ms (" << polls + 1 << " inspections)\n";
    tree.stop();
  }
  return 0;
}
