// The tree's answers for the API (tree_view.hpp), walked at most once every
// `refresh_every` (asked at each request, so a reload changes it live). A
// request is answered at once from the current view when that view's walk
// began less than refresh_every ago; otherwise it waits for
// the one walk under way, which the first such request starts: a burst of
// requests costs one walk, and a change in the tree shows in every answer
// given refresh_every after it (as long as a walk takes less than that).
// A view is dropped once it is no longer fresh, and the memory its walk and
// its answers used is handed back to the system once requests have stopped
// for a while (msg::snapshot_timeout and a second), so an idle daemon keeps
// none of it.
// Thread-safe: any thread may ask; answers come on the asking thread or on
// the walk's.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "messages/inspect.hpp"
#include "runtime/http/tree_view.hpp"
#include "runtime/result.hpp"

namespace troupe::http {

class tree_cache {
 public:
  static constexpr std::chrono::milliseconds default_refresh{1000};

  using view_ptr = std::shared_ptr<const tree_view>;
  using clock = std::chrono::steady_clock;

  // What the cache walks the tree, waits and tells time with.
  struct sources {
    // Walks the whole tree and hands it (or why not) to the callback, on any thread.
    std::function<void(std::function<void(result<msg::tree_snapshot>)>)> walk_tree;
    // Runs the action once, later by the given delay, on any thread.
    std::function<void(std::chrono::milliseconds, std::function<void()>)> after;
    // How long a view serves; 0: every request walks the tree.
    std::function<std::chrono::milliseconds()> refresh_every = [] { return default_refresh; };
    std::function<clock::time_point()> now = clock::now;
  };

  explicit tree_cache(sources from);

  // The refresh period TROUPE_TREE_REFRESH_MS asks for: whole milliseconds
  // within 0..config::longest_tree_refresh_ms; nullopt when unset; why not otherwise.
  static result<std::optional<std::chrono::milliseconds>> refresh_from_environment(
      const char* text);

  // Calls `use` once with a fresh view, or with why the tree did not answer.
  void with_view(std::function<void(result<view_ptr>)> use);

 private:
  struct state;
  static void walk(const std::shared_ptr<state>& shared, clock::time_point started);
  static void on_walked(const std::shared_ptr<state>& cache, clock::time_point started,
                        result<msg::tree_snapshot> tree);
  // Drops the view whose walk began at `walked`, unless a later walk replaced it.
  static void drop_if_stale(const std::weak_ptr<state>& cache, clock::time_point walked);
  // Hands freed memory back once no request came for a quiet period (the
  // answers still being sent hold copies of a view), checking again each
  // period until then; one such check is pending at a time.
  static void schedule_quiet_trim(const std::shared_ptr<state>& cache);
  static void trim_when_quiet(const std::weak_ptr<state>& cache);
  // The refresh period, and at least until a walk's request timeouts are gone.
  static std::chrono::milliseconds quiet_period(const state& cache);
  std::shared_ptr<state> state_;
};

}  // namespace troupe::http
