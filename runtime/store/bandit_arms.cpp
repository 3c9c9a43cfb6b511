#include "runtime/store/bandit_arms.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

#include "runtime/store/enum_names.hpp"
#include "runtime/store/sql_boundary.hpp"
#include "runtime/store/statements.hpp"

namespace troupe::store {
namespace {

constexpr std::pair<bandit_kind, const char*> bandit_kind_names[] = {
    {bandit_kind::thompson, "thompson"},
    {bandit_kind::ucb, "ucb"},
};

status check_arm(const bandit_arm& state) {
  if (state.scope.empty() || state.arm.empty())
    return error{"a bandit arm needs a scope and a name"};
  const std::string named = "bandit arm " + state.scope + "/" + state.arm;
  if (!std::isfinite(state.alpha) || !std::isfinite(state.beta) ||
      !std::isfinite(state.reward_sum)) {
    return error{named + " has a number that is not finite"};
  }
  if (state.alpha <= 0 || state.beta <= 0) return error{named + " needs alpha and beta above 0"};
  if (state.pulls < 0) return error{named + " cannot have negative pulls"};
  return {};
}

// The arms in the rows of bandit_arms matching `where` (a clause binding
// `uses`, or empty for all), by scope, then arm name.
template <class... Uses>
std::vector<bandit_arm> select_arms(database& db, const std::string& where, const Uses&... uses) {
  std::vector<bandit_arm> arms;
  bandit_arm row;
  std::string kind;
  auto select = prepare(
      db.session(),
      "SELECT scope, arm, kind, alpha, beta, pulls, reward_sum, updated_at FROM bandit_arms" +
          where + " ORDER BY scope, arm",
      soci::into(row.scope), soci::into(row.arm), soci::into(kind), soci::into(row.alpha),
      soci::into(row.beta), soci::into(row.pulls), soci::into(row.reward_sum),
      soci::into(row.updated_at_ms), uses...);
  select.execute();
  while (select.fetch()) {
    const auto known = parse_bandit_kind(kind);
    if (!known) {
      throw std::runtime_error("bandit arm " + row.scope + "/" + row.arm +
                               " has an unknown kind '" + kind + "'");
    }
    row.kind = *known;
    arms.push_back(row);
  }
  return arms;
}

}  // namespace

const char* to_string(bandit_kind kind) { return name_of(bandit_kind_names, kind); }

std::optional<bandit_kind> parse_bandit_kind(std::string_view name) {
  return value_of(bandit_kind_names, name);
}

result<std::vector<bandit_arm>> load_bandit_arms(database& db, const std::string& scope) {
  return guarded("cannot load the bandit arms of " + scope,
                 [&] { return select_arms(db, " WHERE scope = :scope", soci::use(scope)); });
}

result<std::vector<bandit_arm>> load_all_bandit_arms(database& db) {
  return guarded("cannot load the bandit arms", [&] { return select_arms(db, ""); });
}

status upsert_bandit_arm(database& db, const bandit_arm& state, std::int64_t now_ms) {
  if (auto valid = check_arm(state); !valid) return valid;
  return guarded("cannot store bandit arm " + state.scope + "/" + state.arm, [&] {
    const std::string kind = to_string(state.kind);
    execute(db.session(),
            "INSERT INTO bandit_arms (scope, arm, kind, alpha, beta, pulls, reward_sum, updated_at)"
            " VALUES (:scope, :arm, :kind, :alpha, :beta, :pulls, :reward_sum, :updated_at)"
            " ON CONFLICT (scope, arm) DO UPDATE SET kind = excluded.kind,"
            " alpha = excluded.alpha, beta = excluded.beta, pulls = excluded.pulls,"
            " reward_sum = excluded.reward_sum, updated_at = excluded.updated_at",
            soci::use(state.scope), soci::use(state.arm), soci::use(kind), soci::use(state.alpha),
            soci::use(state.beta), soci::use(state.pulls), soci::use(state.reward_sum),
            soci::use(now_ms));
  });
}

}  // namespace troupe::store
