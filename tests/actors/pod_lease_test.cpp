// The supervisor in cluster mode, on virtual time, with a stand-in for the
// cluster node actor: a pod runs only under a lease the node took, stops by
// the supervisor's own clock when the lease's trust runs out unrenewed (a
// node stuck in a database call still stops in time), stops at once when
// the lease is lost, stops gracefully when handed over, and each time the
// node hears that the pod is gone (so it can release the lease).
#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <set>

#include "actors/supervisor_cluster.hpp"
#include "messages/cluster.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace std::chrono_literals;
using troupe::testing::actor_fixture;
using troupe::testing::config_with_pods;
namespace msg = troupe::msg;

namespace {

// What the stand-in node heard from the supervisor.
struct node_log {
  bool grants_at_once = true;  // every request gets a permit (slot and token: its ticket)
  std::function<std::int64_t()> now_ms;
  int joins = 0;
  bool drained = false;
  std::vector<msg::pod_stopped> stopped;
  std::vector<msg::cluster_permit_wanted> wanted;
  std::vector<msg::cluster_permit_withdrawn> withdrawn;
  std::vector<msg::cluster_permit_returned> returned;
  caf::actor supervisor;
};

caf::behavior node_stand_in(caf::event_based_actor* self, std::shared_ptr<node_log> heard) {
  return {
      [=](msg::join_atom) {
        ++heard->joins;
        heard->supervisor = caf::actor_cast<caf::actor>(self->current_sender());
      },
      [=](const msg::pod_stopped& stopped) { heard->stopped.push_back(stopped); },
      [=](msg::shutdown_atom) { heard->drained = true; },
      [=](const msg::cluster_permit_wanted& wanted) {
        heard->wanted.push_back(wanted);
        if (heard->grants_at_once) {
          const auto ticket = static_cast<std::int64_t>(wanted.ticket);
          self->send(heard->supervisor,
                     msg::cluster_permit_granted{wanted.ticket, static_cast<int>(ticket), ticket,
                                                 heard->now_ms()});
        }
      },
      [=](const msg::cluster_permit_withdrawn& withdrawn) {
        heard->withdrawn.push_back(withdrawn);
      },
      [=](const msg::cluster_permit_returned& returned) { heard->returned.push_back(returned); },
  };
}

class leased_tree : public actor_fixture {
 public:
  leased_tree() {
    heard->now_ms = [this] { return now_ms(); };
    cluster_node = sys.spawn(node_stand_in, heard);
  }
  ~leased_tree() { caf::anon_send_exit(cluster_node, caf::exit_reason::user_shutdown); }

  std::int64_t trusted_for(caf::timespan span) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               (sched.clock().now() + span).time_since_epoch())
        .count();
  }
  void take(const std::string& pod, std::int64_t epoch, caf::timespan trust) {
    caf::anon_send(supervisor, msg::pod_lease_taken{pod, "node-a", epoch, trusted_for(trust)});
  }
  void renew(const std::string& pod, std::int64_t epoch, caf::timespan trust) {
    caf::anon_send(supervisor, msg::pod_leases_renewed{{{pod, epoch}}, trusted_for(trust)});
  }
  // Grants the cluster permit the request of `ticket` waits for.
  void grant(std::uint64_t ticket, int slot, std::int64_t token) {
    caf::anon_send(supervisor, msg::cluster_permit_granted{ticket, slot, token, now_ms()});
  }
  std::int64_t in_use() {
    return static_cast<std::int64_t>(supervisor_state().cluster_holders.size());
  }
  bool runs(const std::string& pod) { return supervisor_state().pods.count(pod) == 1; }
  std::size_t starts_of(const std::string& pod) const {
    const auto starts = events_of("start");
    return static_cast<std::size_t>(
        std::count_if(starts.begin(), starts.end(), [&](const auto& e) { return e.pod == pod; }));
  }

  std::shared_ptr<node_log> heard = std::make_shared<node_log>();
};

}  // namespace

TEST_CASE_METHOD(leased_tree, "in cluster mode a pod runs only under a lease the node took") {
  start(config_with_pods(2, 2));
  CHECK(heard->joins == 1);
  run_for(30min);
  CHECK(supervisor_state().pods.empty());
  CHECK(events_of("start").empty());

  take("pod1", 7, 1h);
  run_for(30min);
  CHECK(runs("pod1"));
  CHECK_FALSE(runs("pod2"));
  CHECK(starts_of("pod1") > 0);
  CHECK(starts_of("pod2") == 0);
  CHECK(supervisor_state().leases.at("pod1").epoch == 7);
  CHECK(log->lease_epochs ==
        std::map<std::string, std::int64_t>{{"pod1", 7}});  // the store writes under it

  // An operator's session for an account of a pod this node does not hold is not run here.
  auto answers = ask_session("pod2-a1", "follow");
  sched.run();
  REQUIRE(answers->size() == 1);
  CHECK(answers->front().refusal == "not_here");
}

TEST_CASE_METHOD(leased_tree,
                 "in cluster mode the accounts' permits come from the cluster-wide semaphore") {
  heard->grants_at_once = false;
  auto config = config_with_pods(1, 2);
  config->handoff = {"lognormal", 2000, 0.5, 1000, 4000};
  start(config);
  take("pod1", 1, 10h);
  for (int i = 0; i < 600 && heard->wanted.empty(); ++i) run_for(1s);
  REQUIRE_FALSE(heard->wanted.empty());
  CHECK(events_of("start").empty());  // no session without the cluster's permit
  CHECK(supervisor_state().permits.in_use() == 0);

  const auto first = heard->wanted.front();
  CHECK(first.pod == "pod1");
  grant(first.ticket, 3, 41);
  run_for(1s);
  CHECK(in_use() == 1);
  CHECK(events_of("start").size() == 1);
  // Its session ends: the permit goes back with the handoff delay drawn here.
  for (int i = 0; i < 3600 && in_use() == 1; ++i) run_for(1s);
  REQUIRE(heard->returned.size() == 1);
  CHECK(heard->returned.front().slot == 3);
  CHECK(heard->returned.front().token == 41);
  CHECK(heard->returned.front().handoff_delay_ms >= 1000);
  CHECK(heard->returned.front().handoff_delay_ms <= 4000);

  // A grant for a request that is no longer waiting goes back at once, unused.
  grant(987654, 4, 7);
  run_for(1s);
  REQUIRE(heard->returned.size() == 2);
  CHECK(heard->returned.back().slot == 4);
  CHECK(heard->returned.back().handoff_delay_ms == 0);
  CHECK(in_use() == 0);

  // The pod lost: its requests still waiting are withdrawn.
  const auto waiting = supervisor_state().cluster_waiting.size();
  REQUIRE(waiting > 0);
  caf::anon_send(supervisor, msg::pod_lease_lost{"pod1", 1});
  run_for(10s);
  CHECK(heard->withdrawn.size() == waiting);
  CHECK(supervisor_state().cluster_waiting.empty());
}

TEST_CASE_METHOD(leased_tree,
                 "a pod whose lease is not renewed in time stops by the supervisor's clock") {
  start(config_with_pods(2, 2));
  take("pod1", 3, 10s);
  take("pod2", 4, 10s);
  for (int beat = 0; beat < 20; ++beat) {  // pod2's renewals keep coming; pod1's stop
    run_for(3s);
    renew("pod2", 4, 10s);
    if (beat < 5) renew("pod1", 3, 10s);
  }
  // pod1's last renewal (at 15 s) trusted it until 25 s; it is gone since.
  CHECK_FALSE(runs("pod1"));
  CHECK(runs("pod2"));
  CHECK(supervisor_state().counters["pod_leases_lost"] == 1);
  REQUIRE(heard->stopped.size() == 1);
  CHECK(heard->stopped.front().pod == "pod1");
  CHECK(heard->stopped.front().epoch == 3);
  CHECK(supervisor_state().leases.count("pod1") == 0);

  // A late renewal of the lost lease does not bring the pod back; a new take does.
  renew("pod1", 3, 10s);
  run_for(1s);
  CHECK_FALSE(runs("pod1"));
  take("pod1", 5, 1h);
  run_for(1s);
  CHECK(runs("pod1"));
}

// (Modeled sessions run to their modeled end; that a lost lease stops real
// drivers at once is checked on real nodes, tests/cluster/cluster_partition_test.cpp.)
TEST_CASE_METHOD(
    leased_tree,
    "a lost lease stops the pod: no session starts after it, and the node hears when it is gone") {
  auto config = config_with_pods(1, 3);
  start(config);
  take("pod1", 1, 10h);
  for (int i = 0; i < 600 && in_use() == 0; ++i) run_for(1s);
  REQUIRE(in_use() > 0);
  caf::anon_send(supervisor, msg::pod_lease_lost{"pod1", 1});
  run_for(1s);
  const auto starts_at_loss = events_of("start").size();
  CHECK_FALSE(troupe::actors::runs_here(supervisor_state(), "pod1"));
  run_for(3h);
  CHECK_FALSE(runs("pod1"));
  CHECK(in_use() == 0);
  CHECK(events_of("start").size() == starts_at_loss);
  REQUIRE(heard->stopped.size() == 1);
  CHECK(heard->stopped.front().epoch == 1);
}

TEST_CASE_METHOD(leased_tree,
                 "a pod handed over lets its running sessions end, then the node may release it") {
  start(config_with_pods(1, 3));
  take("pod1", 2, 10h);
  for (int i = 0; i < 600 && in_use() == 0; ++i) run_for(1s);
  REQUIRE(in_use() > 0);
  const auto running_before =
      events_of("start").size() - events_of("finish").size() - events_of("error").size();
  caf::anon_send(supervisor, msg::pod_hand_over{"pod1", 2});
  run_for(1s);
  CHECK(heard->stopped.empty());  // its session still runs
  run_for(3h);
  CHECK_FALSE(runs("pod1"));
  REQUIRE(heard->stopped.size() == 1);
  CHECK(heard->stopped.front().epoch == 2);
  // The running session ended as sessions do, not cut short, and no new one started.
  CHECK(running_before > 0);
  CHECK(events_of("start").size() == events_of("finish").size() + events_of("error").size());
  CHECK(supervisor_state().counters["pod_leases_released"] == 1);
  // Its last records were written under the lease before the node could release it.
  CHECK(log->flushed_pods == std::vector<std::string>{"pod1"});
}

TEST_CASE_METHOD(leased_tree, "a draining node hands every pod over, each once its sessions end") {
  start(config_with_pods(3, 2));
  take("pod1", 1, 10h);
  take("pod2", 1, 10h);
  take("pod3", 1, 10h);
  for (int i = 0; i < 600 && in_use() == 0; ++i) run_for(1s);
  REQUIRE(in_use() > 0);
  std::set<std::string> busy;
  for (const auto& [ticket, holder] : supervisor_state().cluster_holders)
    busy.insert(holder.holder.pod);
  caf::anon_send(supervisor, msg::shutdown_atom::value);
  run_for(1s);
  CHECK(heard->drained);  // the node leaves the placement and takes no pod more
  // The idle pods go at once; a pod with a running session waits for its end.
  CHECK(heard->stopped.size() == 3 - busy.size());
  for (const auto& stopped : heard->stopped) CHECK(busy.count(stopped.pod) == 0);
  run_for(3h);
  CHECK(heard->stopped.size() == 3);
  CHECK(supervisor_state().pods.empty());
  CHECK(in_use() == 0);
}
