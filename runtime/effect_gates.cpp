#include "runtime/effect_gates.hpp"

#include <fmt/format.h>

#include "config/flags.hpp"

namespace troupe {
namespace {

gate_decision allow() { return {true, ""}; }
gate_decision deny(std::string reason) { return {false, std::move(reason)}; }

std::string describe(const gate_decision& gate) {
  return gate.allowed ? std::string("allowed") : fmt::format("blocked({})", gate.reason);
}

}  // namespace

gate_decision posting_allowed(const config::flags_config& flags) {
  if (flags.mode != "live") return deny("shadow_mode");
  if (flags.posting_disabled) return deny("posting_disabled");
  if (!flags.live_posts) return deny("live_posts_off");
  return allow();
}

gate_decision llm_allowed(const config::flags_config& flags, const llm_budget& budget) {
  if (flags.ai_quota_circuit_open || budget.circuit_open) return deny("ai_quota_circuit_open");
  if (flags.disable_llm_when_budget_hit && budget.spent_today_usd >= flags.daily_openai_limit_usd) {
    return deny("budget_spent");
  }
  return allow();
}

gate_decision real_analytics_allowed(const config::flags_config& flags) {
  if (flags.mode != "live") return deny("shadow_mode");
  if (!flags.real_metrics_enabled) return deny("real_metrics_disabled");
  return allow();
}

std::string effect_gates_summary(const config::flags_config& flags, const llm_budget& budget) {
  return fmt::format("posting={} llm={} analytics={} {}", describe(posting_allowed(flags)),
                     describe(llm_allowed(flags, budget)), describe(real_analytics_allowed(flags)),
                     config::flags_summary(flags));
}

}  // namespace troupe
