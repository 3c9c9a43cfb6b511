#include "messages/registration.hpp"

#include "messages/cluster.hpp"
#include "messages/inspect.hpp"
#include "messages/jobs.hpp"
#include "messages/permits.hpp"
#include "messages/pods.hpp"
#include "messages/recovery.hpp"
#include "messages/sessions.hpp"
#include "messages/store.hpp"

namespace troupe::msg {

void register_message_types(caf::actor_system_config& config) {
  config.add_message_type<permit_request>("troupe.permit_request");
  config.add_message_type<permit_granted>("troupe.permit_granted");
  config.add_message_type<permit_release>("troupe.permit_release");
  config.add_message_type<permit_cancel>("troupe.permit_cancel");
  config.add_message_type<permit_event>("troupe.permit_event");
  config.add_message_type<plan_tick>("troupe.plan_tick");
  config.add_message_type<account_eligibility>("troupe.account_eligibility");
  config.add_message_type<config_applied>("troupe.config_applied");
  config.add_message_type<session_spec>("troupe.session_spec");
  config.add_message_type<session_started>("troupe.session_started");
  config.add_message_type<session_progress>("troupe.session_progress");
  config.add_message_type<session_finished>("troupe.session_finished");
  config.add_message_type<session_request>("troupe.session_request");
  config.add_message_type<recovery_needed>("troupe.recovery_needed");
  config.add_message_type<recovery_step>("troupe.recovery_step");
  config.add_message_type<recovery_result>("troupe.recovery_result");
  config.add_message_type<recovery_over>("troupe.recovery_over");
  config.add_message_type<actor_snapshot>("troupe.actor_snapshot");
  config.add_message_type<tree_snapshot>("troupe.tree_snapshot");
  config.add_message_type<account_state>("troupe.account_state");
  config.add_message_type<store::runner_summary>("troupe.runner_summary");
  config.add_message_type<job_run_request>("troupe.job_run_request");
  config.add_message_type<job_run_reply>("troupe.job_run_reply");
  config.add_message_type<job_finished>("troupe.job_finished");
  config.add_message_type<job_run_view>("troupe.job_run_view");
  config.add_message_type<job_status>("troupe.job_status");
  config.add_message_type<jobs_view>("troupe.jobs_view");
  config.add_message_type<pod_lease_taken>("troupe.pod_lease_taken");
  config.add_message_type<pod_leases_renewed>("troupe.pod_leases_renewed");
  config.add_message_type<pod_lease_lost>("troupe.pod_lease_lost");
  config.add_message_type<pod_hand_over>("troupe.pod_hand_over");
  config.add_message_type<pod_stopped>("troupe.pod_stopped");
  config.add_message_type<cluster_permit_wanted>("troupe.cluster_permit_wanted");
  config.add_message_type<cluster_permit_withdrawn>("troupe.cluster_permit_withdrawn");
  config.add_message_type<cluster_permit_granted>("troupe.cluster_permit_granted");
  config.add_message_type<cluster_permit_returned>("troupe.cluster_permit_returned");
}

}  // namespace troupe::msg
