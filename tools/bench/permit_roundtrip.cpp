// Permit round trips per second (request -> grant -> release) through the
// real supervisor actor, against a bare CAF request/response between two
// plain actors, both driven sequentially by one requester on the same
// scheduler in the same run.
#include <caf/all.hpp>
#include <cstdlib>
#include <iostream>

#include "actors/supervisor.hpp"
#include "bench_support.hpp"
#include "messages/atoms.hpp"
#include "messages/inspect.hpp"
#include "messages/permits.hpp"
#include "messages/registration.hpp"

namespace {

using namespace troupe;
using done_atom = caf::atom_constant<caf::atom("done")>;

struct requester_state {
  std::int64_t remaining = 0;
  std::uint64_t request_id = 0;
};
using requester_ptr = caf::stateful_actor<requester_state>*;

msg::permit_request next_request(requester_ptr self) {
  return msg::permit_request{++self->state.request_id, "bench-pod", "bench-account", false};
}

// Asks the supervisor for a permit, releases it unused as soon as it is
// granted and asks again, `round_trips` times; then tells `reporter`.
caf::behavior supervisor_requester(caf::stateful_actor<requester_state>* self,
                                   caf::actor supervisor, std::int64_t round_trips,
                                   caf::actor reporter) {
  self->state.remaining = round_trips;
  self->send(supervisor, next_request(self));
  return {[=](const msg::permit_granted& grant) {
    // session_ran = false: the permit comes back unused, so the supervisor
    // draws no handoff delay and can grant the next request at once.
    self->send(supervisor, msg::permit_release{grant.permit_id, grant.granted_at_ms, false});
    if (--self->state.remaining > 0) {
      self->send(supervisor, next_request(self));
      return;
    }
    self->send(reporter, done_atom::value);
    self->quit();
  }};
}

// Answers every permit request with a grant at once: no pool, no queue.
caf::behavior bare_responder(caf::event_based_actor*) {
  return {[](const msg::permit_request& request) {
    return msg::permit_granted{request.request_id, request.request_id, 0};
  }};
}

void ask_bare(requester_ptr self, const caf::actor& responder, const caf::actor& reporter) {
  self->request(responder, caf::infinite, next_request(self)).then([=](const msg::permit_granted&) {
    if (--self->state.remaining > 0) return ask_bare(self, responder, reporter);
    self->send(reporter, done_atom::value);
    self->quit();
  });
}

// The same round trips as a plain CAF request/response.
caf::behavior bare_requester(caf::stateful_actor<requester_state>* self, caf::actor responder,
                             std::int64_t round_trips, caf::actor reporter) {
  self->state.remaining = round_trips;
  ask_bare(self, responder, reporter);
  return {[](done_atom) {}};  // a behavior keeps the actor alive between responses
}

std::shared_ptr<const config::troupe_config> one_permit_no_pods() {
  auto config = std::make_shared<config::troupe_config>();
  config->concurrency = 1;
  config->pods.clear();
  return config;
}

std::int64_t epoch_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Spawns the requester, waits for its report and returns the wall seconds.
template <class Spawn>
double time_round_trips(caf::scoped_actor& self, Spawn spawn_requester) {
  bench::stopwatch watch;
  spawn_requester(caf::actor{self});
  bool done = false;
  self->receive([&](done_atom) { done = true; }, caf::after(std::chrono::minutes(5)) >> [] {});
  if (!done) {
    std::cerr << "the requester did not finish within 5 minutes\n";
    std::exit(1);
  }
  return watch.seconds();
}

// The supervisor's own counters, to check that every round trip happened.
msg::actor_snapshot inspect(caf::scoped_actor& self, const caf::actor& supervisor) {
  msg::actor_snapshot snapshot;
  self->request(supervisor, std::chrono::seconds(10), msg::inspect_atom::value)
      .receive([&](msg::actor_snapshot& answer) { snapshot = std::move(answer); },
               [&](caf::error& failure) {
                 std::cerr << "inspecting the supervisor failed: " << self->system().render(failure)
                           << "\n";
               });
  return snapshot;
}

int run(std::int64_t round_trips, int repeats) {
  caf::actor_system_config cfg;
  bench::two_scheduler_threads(cfg);
  msg::register_message_types(cfg);
  caf::actor_system sys{cfg};
  auto context =
      std::make_shared<node_context>(node_context{wall_clock(epoch_ms_now(), sys.clock().now()),
                                                  1,
                                                  std::nullopt,
                                                  std::nullopt,
                                                  {},
                                                  false,
                                                  caf::actor{},
                                                  caf::actor{},
                                                  nullptr, {}});
  auto supervisor = sys.spawn(actors::supervisor_actor, context, one_permit_no_pods(),
                              std::vector<std::string>{}, actors::restart_policy{});
  auto responder = sys.spawn(bare_responder);
  int exit_code = 0;
  {
    caf::scoped_actor self{sys};
    std::vector<double> bare_s;
    std::vector<double> supervisor_s;
    for (int repeat = 0; repeat < repeats; ++repeat) {
      bare_s.push_back(time_round_trips(self, [&](caf::actor reporter) {
        sys.spawn(bare_requester, responder, round_trips, reporter);
      }));
      supervisor_s.push_back(time_round_trips(self, [&](caf::actor reporter) {
        sys.spawn(supervisor_requester, supervisor, round_trips, reporter);
      }));
    }
    const auto counters = inspect(self, supervisor).counters;
    const auto grants = counters.count("grants") ? counters.at("grants") : 0;
    const auto releases = counters.count("releases") ? counters.at("releases") : 0;
    const double n = static_cast<double>(round_trips);
    const double via_supervisor = n / bench::median(supervisor_s);
    const double bare = n / bench::median(bare_s);
    std::cout
        << "permit round trips: " << bench::grouped(via_supervisor) << "/s via supervisor, "
        << bench::grouped(bare) << "/s bare request/response, ratio "
        << bench::ratio(via_supervisor, bare) << "\n"
        << "  median of " << repeats << " interleaved runs of " << bench::grouped(n)
        << " sequential round trips each, scheduler.max-threads=2: supervisor "
        << bench::fixed(1e6 / via_supervisor, 2) << " us, bare " << bench::fixed(1e6 / bare, 2)
        << " us per round trip\n"
        << "  via supervisor: permit_request -> permit_granted -> permit_release (3 messages); "
           "released with session_ran=false, so the supervisor draws no handoff delay\n"
        << "  bare: request(permit_request).then(permit_granted) between two plain actors (2 "
           "messages)\n"
        << "  supervisor counted " << grants << " grants, " << releases << " releases\n";
    const auto expected = round_trips * repeats;
    if (grants != expected || releases != expected) {
      std::cerr << "wrong counts: expected " << expected << " grants and releases\n";
      exit_code = 1;
    }
  }
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(responder, caf::exit_reason::user_shutdown);
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t round_trips = 200'000;
  int repeats = 3;
  bench::options::options_description described("options");
  described.add_options()("round-trips,n",
                          bench::options::value(&round_trips)->default_value(round_trips),
                          "sequential round trips per measurement")(
      "repeats", bench::options::value(&repeats)->default_value(repeats),
      "interleaved measurements of each kind (the median is reported)");
  if (auto stop = bench::parse_command_line(
          argc, argv,
          "bench_permit_roundtrip: permit round trips through the supervisor vs bare CAF",
          described)) {
    return *stop;
  }
  if (round_trips < 1 || repeats < 1) {
    std::cerr << "--round-trips and --repeats must be at least 1\n";
    return 2;
  }
  return run(round_trips, repeats);
}
