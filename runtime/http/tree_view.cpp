#include "runtime/http/tree_view.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <functional>
#include <map>
#include <tuple>
#include <utility>

#include "runtime/http/json_views.hpp"

namespace troupe::http {
namespace {

// Where an actor of this id comes in the tree order: parents before children.
int kind_rank(std::string_view id) {
  if (id == "supervisor") return 0;
  for (const auto& [prefix, rank] :
       {std::pair{"job:", 1}, std::pair{"pod:", 2}, std::pair{"account:", 3}}) {
    if (id.substr(0, std::string_view(prefix).size()) == prefix) return rank;
  }
  return 4;
}

bool actor_before(std::string_view left, std::string_view right) {
  return std::make_tuple(kind_rank(left), left) < std::make_tuple(kind_rank(right), right);
}

bool id_before(std::string_view left, std::string_view right) { return left < right; }

std::string_view after_colon(std::string_view id) { return id.substr(id.find(':') + 1); }

// The pod an actor belongs to: a pod's own name, an account's parent's.
std::string pod_of(const msg::actor_snapshot& actor) {
  if (actor.kind == "pod") return std::string(after_colon(actor.id));
  if (actor.kind == "account") return std::string(after_colon(actor.parent));
  return "";
}

std::uint64_t combined_hash(
    const std::vector<std::pair<serialised_list::item, std::string>>& items) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const auto& entry : items)
    hash = (hash ^ std::hash<std::string>{}(entry.second)) * 1099511628211ull;
  return hash;
}

std::string pods_answer(const std::vector<const msg::actor_snapshot*>& ordered,
                        std::uint64_t version) {
  // One pass: each account goes to its parent pod (in id order, as `ordered` is).
  std::map<std::string, std::vector<const msg::actor_snapshot*>> accounts_of;
  for (const auto* actor : ordered) {
    if (actor->kind == "account") accounts_of[actor->parent].push_back(actor);
  }
  boost::json::array pods;
  for (const auto* listed : ordered) {
    const auto& actor = *listed;
    if (actor.kind != "pod") continue;
    boost::json::array accounts;
    std::string mood;
    for (const auto* account : accounts_of[actor.id]) {
      accounts.push_back(boost::json::value(after_colon(account->id)));
      if (mood.empty() && account->state.count("mood")) mood = account->state.at("mood");
    }
    const auto zone = actor.state.find("timezone");
    pods.push_back(boost::json::object{{"name", after_colon(actor.id)},
                                       {"timezone", zone == actor.state.end() ? "" : zone->second},
                                       {"mood", mood},
                                       {"accounts", std::move(accounts)},
                                       {"actor", actor_json(actor)}});
  }
  return boost::json::serialize(
      boost::json::object{{"version", version}, {"pods", std::move(pods)}});
}

}  // namespace

result<page_query> parse_page_query(const std::map<std::string, std::string>& query) {
  page_query parsed;
  if (auto limit = query.find("limit"); limit != query.end()) {
    std::size_t value = 0;
    const auto& text = limit->second;
    const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (failure != std::errc() || end != text.data() + text.size() || value == 0) {
      return error{"limit must be a positive integer, got \"" + text + "\""};
    }
    parsed.limit = value;
  }
  if (auto after = query.find("after"); after != query.end()) parsed.after = after->second;
  if (auto pod = query.find("pod"); pod != query.end()) parsed.pod = pod->second;
  return parsed;
}

serialised_list::serialised_list(std::string name, std::uint64_t version, order before,
                                 std::vector<std::pair<item, std::string>> items)
    : name_(std::move(name)), version_(version), before_(before) {
  std::size_t size = 0;
  for (const auto& entry : items) size += entry.second.size() + 1;
  body_ = answer(items.size(), items.size(), nullptr, {});
  body_.pop_back();  // "]}": the items go in between
  body_.pop_back();
  body_.reserve(body_.size() + size + 2);
  items_.reserve(items.size());
  for (auto& [listed, json] : items) {
    if (!items_.empty()) body_ += ',';
    listed.offset = body_.size();
    listed.length = json.size();
    body_ += json;
    std::string().swap(json);  // the body holds it now
    items_.push_back(std::move(listed));
  }
  body_ += "]}";
}

std::string serialised_list::answer(std::size_t count, std::size_t total,
                                    const std::string* next_after,
                                    const std::vector<const item*>& listed) const {
  std::string text =
      "{\"version\":" + std::to_string(version_) + ",\"count\":" + std::to_string(count) +
      ",\"total\":" + std::to_string(total) + ",\"next_after\":" +
      (next_after ? boost::json::serialize(boost::json::string(*next_after)) : "null") + ",\"" +
      name_ + "\":[";
  for (const auto* entry : listed) {
    if (text.back() != '[') text += ',';
    text.append(body_, entry->offset, entry->length);
  }
  return text + "]}";
}

std::string serialised_list::page(const page_query& query) const {
  if (query.whole()) return body_;
  auto first = items_.begin();
  if (!query.after.empty()) {
    first = std::upper_bound(
        items_.begin(), items_.end(), std::string_view(query.after),
        [this](std::string_view after, const item& entry) { return before_(after, entry.id); });
  }
  const auto in_pod = [&](const item& entry) { return !query.pod || entry.pod == *query.pod; };
  const auto total = static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), in_pod));
  std::vector<const item*> listed;
  const auto limit = query.limit.value_or(items_.size());
  auto next = first;
  for (; next != items_.end() && listed.size() < limit; ++next) {
    if (in_pod(*next)) listed.push_back(&*next);
  }
  const bool more = std::any_of(next, items_.end(), in_pod);
  return answer(listed.size(), total, more ? &listed.back()->id : nullptr, listed);
}

std::optional<std::string_view> serialised_list::find(std::string_view id) const {
  auto found = std::lower_bound(
      items_.begin(), items_.end(), id,
      [this](const item& entry, std::string_view wanted) { return before_(entry.id, wanted); });
  if (found == items_.end() || found->id != id) return std::nullopt;
  return std::string_view(body_).substr(found->offset, found->length);
}

tree_view tree_view::build(msg::tree_snapshot tree, const tree_version& previous) {
  std::vector<const msg::actor_snapshot*> actors;
  actors.reserve(tree.actors.size());
  for (const auto& actor : tree.actors) actors.push_back(&actor);
  std::sort(actors.begin(), actors.end(),
            [](const msg::actor_snapshot* left, const msg::actor_snapshot* right) {
              return actor_before(left->id, right->id);
            });
  std::vector<std::pair<serialised_list::item, std::string>> actor_items;
  std::vector<std::pair<serialised_list::item, std::string>> account_items;
  actor_items.reserve(actors.size());
  for (const auto* listed : actors) {
    const auto& actor = *listed;
    actor_items.push_back({{actor.id, pod_of(actor)}, boost::json::serialize(actor_json(actor))});
    // Accounts are in id order too: "account:" then the account's id.
    if (actor.kind == "account") {
      account_items.push_back({{std::string(after_colon(actor.id)), pod_of(actor)},
                               boost::json::serialize(account_json(actor))});
    }
  }
  tree_view view;
  const auto hash = combined_hash(actor_items);
  const bool same = previous.number != 0 && previous.content_hash == hash;
  view.version_ = {same ? previous.number : previous.number + 1, hash};
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  view.etag_ = "\"" + std::to_string(view.version_.number) + "-" + hex + "\"";
  view.pods_ = pods_answer(actors, view.version_.number);
  view.actors_ =
      serialised_list("actors", view.version_.number, actor_before, std::move(actor_items));
  view.accounts_ =
      serialised_list("accounts", view.version_.number, id_before, std::move(account_items));
  return view;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    auto candidate = if_none_match.substr(0, comma);
    if_none_match =
        comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
    while (!candidate.empty() && candidate.front() == ' ') candidate.remove_prefix(1);
    while (!candidate.empty() && candidate.back() == ' ') candidate.remove_suffix(1);
    if (candidate.substr(0, 2) == "W/")
      candidate.remove_prefix(2);  // weak comparison, as RFC 9110 asks
    if (candidate == "*" || candidate == etag) return true;
  }
  return false;
}

}  // namespace troupe::http
