#include "runtime/content/publishing.hpp"

#include <boost/json.hpp>

#include "runtime/driver/result_object.hpp"

namespace troupe::content {
namespace {

namespace json = boost::json;

using driver::result_object;
using driver::string_member;

post_result of_kind(post_result::kind kind, std::string reason) { return {kind, "", std::move(reason)}; }

post_result classify_exit_0(const driver::driver_outcome& outcome) {
  const auto result = result_object(outcome);
  const auto id = result ? string_member(*result, "post_id") : std::string();
  if (id.empty()) return of_kind(post_result::kind::unknown, "the driver exited 0 without a post id");
  return {post_result::kind::posted, id, ""};
}

// A death by a signal is a crash at an unknown point; an exit code the
// driver chose is an answer.
bool died_by_signal(const driver::driver_outcome& outcome) { return outcome.exit_code > 128; }

}  // namespace

post_result classify_post(const driver::driver_outcome& outcome) {
  using driver::outcome_kind;
  const auto why = "driver post: " + outcome.error;
  switch (outcome.kind) {
    case outcome_kind::success: return classify_exit_0(outcome);
    case outcome_kind::transient: return of_kind(post_result::kind::not_posted, why);
    case outcome_kind::timeout:
    case outcome_kind::cancelled: return of_kind(post_result::kind::unknown, why);
    case outcome_kind::hard_error:
      return of_kind(died_by_signal(outcome) ? post_result::kind::unknown : post_result::kind::failed, why);
    case outcome_kind::auth_required:
    case outcome_kind::no_targets:
    case outcome_kind::spawn_failed: return of_kind(post_result::kind::failed, why);
  }
  return of_kind(post_result::kind::unknown, why);
}

lookup_result classify_lookup(const driver::driver_outcome& outcome) {
  if (outcome.kind != driver::outcome_kind::success) {
    return {lookup_result::kind::unknown, "", "driver lookup: " + outcome.error};
  }
  const auto result = result_object(outcome);
  const auto* found = result ? result->if_contains("found") : nullptr;
  if (found == nullptr || !found->is_bool()) {
    return {lookup_result::kind::unknown, "", "driver lookup: no \"found\" in its result"};
  }
  if (!found->as_bool()) return {lookup_result::kind::not_found, "", ""};
  auto id = string_member(*result, "post_id");
  if (id.empty()) return {lookup_result::kind::unknown, "", "driver lookup: found, but without a post id"};
  return {lookup_result::kind::found, std::move(id), ""};
}

std::optional<operator_answer> parse_operator_answer(std::string_view text) {
  if (text == answer_retry) return operator_answer{operator_answer::kind::retry, ""};
  if (text == answer_drop) return operator_answer{operator_answer::kind::drop, ""};
  const std::string_view prefix = answer_posted_prefix;
  if (text.size() > prefix.size() && text.substr(0, prefix.size()) == prefix) {
    return operator_answer{operator_answer::kind::mark_posted, std::string(text.substr(prefix.size()))};
  }
  return std::nullopt;
}

}  // namespace troupe::content
