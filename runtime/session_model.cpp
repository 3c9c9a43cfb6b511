#include "runtime/session_model.hpp"

namespace troupe {
namespace {

constexpr std::int64_t recovery_step_ms = 20'000;

int draw_exit_code(const session_model_settings& settings, double draw) {
  const std::pair<double, int> outcomes[] = {{settings.p_transient, 2},
                                             {settings.p_auth, 3},
                                             {settings.p_hard, 1},
                                             {settings.p_timeout, 124}};
  for (const auto& [probability, code] : outcomes) {
    if (draw < probability) return code;
    draw -= probability;
  }
  return 0;
}

}  // namespace

modeled_session model_session(const session_model_settings& settings,
                              std::optional<std::int64_t> count,
                              std::optional<std::int64_t> seconds, bool recovery,
                              policy::rng& random) {
  modeled_session session;
  if (recovery) {
    session.duration_ms = recovery_step_ms;
    session.exit_code = random.uniform01() < settings.p_recovery_fails ? 1 : 0;
    return session;
  }
  session.duration_ms = count ? *count * settings.per_item_ms : seconds.value_or(0) * 1000;
  session.exit_code = draw_exit_code(settings, random.uniform01());
  if (session.exit_code == 0) session.units_done = count.value_or(0);
  return session;
}

}  // namespace troupe
