#include "actors/jobs/job.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include "messages/atoms.hpp"
#include "messages/config_snapshot.hpp"
#include "messages/inspect.hpp"
#include "messages/jobs.hpp"

namespace troupe::actors {
namespace {

using self_ptr = caf::stateful_actor<job_actor_state>*;

std::int64_t now_ms(self_ptr self) {
  return self->state.context->clock.wall_ms(self->clock().now());
}

// The job's settings in `config`; a job the config does not name is disabled.
config::job_config settings_of(const config::troupe_config& config, const std::string& job) {
  const auto found = config.jobs.find(job);
  return found == config.jobs.end() ? config::job_config{false, 3'600'000} : found->second;
}

// Calls the body, turning an exception into a failed run.
jobs::job_result call_body(const jobs::job_body& body, const jobs::job_run_context& run) {
  try {
    return body(run);
  } catch (const std::exception& thrown) {
    return {false, std::string("the run threw: ") + thrown.what()};
  } catch (...) {
    return {false, "the run threw a non-standard exception"};
  }
}

// The run actor: the body on a thread of its own, then the result to the job.
void run_body(caf::blocking_actor* runner, jobs::job_body body, jobs::job_run_context run,
              caf::actor job) {
  auto result = call_body(body, run);
  runner->send(job, msg::job_finished{run.run_id, result.succeeded, std::move(result.summary)});
}

void schedule_wake(self_ptr self) {
  auto& st = self->state;
  ++st.wake_generation;
  if (!st.book.next_run_at_ms) return;
  const auto delay = std::max<std::int64_t>(*st.book.next_run_at_ms - now_ms(self), 0);
  self->delayed_send(self, std::chrono::milliseconds(delay), msg::job_tick_atom::value,
                     st.wake_generation);
}

std::string next_run_id(self_ptr self) {
  return self->state.book.name + "-" + std::to_string(now_ms(self)) + "-" +
         std::to_string(self->state.book.runs_started + 1);
}

// Starts a run if the book allows it; returns the book's answer.
msg::job_run_reply start(self_ptr self, jobs::run_trigger trigger) {
  auto& st = self->state;
  const auto run_id = next_run_id(self);
  const auto jitter_ms = settings_of(*st.config, st.book.name).jitter_ms;
  const auto jitter = jitter_ms > 0 ? st.random.uniform_int(0, jitter_ms) : 0;
  auto decision = jobs::start_run(std::move(st.book), trigger, run_id, now_ms(self), jitter);
  st.book = std::move(decision.book);
  if (!decision.started) {
    spdlog::info("job:{}: {} run not started: {}", st.book.name, jobs::to_string(trigger),
                 decision.refusal);
    return {st.book.name, "", false, false, decision.refusal};
  }
  st.running_cancel = std::make_shared<driver::cancel_token>();
  jobs::job_run_context run{st.book.name, run_id, st.config, st.running_cancel};
  spdlog::info("job:{}: run {} started ({})", st.book.name, run_id, jobs::to_string(trigger));
  self->spawn<caf::detached>(run_body, st.body, std::move(run), caf::actor_cast<caf::actor>(self));
  return {st.book.name, run_id, true, false, ""};
}

void on_finished(self_ptr self, const msg::job_finished& finished) {
  auto& st = self->state;
  st.book = jobs::finish_run(std::move(st.book), finished.run_id, finished.succeeded,
                             finished.summary, now_ms(self));
  st.running_cancel.reset();
  if (finished.succeeded) {
    spdlog::info("job:{}: run {} succeeded: {}", st.book.name, finished.run_id, finished.summary);
  } else {
    st.last_error = finished.summary;
    spdlog::error("job:{}: run {} failed: {}", st.book.name, finished.run_id, finished.summary);
  }
}

msg::job_run_view view_of(const jobs::job_run& run) {
  return {run.run_id,
          jobs::to_string(run.trigger),
          run.started_at_ms,
          run.finished_at_ms.value_or(0),
          jobs::to_string(run.outcome),
          run.summary};
}

msg::job_status status(self_ptr self) {
  const auto& book = self->state.book;
  msg::job_status out{book.name, book.enabled, book.every_ms, book.next_run_at_ms.value_or(0), {}};
  if (book.current) out.runs.push_back(view_of(*book.current));
  for (const auto& run : book.history) out.runs.push_back(view_of(run));
  return out;
}

msg::actor_snapshot snapshot(self_ptr self) {
  const auto& st = self->state;
  msg::actor_snapshot snap;
  snap.kind = "job";
  snap.id = "job:" + st.book.name;
  snap.parent = "supervisor";
  snap.state["enabled"] = st.book.enabled ? "true" : "false";
  snap.state["every_ms"] = std::to_string(st.book.every_ms);
  snap.state["next_run_at_ms"] =
      st.book.next_run_at_ms ? std::to_string(*st.book.next_run_at_ms) : "";
  snap.state["running"] = st.book.current ? st.book.current->run_id : "";
  snap.counters["runs_started"] = static_cast<std::int64_t>(st.book.runs_started);
  snap.mailbox_size = self->mailbox().size();
  snap.messages_handled = st.messages_handled;
  snap.last_error = st.last_error;
  return snap;
}

}  // namespace

job_actor_state::~job_actor_state() {
  if (running_cancel) running_cancel->cancel();  // the run actor finishes on its own
}

caf::behavior job_actor(caf::stateful_actor<job_actor_state>* self,
                        std::shared_ptr<const node_context> context,
                        std::shared_ptr<const config::troupe_config> config, std::string job_name,
                        jobs::job_body body) {
  auto& st = self->state;
  st.context = std::move(context);
  st.config = std::move(config);
  st.body = std::move(body);
  st.random = policy::rng(st.context->root_seed ^ policy::fnv1a_64("job:" + job_name));
  const auto settings = settings_of(*st.config, job_name);
  st.book = jobs::open_book(std::move(job_name), settings.enabled, settings.every_ms, now_ms(self));
  schedule_wake(self);
  auto handled = [self] { ++self->state.messages_handled; };
  return {
      [=](msg::job_tick_atom, std::uint64_t generation) {
        handled();
        if (generation != self->state.wake_generation) return;
        if (jobs::timed_run_due(self->state.book, now_ms(self)))
          start(self, jobs::run_trigger::timer);
        schedule_wake(self);
      },
      [=](const msg::job_run_request&) {
        handled();
        return start(self, jobs::run_trigger::operator_request);
      },
      [=](const msg::job_finished& finished) {
        handled();
        on_finished(self, finished);
      },
      [=](const msg::config_snapshot& snap) {
        handled();
        auto& st = self->state;
        st.config = snap.config;
        const auto now = settings_of(*st.config, st.book.name);
        const auto before = st.book.next_run_at_ms;
        st.book = jobs::reconfigure(std::move(st.book), now.enabled, now.every_ms, now_ms(self));
        if (st.book.next_run_at_ms != before) schedule_wake(self);
      },
      [=](msg::jobs_atom) { return status(self); },
      [=](msg::inspect_atom) { return snapshot(self); },
  };
}

}  // namespace troupe::actors
