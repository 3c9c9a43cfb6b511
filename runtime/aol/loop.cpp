#include "runtime/aol/loop.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <random>
#include <thread>

#include "config/flags.hpp"
#include "runtime/driver/invocation.hpp"
#include "runtime/host_name.hpp"
#include "runtime/store/aol_claims.hpp"
#include "runtime/store/aol_control_flags.hpp"
#include "runtime/store/database.hpp"
#include "runtime/steady_now.hpp"
#include "runtime/system_clock.hpp"

namespace troupe::aol {
namespace {

static_assert(config::max_aol_batch <= store::max_claim_batch,
              "aol.maxBatch must stay within what the queue claims at once");

std::uint64_t random_seed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

tick_environment environment_of(const loop_options& options, const std::string& owner) {
  const auto& config = *options.config;
  tick_environment env;
  env.settings = settings_from(config.aol);
  env.settings.prune_finished = options.prune_finished_actions;
  env.adapters = options.adapters;
  env.base_context.config = options.config;
  env.base_context.flags = config::apply_environment(config.flags, std::getenv);
  env.flags = options.flags;
  env.base_context.driver_program = options.driver_program;
  env.base_context.daemon_env = driver::daemon_environment();
  env.owner = owner;
  env.force_proof = options.force_proof;
  // Unless a test gives its own clock, the loop's times are the database's,
  // measured from at each tick with a clock that does not jump.
  env.database_clock = !options.clock;
  env.clock = options.clock ? options.clock : clock_function(steady_now_ms);
  return env;
}

std::int64_t now_of(const loop_options& options) {
  return options.clock ? options.clock() : system_now_ms();
}

// The PROOF flag as the loop starts: seeded from aol.proof in a new
// database, set by AOL_PROOF_MODE when given.
status apply_proof_at_start(store::database& db, const loop_options& options) {
  const auto now = now_of(options);
  if (options.proof_at_start) {
    if (auto set = store::set_control_flag(db, "proof", *options.proof_at_start, now); !set) return set;
    if (*options.proof_at_start) {
      spdlog::info("AOL: PROOF mode on (AOL_PROOF_MODE)");
    } else {
      spdlog::warn("AOL: PROOF mode off (AOL_PROOF_MODE=false): actions change things outside for real");
    }
    return {};
  }
  auto seeded = store::seed_control_flag(db, "proof", options.config->aol.proof, now);
  if (!seeded) return seeded.failure();
  auto flags = store::load_control_flags(db);
  if (!flags) return flags.failure();
  const char* source = *seeded ? " (aol.proof, a new queue)" : "";
  if (flags->proof) {
    spdlog::info("AOL: PROOF mode on{}", source);
  } else {
    spdlog::warn("AOL: PROOF mode off{}: actions change things outside for real", source);
  }
  return {};
}

}  // namespace

std::string unique_owner() {
  static std::atomic<std::uint64_t> sequence{0};
  std::mt19937_64 generator(random_seed() ^ ++sequence);
  return fmt::format("{}:{}:{:08x}", host_name(), ::getpid(),
                     static_cast<std::uint32_t>(generator()));
}

class aol_loop::running {
 public:
  running(loop_options options, store::database db, std::string owner)
      : options_(std::move(options)),
        owner_(std::move(owner)),
        settings_(settings_from(options_.config->aol)),
        runner_(environment_of(options_, owner_), options_.seed.value_or(random_seed())),
        thread_([this, connection = std::move(db)]() mutable { main(std::move(connection)); }) {}

  ~running() { stop(); }
  running(const running&) = delete;
  running& operator=(const running&) = delete;

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    runner_.interrupt();
    if (thread_.joinable()) thread_.join();
  }

  bool finished() const { return finished_.load(); }
  const std::string& owner() const { return owner_; }

 private:
  void main(store::database first) {
    std::optional<store::database> db(std::move(first));
    std::int64_t index = 0;
    while (!stopping()) {
      const auto started = std::chrono::steady_clock::now();
      const auto result = tick(db);
      log_role(result);
      if (!result.standby) {
        auto report = result.report;
        report.index = ++index;
        if (options_.on_tick) options_.on_tick(report);
        if (options_.max_ticks && index >= *options_.max_ticks) break;
      }
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started)
                               .count();
      wait(std::chrono::milliseconds(next_tick_delay_ms(settings_, elapsed, result.batch_full)));
    }
    if (db) runner_.release(*db);
    finished_.store(true);
  }

  // One tick on the connection, opening a new one first if the last failed.
  tick_result tick(std::optional<store::database>& db) {
    const auto& settings = options_.config->db;
    if (!db) {
      auto opened = store::database::open(settings.url, settings.busy_timeout_ms);
      if (!opened) return failed_tick(opened.failure().message);
      spdlog::info("AOL: connected to {} again", opened->url_for_logs());
      db.emplace(std::move(opened).value());
    }
    try {
      auto result = runner_.run(*db);
      if (result.database_failed) db.reset();
      return result;
    } catch (const std::exception& thrown) {
      // Resource exhaustion (no thread, no descriptor for a driver): the
      // loop lives on and tries again next tick.
      db.reset();
      return failed_tick(thrown.what());
    }
  }

  static tick_result failed_tick(const std::string& why) {
    spdlog::error("AOL: tick failed: {}", why);
    tick_result result;
    result.report.status = store::tick_status::error;
    result.report.error = why;
    return result;
  }

  // Logs when this daemon becomes the holder or a standby (once per change).
  void log_role(const tick_result& result) {
    if (result.standby) {
      if (role_ != "standby:" + result.holder) {
        spdlog::info("AOL: standby: lease held by {}", result.holder);
        role_ = "standby:" + result.holder;
      }
    } else if (const auto& lease = runner_.lease()) {
      const auto role = fmt::format("holder:{}", lease->epoch);
      if (role_ != role) {
        spdlog::info("AOL: holding the lease as {} (epoch {})", owner_, lease->epoch);
        role_ = role;
      }
    }
  }

  bool stopping() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopping_;
  }

  void wait(std::chrono::milliseconds delay) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, delay, [this] { return stopping_; });
  }

  const loop_options options_;
  const std::string owner_;
  const loop_settings settings_;
  tick_runner runner_;
  std::string role_;  // the loop thread's: what it last logged
  std::mutex mutex_;  // stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> finished_{false};
  std::thread thread_;  // last: starts once everything above is ready
};

result<aol_loop> aol_loop::start(loop_options options) {
  if (!options.config) return error{"the AOL loop needs a config"};
  const auto& config = *options.config;
  if (auto backoff = check_backoff_config(settings_from(config.aol).backoff); !backoff) {
    return backoff.failure();
  }
  auto db = store::database::open(config.db.url, config.db.busy_timeout_ms);
  if (!db) return error{"the AOL loop cannot open its database: " + db.failure().message};
  if (auto proof = apply_proof_at_start(*db, options); !proof) {
    return error{"the AOL loop cannot set its PROOF flag: " + proof.failure().message};
  }
  auto owner = options.owner.empty() ? unique_owner() : options.owner;
  return aol_loop(
      std::make_unique<running>(std::move(options), std::move(db).value(), std::move(owner)));
}

aol_loop::aol_loop(std::unique_ptr<running> state) : state_(std::move(state)) {}
aol_loop::aol_loop(aol_loop&&) noexcept = default;
aol_loop& aol_loop::operator=(aol_loop&&) noexcept = default;
aol_loop::~aol_loop() = default;

void aol_loop::stop() {
  if (state_) state_->stop();
}

bool aol_loop::finished() const { return state_ && state_->finished(); }

const std::string& aol_loop::owner() const { return state_->owner(); }

}  // namespace troupe::aol
