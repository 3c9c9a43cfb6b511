// Hot reload at scale: the daemon's tree (store actor on a temporary SQLite
// file, supervisor, pods, accounts) on CAF's real scheduler with 10,000
// accounts asleep (an all-Sleep mood: no session runs), then `--reloads`
// new config snapshots, one after the other. Each reload is timed from
// sending the snapshot to the moment every account reported holding it,
// asked of the pods (msg::config_applied_atom: each pod knows the version
// each account reported when it applied a snapshot, so the probe walks no
// account; its own round trip is printed too). Baseline, interleaved in the
// same actor system: the same fan-out with bare actors (a root, as many
// pods, as many accounts each keeping the snapshot and telling its pod,
// each pod telling the root once all its accounts did), the floor of what
// one message per account and one report back costs here. Also prints how
// long the whole tree takes to inspect (what GET /api/actors waits for).
// Exits 1 when the tree does not come up, a reload does not reach every
// account, or the tree inspected at the end shows an account or the
// supervisor without the last config.
#include <sys/resource.h>

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "bench_support.hpp"
#include "messages/atoms.hpp"
#include "messages/config_snapshot.hpp"
#include "messages/inspect.hpp"
#include "messages/pods.hpp"
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

// What the supervisor's pods say their accounts applied; exits the benchmark
// when the supervisor does not answer.
msg::config_applied config_applied(caf::actor_system& system, const caf::actor& supervisor) {
  caf::scoped_actor self{system};
  msg::config_applied applied;
  self->request(supervisor, std::chrono::seconds(30), msg::config_applied_atom::value)
      .receive([&](const msg::config_applied& got) { applied = got; },
               [&](caf::error& failure) {
                 std::cerr << "the config_applied probe failed: " << caf::to_string(failure)
                           << "\n";
                 std::exit(1);
               });
  return applied;
}

// This process's CPU time (user + system), in seconds.
double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The nearest-rank percentile `p` (0-100) of `values`.
double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

// The baseline: bare accounts that keep the snapshot and tell their pod,
// bare pods that pass it on and tell the root once all their accounts did.
struct bare_account_state {
  std::shared_ptr<const config::troupe_config> config;
  std::uint64_t version = 0;
};

caf::behavior bare_account(caf::stateful_actor<bare_account_state>* self, caf::actor pod) {
  return {[=](const msg::config_snapshot& snap) {
    self->state.config = snap.config;
    self->state.version = snap.version;
    self->send(pod, msg::config_applied{snap.version, 1});
  }};
}

struct bare_pod_state {
  std::vector<caf::actor> accounts;
  msg::config_applied applied;
};

caf::behavior bare_pod(caf::stateful_actor<bare_pod_state>* self, int accounts, caf::actor root) {
  for (int i = 0; i < accounts; ++i) {
    self->state.accounts.push_back(
        self->spawn<caf::linked>(bare_account, caf::actor_cast<caf::actor>(self)));
  }
  return {
      [=](const msg::config_snapshot& snap) {
        self->state.applied = msg::config_applied{snap.version, 0};
        for (const auto& account : self->state.accounts) self->send(account, snap);
      },
      [=](const msg::config_applied& one) {
        auto& applied = self->state.applied;
        applied.lowest_version = std::min(applied.lowest_version, one.lowest_version);
        if (++applied.accounts == self->state.accounts.size()) self->send(root, applied);
      },
  };
}

// The bare pods, told to stop (their accounts with them) however the benchmark ends.
struct bare_pods_in_flight {
  std::vector<caf::actor> pods;
  void stop() {
    for (const auto& pod : pods) caf::anon_send_exit(pod, caf::exit_reason::user_shutdown);
    pods.clear();
  }
  ~bare_pods_in_flight() { stop(); }
};

// One bare reload: seconds from sending the snapshot to every pod to the
// last pod's report; exits the benchmark when an account did not apply it.
double bare_reload(caf::scoped_actor& root, const std::vector<caf::actor>& pods,
                   std::shared_ptr<const config::troupe_config> config, std::uint64_t version,
                   std::size_t accounts) {
  const auto sent = clock_type::now();
  for (const auto& pod : pods) root->send(pod, msg::config_snapshot{config, version});
  std::size_t reported = 0;
  for (std::size_t answered = 0; answered < pods.size(); ++answered) {
    root->receive(
        [&](const msg::config_applied& applied) {
          if (applied.lowest_version == version) reported += applied.accounts;
        },
        caf::after(std::chrono::seconds(60)) >>
            [&] {
              std::cerr << "the bare fan-out did not finish within 60 s\n";
              std::exit(1);
            });
  }
  if (reported != accounts) {
    std::cerr << "the bare fan-out reached " << reported << " accounts of " << accounts << "\n";
    std::exit(1);
  }
  return seconds_since(sent);
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
  int pods = 100, per_pod = 100, reloads = 20;
  bench::options::options_description described("Options");
  described.add_options()("pods", bench::options::value(&pods)->default_value(100), "pods")(
      "accounts-per-pod", bench::options::value(&per_pod)->default_value(100),
      "accounts of each pod")("reloads", bench::options::value(&reloads)->default_value(20),
                              "reloads timed (p50, p99)");
  if (auto stop = bench::parse_command_line(argc, argv, "Reload propagation and tree inspection.", described)) {
    return *stop;
  }
  if (pods < 1 || per_pod < 1 || reloads < 1) {
    std::cerr << "--pods, --accounts-per-pod and --reloads must be at least 1\n";
    return 2;
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
  const auto expected_accounts = static_cast<std::uint64_t>(accounts);
  auto config = sleeping_config(pods, per_pod, url);
  {
    daemon_tree tree(config, daemon_options{{}, std::nullopt, std::chrono::seconds(5), nullptr, {}});
    auto& system = tree.system();
    const auto start = clock_type::now();
    for (auto up = config_applied(system, tree.supervisor());
         up.accounts < expected_accounts || up.lowest_version != 1;
         up = config_applied(system, tree.supervisor())) {
      if (seconds_since(start) > 120) {
        std::cerr << "the tree did not come up within 120 s\n";
        return 1;
      }
    }
    if (accounts_at(inspect_tree(system, tree.supervisor()), 1) != accounts) {
      std::cerr << "the pods report every account up, the tree shows fewer\n";
      return 1;
    }
    std::cout << "tree up: " << bench::grouped(accounts) << " accounts in " << bench::fixed(seconds_since(start), 2)
              << " s\n";
    std::vector<double> inspections;
    for (int i = 0; i < 5; ++i) {
      const auto began = clock_type::now();
      const auto tree_size = inspect_tree(system, tree.supervisor()).actors.size();
      inspections.push_back(seconds_since(began) * 1000);
      if (tree_size < static_cast<std::size_t>(accounts)) return 1;
    }
    std::cout << "inspect whole tree (" << bench::grouped(accounts + pods + 1)
              << " actors): median " << bench::fixed(bench::median(inspections), 1) << " ms of 5\n";
    std::vector<double> probes;
    for (int i = 0; i < 20; ++i) {
      const auto began = clock_type::now();
      config_applied(system, tree.supervisor());
      probes.push_back(seconds_since(began) * 1000);
    }
    std::cout << "config_applied probe (asks the " << pods << " pods): median "
              << bench::fixed(bench::median(probes), 2) << " ms of 20\n";

    // The bare fan-out's root and pods end before the tree does (stop() waits for every actor).
    std::optional<caf::scoped_actor> root_actor{std::in_place, system};
    auto& root = *root_actor;
    bare_pods_in_flight bare;
    auto& bare_pods = bare.pods;
    for (int p = 0; p < pods; ++p)
      bare_pods.push_back(system.spawn(bare_pod, per_pod, caf::actor_cast<caf::actor>(root)));

    std::vector<double> troupe_ms, bare_ms;
    double troupe_cpu = 0, bare_cpu = 0;
    int probes_sent = 0;
    std::shared_ptr<config::troupe_config> last;
    for (int r = 0; r < reloads; ++r) {
      const auto version = static_cast<std::uint64_t>(r + 2);
      last = std::make_shared<config::troupe_config>(*config);
      last->concurrency = 2 + r % 5;  // a change the supervisor applies (checked at the end)

      const auto cpu_before = cpu_seconds();
      const auto sent = clock_type::now();
      tree.apply_config(last, version);
      for (auto applied = config_applied(system, tree.supervisor());
           applied.accounts != expected_accounts || applied.lowest_version != version;
           applied = config_applied(system, tree.supervisor())) {
        ++probes_sent;
        if (applied.lowest_version > version || applied.accounts > expected_accounts ||
            seconds_since(sent) > 60) {
          std::cerr << "reload " << version
                    << " did not reach every account within 60 s (lowest version "
                    << applied.lowest_version << ", " << applied.accounts << " accounts)\n";
          return 1;
        }
        // Probing back to back would take the scheduler's two threads from the reload.
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      ++probes_sent;
      troupe_ms.push_back(seconds_since(sent) * 1000);
      troupe_cpu += cpu_seconds() - cpu_before;

      const auto bare_cpu_before = cpu_seconds();
      bare_ms.push_back(bare_reload(root, bare_pods, last, version, expected_accounts) * 1000);
      bare_cpu += cpu_seconds() - bare_cpu_before;
    }
    const auto final_tree = inspect_tree(system, tree.supervisor());
    const auto last_version = static_cast<std::uint64_t>(reloads + 1);
    if (accounts_at(final_tree, last_version) != accounts) {
      std::cerr << "the tree shows " << accounts_at(final_tree, last_version) << " accounts of "
                << accounts << " holding config version " << last_version << "\n";
      return 1;
    }
    const auto applied = permits_capacity(final_tree);
    if (applied != last->concurrency) {
      std::cerr << "the reload did not apply: capacity " << applied << ", expected "
                << last->concurrency << "\n";
      return 1;
    }
    const auto per_reload = [&](double total) { return bench::fixed(total / reloads * 1000, 1); };
    std::cout << "reload to every account holding the new snapshot, " << reloads << " reloads: p50 "
              << bench::fixed(percentile(troupe_ms, 50), 1) << " ms, p99 "
              << bench::fixed(percentile(troupe_ms, 99), 1) << " ms (nearest rank), CPU "
              << per_reload(troupe_cpu) << " ms per reload, "
              << bench::fixed(static_cast<double>(probes_sent) / reloads, 1)
              << " probes per reload\n"
              << "bare fan-out (" << pods << " pods x " << per_pod
              << " bare accounts, interleaved): p50 " << bench::fixed(percentile(bare_ms, 50), 1)
              << " ms, p99 " << bench::fixed(percentile(bare_ms, 99), 1) << " ms, CPU "
              << per_reload(bare_cpu) << " ms per reload\n"
              << "ratio troupe/bare: p50 "
              << bench::ratio(percentile(troupe_ms, 50), percentile(bare_ms, 50)) << ", CPU "
              << bench::ratio(troupe_cpu, bare_cpu) << "\n";
    bare.stop();
    root_actor.reset();
    tree.stop();
  }
  return 0;
}
