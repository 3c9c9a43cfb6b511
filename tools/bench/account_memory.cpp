// Resident memory per idle account actor: the real tree (supervisor -> pods
// -> accounts) on CAF's testing scheduler, at a virtual 03:00 UTC (Sleep in
// the reference moods, so nobody plans a session), with a records actor
// that drops everything; against the same number of bare idle
// event_based_actors spawned in the same process. The accounts start fresh,
// or with --worked-today as the store hands back accounts that worked today
// (the counters a day of sessions leaves). Each measurement starts
// from a trimmed heap (malloc_trim: no garbage of the previous one to
// reuse); each is also printed after trimming its end, as the daemon does
// once its accounts started (what spawning freed is not counted then).
#include <date/tz.h>
#include <malloc.h>

#include <caf/all.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <iostream>
#include <unordered_map>

#include "actors/pod.hpp"
#include "actors/supervisor.hpp"
#include "bench_support.hpp"
#include "messages/permits.hpp"
#include "messages/registration.hpp"
#include "messages/store.hpp"

namespace {

using namespace troupe;

// 2026-01-05T03:00:00Z, a Monday night: Sleep in the reference moods.
constexpr std::int64_t three_am_utc_ms = 1'767'582'000'000;

// What the dropping records actor saw that would mean someone woke up.
struct wake_signs {
  std::int64_t plans = 0;   // runner events "plan"
  std::int64_t starts = 0;  // runner events "start"
  std::int64_t grants = 0;  // permit grants
};

// An account of `pod` as stored after a day of sessions: three activities
// started, two kinds of units done, each activity's last start.
account_state worked_today(std::string account_id, const std::string& pod) {
  constexpr std::int64_t evening_ms = three_am_utc_ms - 6 * 3'600'000;
  account_state state;
  state.account_id = std::move(account_id);
  state.pod = pod;
  state.day = "2026-01-05";  // today at 03:00 UTC: the counters are not reset
  state.starts_today = {{"follow", 2}, {"reels", 3}, {"stories", 4}};
  state.done_today = {{"follow", 38}, {"like", 61}};
  state.last_start_at_ms = {{"follow", evening_ms}, {"reels", evening_ms}, {"stories", evening_ms}};
  state.last_session_end_ms = evening_ms;
  return state;
}

// Each pod's account ids, by pod name.
using accounts_by_pod = std::unordered_map<std::string, std::vector<std::string>>;

// Keeps nothing: answers a pod's load with no stored accounts (or, given
// the pods' accounts, with each as it worked today) and only counts the
// records that would show a session being planned or started.
caf::behavior dropping_records(caf::event_based_actor*, std::shared_ptr<wake_signs> seen,
                               std::shared_ptr<const accounts_by_pod> worked) {
  auto count = [=](const store::runner_event& event) {
    if (event.kind == "plan") ++seen->plans;
    if (event.kind == "start") ++seen->starts;
  };
  return {
      [=](const msg::record_batch& batch) {
        for (const auto& record : batch.records) {
          if (const auto* event = std::get_if<store::runner_event>(&record)) count(*event);
        }
      },
      [](const account_state&) {},
      [=](const store::runner_event& event) { count(event); },
      [](const store::session_record&) {},
      [](const store::runner_summary&) {},
      [=](const msg::permit_event& event) { seen->grants += event.granted ? 1 : 0; },
      [=](msg::load_atom, const std::string& pod) {
        std::vector<account_state> stored;
        if (!worked) return stored;
        for (const auto& id : worked->at(pod)) stored.push_back(worked_today(id, pod));
        return stored;
      },
  };
}

// Waits for messages it never gets: the smallest idle actor that stays alive.
caf::behavior bare_idle_actor(caf::event_based_actor*) {
  return {[](int) {}};
}

std::shared_ptr<const config::troupe_config> pods_of(int pods, int accounts_per_pod) {
  auto config = std::make_shared<config::troupe_config>();
  config->pods.reserve(static_cast<std::size_t>(pods));
  for (int p = 1; p <= pods; ++p) {
    config::pod_config pod;
    pod.name = "pod-" + std::to_string(p);
    for (int a = 1; a <= accounts_per_pod; ++a)
      pod.accounts.push_back(pod.name + "-account-" + std::to_string(a));
    config->pods.push_back(std::move(pod));
  }
  return config;
}

template <class State>
State& state_of(const caf::actor& handle) {
  return dynamic_cast<caf::stateful_actor<State>&>(*caf::actor_cast<caf::abstract_actor*>(handle))
      .state;
}

caf::actor_system_config& testing_scheduler(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.inline-output", true);
  msg::register_message_types(cfg);
  return cfg;
}

// Resident bytes now after handing the free memory of glibc's arenas back
// to the system (what the daemon does once its accounts started).
std::int64_t resident_bytes_trimmed() {
  malloc_trim(0);
  return bench::resident_bytes();
}

struct tree_figures {
  std::int64_t resident_bytes = 0;
  std::int64_t resident_bytes_trimmed = 0;  // after both ends were trimmed
  std::size_t pods = 0;
  std::size_t accounts = 0;
  std::size_t pending_timers = 0;
};

// Starts the tree, runs every mailbox empty without advancing virtual time,
// and returns what it cost and what it holds.
tree_figures start_tree(caf::actor_system& sys, caf::scheduler::test_coordinator& sched,
                        std::shared_ptr<const config::troupe_config> config, caf::actor records,
                        caf::actor& supervisor) {
  tree_figures figures;
  const auto before = resident_bytes_trimmed();
  auto context =
      std::make_shared<node_context>(node_context{wall_clock(three_am_utc_ms, sched.clock().now()),
                                                  42,
                                                  session_model_settings{},
                                                  std::nullopt,
                                                  {},
                                                  false,
                                                  records,
                                                  records, nullptr, {}});
  supervisor = sys.spawn(actors::supervisor_actor, context, std::move(config),
                         std::vector<std::string>{}, actors::restart_policy{});
  sched.run();
  figures.resident_bytes = bench::resident_bytes() - before;
  figures.resident_bytes_trimmed = resident_bytes_trimmed() - before;
  for (const auto& pod : state_of<actors::supervisor_state>(supervisor).pods) {
    ++figures.pods;
    figures.accounts += state_of<actors::pod_actor_state>(pod.second).accounts.size();
  }
  figures.pending_timers = sched.clock().schedule().size();
  return figures;
}

// Spawns `count` bare idle actors (handles kept in `handles`) and returns
// what they cost, as measured and after both ends were trimmed.
std::pair<std::int64_t, std::int64_t> spawn_bare(caf::actor_system& sys,
                                                 caf::scheduler::test_coordinator& sched,
                                                 std::size_t count,
                                                 std::vector<caf::actor>& handles) {
  handles.reserve(count);
  const auto before = resident_bytes_trimmed();
  for (std::size_t i = 0; i < count; ++i) handles.push_back(sys.spawn(bare_idle_actor));
  sched.run();
  const auto measured = bench::resident_bytes() - before;
  return {measured, resident_bytes_trimmed() - before};
}

int run(int accounts, int accounts_per_pod, bool stored_work) {
  const int pods = accounts / accounts_per_pod;
  caf::actor_system_config cfg;
  caf::actor_system sys{testing_scheduler(cfg)};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  auto config = pods_of(pods, accounts_per_pod);
  date::locate_zone(
      config->timezone);  // the zone database is loaded once per process, not per actor
  auto seen = std::make_shared<wake_signs>();
  std::shared_ptr<accounts_by_pod> stored_accounts;
  if (stored_work) {
    stored_accounts = std::make_shared<accounts_by_pod>();
    for (const auto& pod : config->pods) (*stored_accounts)[pod.name] = pod.accounts;
  }
  auto records = sys.spawn(dropping_records, seen, std::move(stored_accounts));
  sched.run();

  // The bare actors first: spawning them frees nothing the tree could reuse.
  std::vector<caf::actor> bare;
  const auto [bare_bytes, bare_bytes_trimmed] =
      spawn_bare(sys, sched, static_cast<std::size_t>(accounts), bare);
  caf::actor supervisor;
  const auto tree = start_tree(sys, sched, config, records, supervisor);

  const double per_account = static_cast<double>(tree.resident_bytes) / accounts;
  const double per_tree_actor =
      static_cast<double>(tree.resident_bytes) / static_cast<double>(accounts + pods + 1);
  const double per_bare = static_cast<double>(bare_bytes) / accounts;
  std::cout
      << "idle account memory: " << bench::grouped(per_account) << " B resident per account, "
      << bench::grouped(per_bare) << " B per bare idle event_based_actor, ratio "
      << bench::ratio(per_account, per_bare) << "\n"
      << "  tree: " << bench::grouped(static_cast<double>(accounts)) << " accounts in "
      << bench::grouped(pods) << " pods of " << accounts_per_pod << " (+ supervisor): "
      << bench::fixed(static_cast<double>(tree.resident_bytes) / (1 << 20), 1)
      << " MiB more RSS after spawning and running the mailboxes empty; per account it includes "
         "1/"
      << accounts_per_pod << " of a pod and its pending tick (" << bench::grouped(per_tree_actor)
      << " B per actor of the tree)\n"
      << "  after handing free memory back (malloc_trim, as the daemon does once its accounts "
         "started): "
      << bench::grouped(static_cast<double>(tree.resident_bytes_trimmed) / accounts)
      << " B per account, " << bench::grouped(static_cast<double>(bare_bytes_trimmed) / accounts)
      << " B per bare actor, ratio "
      << bench::ratio(static_cast<double>(tree.resident_bytes_trimmed),
                      static_cast<double>(bare_bytes_trimmed))
      << "\n"
      << "  bare: " << bench::grouped(static_cast<double>(accounts)) << " actors, "
      << bench::fixed(static_cast<double>(bare_bytes) / (1 << 20), 1) << " MiB more RSS\n"
      << "  accounts "
      << (stored_work ? "as stored after a day of sessions (3 activities started, 2 units done)"
                      : "fresh (nothing stored)")
      << "; virtual time 03:00 UTC (Sleep), testing scheduler, modeled sessions; spawned "
      << tree.pods << " pods, " << tree.accounts << " accounts; " << tree.pending_timers
      << " pending timers; records seen: " << seen->plans << " plans, " << seen->starts
      << " session starts, " << seen->grants << " permit grants\n";
  const bool counts_right = tree.pods == static_cast<std::size_t>(pods) &&
                            tree.accounts == static_cast<std::size_t>(accounts) &&
                            seen->plans == 0 && seen->starts == 0 && seen->grants == 0;
  if (!counts_right)
    std::cerr << "wrong counts: expected " << pods << " pods, " << accounts
              << " accounts and nobody planning or starting a session\n";

  sched.clock().cancel_all();
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(records, caf::exit_reason::user_shutdown);
  for (const auto& actor : bare) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  sched.run();
  return counts_right ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int accounts = 100'000;
  int accounts_per_pod = 5;
  bool stored_work = false;
  bench::options::options_description described("options");
  described.add_options()("accounts", bench::options::value(&accounts)->default_value(accounts),
                          "idle account actors (and as many bare actors)")(
      "accounts-per-pod", bench::options::value(&accounts_per_pod)->default_value(accounts_per_pod),
      "accounts of each pod; must divide --accounts")(
      "worked-today", bench::options::bool_switch(&stored_work),
      "the store hands each account back as it worked today, counters and all");
  if (auto stop = bench::parse_command_line(
          argc, argv,
          "bench_account_memory: resident memory per idle account actor vs a bare CAF actor",
          described)) {
    return *stop;
  }
  if (accounts < 1 || accounts_per_pod < 1 || accounts % accounts_per_pod != 0) {
    std::cerr << "--accounts and --accounts-per-pod must be at least 1, and the latter must divide "
                 "the former\n";
    return 2;
  }
  return run(accounts, accounts_per_pod, stored_work);
}
