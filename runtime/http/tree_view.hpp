// One version of the live tree as the API serves it: the answers of
// GET /api/actors, /api/accounts and /api/pods serialised once, each actor's
// and account's JSON kept as a slice of its answer, so that a page or one
// actor is cut out of bytes already made instead of serialised again.
// Built by a pure function from a tree snapshot (which it does not keep);
// immutable afterwards, so any thread may read it.
//
// Order (the same for whole answers and pages, and what `after` refers to):
// actors by kind (the supervisor, jobs, pods, accounts, others), then by id,
// so parents come before their children; accounts by id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/inspect.hpp"
#include "runtime/result.hpp"

namespace troupe::http {

// Which part of a list an answer holds: at most `limit` items (all when
// unset) after the item with id `after` (from the start when empty; the id
// need not still exist), of pod `pod` only (a pod's actor and its
// accounts; every pod when unset).
struct page_query {
  std::optional<std::size_t> limit;
  std::string after;
  std::optional<std::string> pod;

  bool whole() const { return !limit && after.empty() && !pod; }
};

// The page query of `limit`, `after` and `pod` in a request's query, or why
// it is malformed (`limit` not a positive integer).
result<page_query> parse_page_query(const std::map<std::string, std::string>& query);

// What tells two versions of the tree apart: the number this process gave
// it and a hash of its content.
struct tree_version {
  std::uint64_t number = 0;
  std::uint64_t content_hash = 0;
};

// One serialised list answer: {"version","count","total","next_after",NAME:[...]}.
class serialised_list {
 public:
  struct item {
    std::string id;          // what `after` names
    std::string pod;         // the pod it belongs to ("" for the supervisor and jobs)
    std::size_t offset = 0;  // its JSON in body()
    std::size_t length = 0;
  };
  using order = bool (*)(std::string_view, std::string_view);

  serialised_list() = default;
  // `items` (id, pod, JSON text) in `before` order.
  serialised_list(std::string name, std::uint64_t version, order before,
                  std::vector<std::pair<item, std::string>> items);

  // The whole answer (no limit, no cursor, every pod).
  const std::string& body() const { return body_; }
  // The answer to `query`: next_after is the last id listed when more follow, else null.
  std::string page(const page_query& query) const;
  // The JSON of the item with id `id`, or nullopt.
  std::optional<std::string_view> find(std::string_view id) const;

 private:
  std::string answer(std::size_t count, std::size_t total, const std::string* next_after,
                     const std::vector<const item*>& listed) const;

  std::string name_;
  std::uint64_t version_ = 0;
  order before_ = nullptr;
  std::string body_;
  std::vector<item> items_;
};

class tree_view {
 public:
  // Serialises `tree`; its version number is `previous`'s when the content
  // is the same, else the next one.
  static tree_view build(msg::tree_snapshot tree, const tree_version& previous);

  const tree_version& version() const { return version_; }
  // The HTTP entity tag of every answer made from this version (quoted).
  const std::string& etag() const { return etag_; }
  const serialised_list& actors() const { return actors_; }
  const serialised_list& accounts() const { return accounts_; }
  // GET /api/pods: {"version","pods":[{name, timezone, mood, accounts, actor}]}.
  const std::string& pods() const { return pods_; }

 private:
  tree_version version_;
  std::string etag_;
  serialised_list actors_;
  serialised_list accounts_;
  std::string pods_;
};

// Returns true iff an If-None-Match header value names `etag` (or is "*").
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace troupe::http
