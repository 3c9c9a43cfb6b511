// Pods: their accounts (each profile in exactly one pod) and targets files.
#include <algorithm>
#include <map>
#include <set>

#include "config/validator.hpp"

namespace troupe::config {
namespace {

using pod_of_profile = std::map<std::string, std::string>;  // profile id -> first pod listing it

void validate_accounts(const pod_config& pod, const std::string& path, pod_of_profile& pods_seen,
                       findings& found) {
  const std::string accounts_path = path + ".accounts";
  if (pod.accounts.empty()) found.error(accounts_path, "empty pod: list at least one profile id");
  std::set<std::string> in_this_pod;
  for (std::size_t i = 0; i < pod.accounts.size(); ++i) {
    const std::string& profile = pod.accounts[i];
    const std::string profile_path = fmt::format("{}[{}]", accounts_path, i);
    if (profile.empty()) {
      found.error(profile_path, "must not be empty");
    } else if (!in_this_pod.insert(profile).second) {
      found.error(profile_path,
                  fmt::format("profile '{}' is listed twice in pod '{}'", profile, pod.name));
    } else if (auto [first, inserted] = pods_seen.emplace(profile, pod.name); !inserted) {
      found.error(profile_path, fmt::format("profile '{}' is in two pods: '{}' and '{}'", profile,
                                            first->second, pod.name));
    }
  }
}

void validate_targets(const pod_config& pod, const std::string& path, findings& found) {
  for (const auto& [profile, file] : pod.targets) {
    const std::string target_path = path + ".targets." + profile;
    if (std::find(pod.accounts.begin(), pod.accounts.end(), profile) == pod.accounts.end()) {
      found.error(target_path,
                  fmt::format("'{}' is not an account of pod '{}'", profile, pod.name));
    }
    found.not_empty(target_path, file);
  }
}

bool some_activity_consumes_targets(const troupe_config& config) {
  for (const auto& activity : config.activities) {
    if (activity.consumes_targets) return true;
  }
  return false;
}

}  // namespace

void validate_pods(const troupe_config& config, findings& found) {
  pod_of_profile pods_seen;
  for (const auto& pod : config.pods) {
    const std::string path = "pods." + pod.name;
    if (pod.name.empty()) found.error(path, "a pod needs a name");
    validate_accounts(pod, path, pods_seen, found);
    validate_targets(pod, path, found);
    if (!pod.targets.empty() && !some_activity_consumes_targets(config)) {
      found.warning(path + ".targets",
                    "no activity has `targets: true`, so these targets files are never used");
    }
  }
}

}  // namespace troupe::config
