#include "runtime/http/tree_cache.hpp"

#include <malloc.h>

#include <charconv>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace troupe::http {
namespace {

// A walk of a large tree allocates tens of megabytes on CAF's threads (and
// CAF frees the last of it, its request timeouts, snapshot_timeout later),
// and each answer copies megabytes on the I/O thread, in glibc arenas that
// keep what is freed; without this the daemon's RSS stays as high as after
// its largest walk or burst of answers (tools/bench/run-http measures it).
void hand_back_free_memory() { malloc_trim(0); }

}  // namespace

struct tree_cache::state {
  explicit state(sources from_) : from(std::move(from_)) {}

  const sources from;
  std::mutex mutex;
  // Guarded by `mutex`:
  view_ptr current;                  // null: none fresh
  clock::time_point current_walked;  // when the current view's walk began
  tree_version last_version;         // of the latest view, kept when the view is dropped
  clock::time_point last_asked;      // the latest with_view
  bool walking = false;
  bool trim_scheduled = false;                                 // a trim_when_quiet is pending
  std::vector<std::function<void(result<view_ptr>)>> waiting;  // for the walk under way
};

tree_cache::tree_cache(sources from) : state_(std::make_shared<state>(std::move(from))) {}

result<std::optional<std::chrono::milliseconds>> tree_cache::refresh_from_environment(
    const char* text) {
  if (text == nullptr) return std::optional<std::chrono::milliseconds>();
  long long ms = -1;
  const auto end = text + std::strlen(text);
  const auto [stop, failure] = std::from_chars(text, end, ms);
  if (failure != std::errc() || stop != end || ms < 0 || ms > config::longest_tree_refresh_ms) {
    return error{"TROUPE_TREE_REFRESH_MS must be whole milliseconds within 0.." +
                 std::to_string(config::longest_tree_refresh_ms) + ", got \"" + text + "\""};
  }
  return std::optional(std::chrono::milliseconds(ms));
}

void tree_cache::with_view(std::function<void(result<view_ptr>)> use) {
  std::unique_lock lock(state_->mutex);
  const auto now = state_->from.now();
  state_->last_asked = now;
  if (state_->current && now - state_->current_walked < state_->from.refresh_every()) {
    auto view = state_->current;
    lock.unlock();
    return use(std::move(view));
  }
  state_->waiting.push_back(std::move(use));
  if (state_->walking) return;
  state_->walking = true;
  lock.unlock();
  walk(state_, now);
}

void tree_cache::walk(const std::shared_ptr<state>& shared, clock::time_point started) {
  shared->from.walk_tree(
      [cache = std::weak_ptr<state>(shared), started](result<msg::tree_snapshot> tree) {
        if (auto alive = cache.lock()) on_walked(alive, started, std::move(tree));
      });
}

void tree_cache::on_walked(const std::shared_ptr<state>& cache, clock::time_point started,
                           result<msg::tree_snapshot> tree) {
  std::unique_lock lock(cache->mutex);
  const auto previous = cache->last_version;
  lock.unlock();
  const auto built = tree ? result<view_ptr>(std::make_shared<const tree_view>(
                                tree_view::build(std::move(*tree), previous)))
                          : result<view_ptr>(tree.failure());
  const auto keep_for = cache->from.refresh_every();
  lock.lock();
  cache->walking = false;
  if (built) {
    cache->last_version = (*built)->version();
    if (keep_for.count() > 0) {
      cache->current = *built;
      cache->current_walked = started;
    }
  }
  auto waiting = std::move(cache->waiting);
  cache->waiting.clear();
  lock.unlock();
  for (auto& use : waiting) use(built);
  hand_back_free_memory();  // the snapshot and the pieces the view was built from
  schedule_quiet_trim(cache);
  if (!built || keep_for.count() == 0) return;
  cache->from.after(
      keep_for, [weak = std::weak_ptr<state>(cache), started] { drop_if_stale(weak, started); });
}

void tree_cache::schedule_quiet_trim(const std::shared_ptr<state>& cache) {
  std::unique_lock lock(cache->mutex);
  if (cache->trim_scheduled) return;
  cache->trim_scheduled = true;
  lock.unlock();
  cache->from.after(quiet_period(*cache),
                    [weak = std::weak_ptr<state>(cache)] { trim_when_quiet(weak); });
}

std::chrono::milliseconds tree_cache::quiet_period(const state& cache) {
  // A walk's request timeouts hold memory for snapshot_timeout after it.
  return std::max<std::chrono::milliseconds>(cache.from.refresh_every(),
                                             msg::snapshot_timeout + std::chrono::seconds(1));
}

void tree_cache::drop_if_stale(const std::weak_ptr<state>& cache, clock::time_point walked) {
  auto alive = cache.lock();
  if (!alive) return;
  std::unique_lock lock(alive->mutex);
  if (!alive->current || alive->current_walked != walked) return;  // a later walk replaced it
  alive->current.reset();
  lock.unlock();
  hand_back_free_memory();
}

void tree_cache::trim_when_quiet(const std::weak_ptr<state>& cache) {
  auto alive = cache.lock();
  if (!alive) return;
  std::unique_lock lock(alive->mutex);
  const auto quiet = quiet_period(*alive);
  if (alive->from.now() - alive->last_asked < quiet) {
    lock.unlock();
    alive->from.after(quiet, [cache] { trim_when_quiet(cache); });
    return;
  }
  alive->trim_scheduled = false;
  lock.unlock();
  hand_back_free_memory();
}

}  // namespace troupe::http
