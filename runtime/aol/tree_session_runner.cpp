#include "runtime/aol/tree_session_runner.hpp"

#include <caf/all.hpp>
#include <future>

#include "messages/sessions.hpp"

namespace troupe::aol {
namespace {

constexpr auto cancel_poll = std::chrono::milliseconds(200);
constexpr auto longest_wait = std::chrono::minutes(120);  // a permit queue plus the longest session (CAF takes no hours)

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

}  // namespace

session_runner tree_session_runner(daemon_tree& tree) {
  return [&tree](const session_request& request, const store::action& action, const adapter_context& context) {
    if (context.proof) {
      auto artifact = write_proof_artifact(
          context, action,
          {{"session_request", {{"account", request.account}, {"activity", request.activity.value_or("")}}}});
      if (!artifact) return adapter_outcome::retryable(artifact.failure().message);
      return adapter_outcome::proofed(*artifact);
    }
    auto answer = std::make_shared<std::promise<adapter_outcome>>();
    auto ended = answer->get_future();
    const msg::session_request asked{request.account, request.activity.value_or("")};
    const auto supervisor = tree.supervisor();
    tree.system().spawn([=](caf::event_based_actor* self) {
      self->request(supervisor, longest_wait, asked)
          .then([=](const msg::session_finished& done) { answer->set_value(outcome_of(done)); },
                [=](caf::error& err) {
                  answer->set_value(adapter_outcome::retryable(self->system().render(err)));
                });
    });
    while (ended.wait_for(cancel_poll) != std::future_status::ready) {
      if (context.cancel->cancelled()) return adapter_outcome::retryable("the loop stopped while the session ran");
    }
    return ended.get();
  };
}

}  // namespace troupe::aol
