#include "runtime/daemon.hpp"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <caf/all.hpp>
#include <random>
#include <thread>

#include "actors/cluster_node.hpp"
#include "actors/store.hpp"
#include "actors/supervisor.hpp"
#include "messages/atoms.hpp"
#include "messages/config_snapshot.hpp"
#include "messages/inspect.hpp"
#include "messages/pods.hpp"
#include "messages/registration.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/system_clock.hpp"

namespace troupe {
namespace {

// How long stopped drivers may take to exit (SIGTERM, then SIGKILL after
// drivers.killGraceMs) and their sessions to be recorded.
constexpr std::chrono::seconds session_stop_limit{15};

// How long the tree's start may take before nothing is handed back.
constexpr std::chrono::minutes start_settling_limit{10};

// The accounts of the pods the tree runs (`pods`, or every pod when empty).
std::size_t accounts_of(const config::troupe_config& config, const std::vector<std::string>& pods) {
  std::size_t accounts = 0;
  for (const auto& pod : config.pods) {
    if (pods.empty() || std::find(pods.begin(), pods.end(), pod.name) != pods.end())
      accounts += pod.accounts.size();
  }
  return accounts;
}

// Runs `ask(self)` with a scoped actor, from any thread. CAF 0.17 keeps a
// reference to the system's logger in a thread_local of every thread that
// makes a scoped actor, and ~actor_system waits until the logger is gone: a
// thread that held none before (the config reloader's, which outlives the
// tree) drops it again, or the tree's stop would hang.
template <class Ask>
auto ask_from_any_thread(caf::actor_system& system, Ask ask) {
  struct logger_reference_dropper {
    bool held_before = caf::logger::current_logger() != nullptr;
    ~logger_reference_dropper() {
      if (!held_before) caf::logger::set_current_actor_system(nullptr);
    }
  } dropper;  // destroyed after the scoped actor
  caf::scoped_actor self{system};
  return ask(self);
}

// Asks the supervisor `atom` and waits at most `bound` for its `Answer`.
template <class Answer, class Atom>
std::optional<Answer> ask_supervisor(caf::actor_system& system, const caf::actor& supervisor, Atom atom,
                                     std::chrono::milliseconds bound) {
  return ask_from_any_thread(system, [&](caf::scoped_actor& self) {
    std::optional<Answer> answer;
    self->request(supervisor, bound, atom)
        .receive([&](Answer& received) { answer = std::move(received); }, [&](caf::error&) {});
    return answer;
  });
}

}  // namespace

daemon_tree::daemon_tree(std::shared_ptr<const config::troupe_config> config,
                         const daemon_options& options)
    : shutdown_grace_(options.shutdown_grace) {
  // Two workers beat CAF's default of four on this kind of machine
  // (../shared/perf-limits.md); blocking work runs on detached actors anyway.
  system_config_.set("scheduler.max-threads", std::max<std::size_t>(2, std::thread::hardware_concurrency()));
  msg::register_message_types(system_config_);
  system_ = std::make_unique<caf::actor_system>(system_config_);

  store_ = system_->spawn<caf::detached>(actors::store_actor, config->db.url, config->db.busy_timeout_ms);
  auto context = std::make_shared<node_context>();
  context->clock = wall_clock(system_now_ms(), system_->clock().now());
  context->root_seed = std::random_device{}();
  context->driver_program = options.driver_program;
  context->daemon_env = driver::daemon_environment();
  context->records = store_;
  context->metrics = options.metrics;
  context->jobs = options.jobs;
  if (options.cluster) {
    cluster_node_ =
        system_->spawn<caf::detached>(actors::cluster_node_actor, *options.cluster, config);
    context->cluster_node = cluster_node_;
  }
  const auto accounts = accounts_of(*config, options.pods);
  supervisor_ = system_->spawn(actors::supervisor_actor, context, std::move(config), options.pods,
                               actors::restart_policy{});
  // Wake the main thread (waiting in sigwait) if the supervisor gives up.
  caf::actor_cast<caf::abstract_actor*>(supervisor_)->attach_functor(
      [escalation = escalation_, system = system_.get()](const caf::error& reason) {
        if (reason && reason != caf::exit_reason::user_shutdown) {
          escalation->reason = system->render(reason);
          escalation->escalated.store(true);
          kill(getpid(), SIGTERM);
        }
      });
  settling_ = std::thread([this, accounts] { hand_back_memory_once_started(accounts); });
}

daemon_tree::~daemon_tree() {
  if (!stopped_) stop();
}

// Starting the tree allocates and frees far more than it keeps (the stored
// states loaded per pod, each account's spawn arguments, the first
// messages), in glibc arenas that keep what is freed: about 600 bytes an
// account of resident memory nobody uses (tools/bench/run-daemon-rss). Once
// every account reported holding its first config (asked of the pods, see
// msg::config_applied), that memory goes back to the system, once.
void daemon_tree::hand_back_memory_once_started(std::size_t accounts) {
  const auto deadline = std::chrono::steady_clock::now() + start_settling_limit;
  std::unique_lock lock(settling_mutex_);
  while (!settling_stops_ && std::chrono::steady_clock::now() < deadline) {
    lock.unlock();
    const auto applied = ask_supervisor<msg::config_applied>(
        *system_, supervisor_, msg::config_applied_atom::value, std::chrono::seconds(1));
    lock.lock();
    if (applied && applied->accounts >= accounts && applied->lowest_version >= 1) {
      malloc_trim(0);
      spdlog::debug("all {} accounts started; free memory handed back", accounts);
      return;
    }
    settling_wake_.wait_for(lock, std::chrono::milliseconds(100),
                            [this] { return settling_stops_; });
  }
}

void daemon_tree::apply_config(std::shared_ptr<const config::troupe_config> config,
                               std::uint64_t version) {
  if (cluster_node_) caf::anon_send(cluster_node_, msg::config_snapshot{config, version});
  caf::anon_send(supervisor_, msg::config_snapshot{std::move(config), version});
}

std::optional<msg::actor_snapshot> daemon_tree::inspect_supervisor(std::chrono::milliseconds bound) {
  return ask_supervisor<msg::actor_snapshot>(*system_, supervisor_, msg::inspect_atom::value, bound);
}

std::optional<msg::tree_snapshot> daemon_tree::inspect_tree(std::chrono::milliseconds bound) {
  return ask_supervisor<msg::tree_snapshot>(*system_, supervisor_, msg::tree_atom::value, bound);
}

bool daemon_tree::answers_liveness_probe(std::chrono::milliseconds bound) {
  return ask_from_any_thread(*system_, [&](caf::scoped_actor& self) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    for (const auto* actor : {&supervisor_, &store_}) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= std::chrono::milliseconds::zero()) return false;
      bool answered = false;
      self->request(*actor, left, msg::alive_atom::value)
          .receive([&](msg::alive_atom) { answered = true; }, [](caf::error&) {});
      if (!answered) return false;
    }
    return true;
  });
}

std::optional<ops::tree_summary> daemon_tree::summary(std::chrono::milliseconds bound) {
  const auto snap = inspect_supervisor(bound);
  if (!snap) return std::nullopt;
  const auto counter = [&](const char* name) {
    const auto found = snap->counters.find(name);
    return found == snap->counters.end() ? std::int64_t{0} : found->second;
  };
  return ops::tree_summary{counter("pods"), counter("permits_in_use"), counter("permits_capacity"),
                           std::stoull(snap->state.at("config_version")), snap->state.at("draining") == "true"};
}

int daemon_tree::running_sessions() {
  const auto supervisor = inspect_supervisor(std::chrono::seconds(5));
  // A dead supervisor holds nothing.
  return supervisor ? static_cast<int>(supervisor->counters.at("permits_in_use")) : 0;
}

// Cancels the sessions still running and waits (bounded) until their ends
// are recorded: their accounts write the rows while the tree still lives.
void daemon_tree::stop_running_sessions() {
  caf::anon_send(supervisor_, msg::stop_sessions_atom::value);
  const auto deadline = std::chrono::steady_clock::now() + session_stop_limit;
  while (running_sessions() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int daemon_tree::stop() {
  stopped_ = true;
  {
    std::lock_guard lock(settling_mutex_);
    settling_stops_ = true;
  }
  settling_wake_.notify_all();
  if (settling_.joinable()) settling_.join();
  {
    caf::scoped_actor self{*system_};
    self->send(supervisor_, msg::shutdown_atom::value);
  }
  const auto deadline = std::chrono::steady_clock::now() + shutdown_grace_;
  int running = running_sessions();
  while (running > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    running = running_sessions();
  }
  if (running > 0) {
    spdlog::warn("{} sessions still running after the grace period; stopping their drivers", running);
    stop_running_sessions();
  }
  {
    caf::scoped_actor self{*system_};
    self->send_exit(supervisor_, caf::exit_reason::user_shutdown);
    self->wait_for(supervisor_);
    if (cluster_node_) {
      // The pods are gone: their last records go out under their leases,
      // then the leases are handed over at once, not at expiry.
      self->request(store_, session_stop_limit, msg::flush_atom::value, std::string())
          .receive([](bool) {}, [](caf::error&) {});
      self->request(cluster_node_, session_stop_limit, msg::leave_atom::value)
          .receive([](bool) {}, [](caf::error&) {});
      self->send_exit(cluster_node_, caf::exit_reason::user_shutdown);
      self->wait_for(cluster_node_);
    }
    self->send_exit(store_, caf::exit_reason::user_shutdown);
    self->wait_for(store_);
  }
  supervisor_ = caf::actor{};
  cluster_node_ = caf::actor{};
  store_ = caf::actor{};
  system_.reset();  // waits for detached session actors: their drivers are being stopped
  return running;
}

}  // namespace troupe
