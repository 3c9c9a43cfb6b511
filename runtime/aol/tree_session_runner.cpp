#include "runtime/aol/tree_session_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <caf/all.hpp>
#include <future>
#include <optional>
#include <thread>
#include <variant>

#include "messages/sessions.hpp"
#include "runtime/store/cluster_session_requests.hpp"

namespace troupe::aol {
namespace {

constexpr auto cancel_poll = std::chrono::milliseconds(200);
constexpr auto longest_wait = std::chrono::minutes(120);  // a permit queue plus the longest session (CAF takes no hours)
// How long a routed session whose node lost the pod may still record its end.
constexpr auto lost_node_limit = std::chrono::seconds(60);

// Refusals that end on their own (the Sleep window passes, the runner
// resumes, recovery is cleared, the running request ends): the action waits.
bool passes(const std::string& refusal) {
  return refusal == "sleep_window" || refusal == "paused" || refusal == "needs_recovery" ||
         refusal == "busy";
}

adapter_outcome outcome_of(const msg::session_finished& done) {
  if (!done.refusal.empty()) {
    if (passes(done.refusal)) return adapter_outcome::held(done.refusal, "session");
    return adapter_outcome::permanent_failure("RUN_SESSION refused (" + done.refusal +
                                              "): " + done.error);
  }
  if (done.outcome == "success" || done.outcome == "no_targets") return adapter_outcome::success();
  return adapter_outcome::retryable("session " + done.session_id + " ended " + done.outcome +
                                    (done.error.empty() ? "" : ": " + done.error));
}

adapter_outcome outcome_of(const store::session_request_end& end) {
  msg::session_finished done;
  done.session_id = end.session_id;
  done.outcome = end.outcome;
  done.refusal = end.refusal;
  done.error = end.error;
  return outcome_of(done);
}

std::optional<std::string> pod_of(const config::troupe_config& config, const std::string& account) {
  for (const auto& pod : config.pods) {
    if (std::find(pod.accounts.begin(), pod.accounts.end(), account) != pod.accounts.end()) return pod.name;
  }
  return std::nullopt;
}

// Waits for the end of a session routed to the node holding its pod. A
// request still waiting when its node lost the pod, or the loop stops, is
// withdrawn (the action is asked again); one whose node lost the pod while
// running it ends when that node records the end, or after lost_node_limit.
adapter_outcome await_routed_session(store::database& db, const store::session_request_row& routed,
                                     const adapter_context& context) {
  const auto waited_for = [&] { return " (session request " + std::to_string(routed.id) + " on " + routed.node + ")"; };
  bool lost = false;  // since lost_since, its node no longer holds the pod
  std::chrono::steady_clock::time_point lost_since{};
  for (const auto started = std::chrono::steady_clock::now();
       std::chrono::steady_clock::now() - started < longest_wait;) {
    std::this_thread::sleep_for(cancel_poll);
    auto state = store::read_session_request(db, routed.id);
    if (!state) return adapter_outcome::retryable(state.failure().message + waited_for());
    if (!*state) return adapter_outcome::retryable("the routed request is gone" + waited_for());
    if ((*state)->status == store::session_request_status::done) {
      // A pod that left its node (or an account retiring with it) meanwhile: asked again where it is now.
      const auto& refusal = (*state)->end->refusal;
      if (refusal == "not_here" || refusal == "retiring") return adapter_outcome::held("pod_moved", "session");
      return outcome_of(*(*state)->end);
    }
    const bool waiting = (*state)->status == store::session_request_status::waiting;
    if (context.cancel->cancelled() || (waiting && !(*state)->node_holds_pod)) {
      auto withdrawn = store::withdraw_session_request(db, routed.id);
      if (withdrawn && *withdrawn) {
        return context.cancel->cancelled()
                   ? adapter_outcome::retryable("the loop stopped while the session waited" + waited_for())
                   : adapter_outcome::held("pod_moved", "session");
      }
      continue;  // claimed meanwhile: it runs, its end comes
    }
    if ((*state)->node_holds_pod) {
      lost = false;
    } else if (!lost) {
      lost = true;
      lost_since = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - lost_since > lost_node_limit) {
      return adapter_outcome::retryable("its node lost pod " + routed.pod + " while running it and recorded no end" +
                                        waited_for());
    }
  }
  return adapter_outcome::retryable("no end within " + std::to_string(longest_wait.count()) + " min" + waited_for());
}

// Cluster mode, for an account whose pod another node holds: the session
// runs there (store/cluster_session_requests.hpp).
adapter_outcome run_on_pod_node(const session_request& request, const store::action& action,
                                const adapter_context& context) {
  const auto pod = pod_of(*context.config, request.account);
  if (!pod) return adapter_outcome::permanent_failure("RUN_SESSION: no pod has account " + request.account);
  const auto& settings = context.config->db;
  auto db = store::database::open(settings.url, settings.busy_timeout_ms);
  if (!db) return adapter_outcome::retryable(db.failure().message);
  auto routed = store::file_session_request(*db, *pod, request.account, request.activity.value_or(""), action.id);
  if (!routed) return adapter_outcome::retryable(routed.failure().message);
  if (!*routed) return adapter_outcome::held("no_node", "session");  // a hand-over in progress, or no node live
  spdlog::info("AOL: the session of action {} runs on {}, which holds pod {}", action.id, (*routed)->node, *pod);
  return await_routed_session(*db, **routed, context);
}

}  // namespace

local_answer_next after_local_answer(const std::string& refusal, bool clustered) {
  if (!clustered) return local_answer_next::finish;
  if (refusal == "not_here") return local_answer_next::route;
  // An account retires with its pod when the node loses the pod's lease.
  // (On one node a retiring account was removed from the config: refused.)
  if (refusal == "retiring") return local_answer_next::ask_again;
  return local_answer_next::finish;
}

session_runner tree_session_runner(daemon_tree& tree) {
  return [&tree](const session_request& request, const store::action& action, const adapter_context& context) {
    if (context.proof) {
      auto artifact = write_proof_artifact(
          context, action,
          {{"session_request", {{"account", request.account}, {"activity", request.activity.value_or("")}}}});
      if (!artifact) return adapter_outcome::retryable(artifact.failure().message);
      return adapter_outcome::proofed(*artifact);
    }
    // The session's end, or why the tree did not answer.
    auto answer = std::make_shared<std::promise<std::variant<msg::session_finished, std::string>>>();
    auto ended = answer->get_future();
    const msg::session_request asked{request.account, request.activity.value_or("")};
    const auto supervisor = tree.supervisor();
    tree.system().spawn([=](caf::event_based_actor* self) {
      self->request(supervisor, longest_wait, asked)
          .then([=](const msg::session_finished& done) { answer->set_value(done); },
                [=](caf::error& err) { answer->set_value(self->system().render(err)); });
    });
    while (ended.wait_for(cancel_poll) != std::future_status::ready) {
      if (context.cancel->cancelled()) return adapter_outcome::retryable("the loop stopped while the session ran");
    }
    const auto local = ended.get();
    if (const auto* failed = std::get_if<std::string>(&local)) return adapter_outcome::retryable(*failed);
    const auto& done = std::get<msg::session_finished>(local);
    switch (after_local_answer(done.refusal, tree.clustered())) {
      case local_answer_next::route:
        return run_on_pod_node(request, action, context);
      case local_answer_next::ask_again:
        return adapter_outcome::held("pod_moved", "session");
      case local_answer_next::finish:
        break;
    }
    return outcome_of(done);
  };
}

}  // namespace troupe::aol
