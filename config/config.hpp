// The typed configuration of a Troupe node: the smart-runner settings, moods,
// pods and the daemon's own sections (db, http, log, flags, drivers, aol, llm).
//
// A `troupe_config` is a plain value: it is built once by the loader
// (config/loader.hpp), validated, and then shared read-only (as a
// `std::shared_ptr<const troupe_config>`) by every thread and actor. Every
// field has the reference default, so a default-constructed value is the
// configuration of `../shared/reference-config/` minus its pods.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace troupe::config {

// An inclusive integer range [min, max], as written `[min, max]` in JSON/YAML.
struct int_range {
  std::int64_t min = 0;
  std::int64_t max = 0;
};

// Minutes after local midnight, 0..1439, written "HH:MM".
using minute_of_day = int;
constexpr minute_of_day minutes_per_day = 24 * 60;

// "HH:MM" (00:00..23:59) as minutes after midnight; nullopt when malformed.
std::optional<minute_of_day> parse_minute_of_day(const std::string& text);
// Minutes after midnight as "HH:MM".
std::string format_minute_of_day(minute_of_day minute);

struct idle_config {
  std::int64_t base_min_ms = 900'000;   // idle.baseMinMs
  std::int64_t base_max_ms = 3'600'000; // idle.baseMaxMs
};

struct handoff_config {
  std::string distribution = "lognormal"; // handoff.distribution (only lognormal)
  std::int64_t mode_ms = 54'000;          // handoff.modeMs
  double sigma = 0.9;                     // handoff.sigma
  std::int64_t min_ms = 15'000;           // handoff.minMs
  std::int64_t max_ms = 900'000;          // handoff.maxMs
};

struct bursts_config {
  bool enabled = true;         // bursts.enabled
  double probability = 0.10;   // bursts.probability
  std::int64_t gap_ms = 30'000; // bursts.gapMs
};

struct energy_config {
  double start = 1.0;         // energy.start
  double per_session = 0.12;  // energy.perSession
  double floor = 0.15;        // energy.floor
};

struct unfollow_trigger_config {
  std::string type = "threshold"; // unfollowTrigger.type (only threshold)
  std::int64_t threshold = 50;    // unfollowTrigger.threshold
  std::string activity = "unfollow"; // the gated activity (YAML: unfollowTrigger.activity)
  std::string counts = "follow";     // whose daily done-count opens the gate (unfollowTrigger.counts)
};

struct stories_policy_config {
  std::string mode = "fluid";          // storiesPolicy.mode (fluid | fixed)
  double rarity_bias = 0.3;            // storiesPolicy.rarityBias
  std::int64_t min_gap_ms = 5'400'000; // storiesPolicy.minGapMs
  std::string activity = "stories";    // the fluid activity (storiesPolicy.activity)
};

struct recovery_config {
  int max_recovery_steps = 5;          // recovery.maxRecoverySteps
  std::int64_t retry_backoff_ms = 30'000; // recovery.retryBackoffMs (first step's wait)
  double backoff_factor = 2.0;         // recovery.backoffFactor (growth per step)
  std::int64_t cooldown_ms = 21'600'000; // recovery.cooldownMs: parked accounts retry after this (0 = never)
  std::vector<std::string> steps{"homepage", "back", "refresh", "reopen", "restart-profile"};
  std::string script = "recover.js";   // recovery.script: the driver script for `recover --step`
};

// One activity a session can run. Exactly one of `count` / `seconds` is set.
struct activity_config {
  std::string name;                    // the key under `activities`
  std::string script;                  // activities.X.script
  std::optional<int_range> count;      // activities.X.count   -> --count n
  std::optional<int_range> seconds;    // activities.X.seconds -> --seconds s
  std::int64_t timeout_ms = 0;         // activities.X.timeoutMs (0 = derived: seconds.max*1000*2 + 120000, or 900000)
  bool consumes_targets = false;       // activities.X.targets: gets --targets FILE --cursor N
};

struct mood_config {
  std::string name;
  minute_of_day start = 0;             // "HH:MM"
  minute_of_day end = 0;               // "HH:MM"; end < start wraps midnight
  bool sleep = false;
  double idle = 1.0;                   // idle spacing multiplier
  double burst = 1.0;                  // burst probability multiplier
  std::map<std::string, double> weights; // activity -> weight multiplier (missing = 1)
};

// Returns true iff `minute` lies in the mood's window [start, end); the
// window wraps midnight when end < start and is empty when end == start.
bool mood_covers(const mood_config& mood, minute_of_day minute);

// The mood in force at `minute` where windows overlap: a sleep mood wins,
// otherwise the first listed. nullptr when no mood covers the minute.
const mood_config* mood_at(const std::vector<mood_config>& moods, minute_of_day minute);

struct pod_config {
  std::string name;
  std::vector<std::string> accounts;   // profile ids, in rotation order
  std::string timezone;                // empty = the config's `timezone`
  std::map<std::string, std::string> targets; // profile id -> follow targets file
};

struct db_config {
  std::string url = "sqlite:troupe.db"; // sqlite:PATH | postgresql://...
  int busy_timeout_ms = 5000;           // SQLite busy timeout
};

struct http_config {
  std::string address = "127.0.0.1";
  int port = 8080;
  std::string admin_token;              // ADMIN_TOKEN in the environment wins
  // How long one walk of the actor tree serves /api/actors, /api/pods and
  // /api/accounts; 0 = a walk per request. Applied on reload.
  int tree_refresh_ms = 1000;
};

// The longest http.treeRefreshMs: a minute-old tree is as stale as it may get.
constexpr int longest_tree_refresh_ms = 60000;

struct log_config {
  std::string level = "info";           // trace|debug|info|warn|error|critical|off
  std::string file = "troupe.log";      // empty = console only
  std::int64_t max_size_bytes = 5 * 1024 * 1024;
  int max_files = 3;
  bool json = false;                    // JSON lines in the file
};

// Safety flags of the content pipeline; the environment overrides them.
struct flags_config {
  std::string mode = "shadow";          // MODE: shadow | live
  bool posting_disabled = true;         // POSTING_DISABLED
  bool live_posts = false;              // LIVE_POSTS
  bool real_metrics_enabled = false;    // REAL_METRICS_ENABLED
  bool ai_quota_circuit_open = false;   // AI_QUOTA_CIRCUIT_OPEN
  double daily_openai_limit_usd = 10.0; // DAILY_OPENAI_LIMIT_USD
  bool disable_llm_when_budget_hit = true; // DISABLE_LLM_WHEN_BUDGET_HIT
  double dup_cosine_threshold = 0.85;   // DUP_COSINE_THRESHOLD
  double min_quality_score = 0.7;       // MIN_QUALITY_SCORE
  std::string openai_model = "gpt-4o-mini"; // OPENAI_MODEL
  std::string embed_model = "text-embedding-3-small"; // EMBED_MODEL
  int max_posts_per_hour = 4;           // MAX_POSTS_PER_HOUR
  int min_post_interval_minutes = 10;   // MIN_POST_INTERVAL_MINUTES
  int runtime_preflight_timeout_ms = 10000; // RUNTIME_PREFLIGHT_TIMEOUT_MS, clamped 3000..20000
  bool harvesting_enabled = false;      // HARVESTING_ENABLED
  bool auto_approve = false;            // AUTO_APPROVE: live replies and posts skip human approval
  double similarity_threshold = 0.85;   // SIMILARITY_THRESHOLD: duplicate bound of the local embedding
};

struct drivers_config {
  std::string command = "node";         // the driver program (--driver replaces it)
  std::string working_dir;              // empty = the daemon's working directory
  std::map<std::string, std::string> env; // extra environment for drivers
  std::vector<std::string> pass_env;    // daemon environment variables passed through (secrets)
  std::string log_dir = "session-logs"; // per-session log files
  std::int64_t kill_grace_ms = 5000;    // SIGTERM -> SIGKILL
  std::int64_t max_output_bytes = 1 << 20; // captured stdout bound per session
  std::map<std::string, std::string> verbs{{"whoami", "whoami.js"}, {"harvest", "harvest.js"},
                                           {"preflight", "preflight.js"}, {"post", "post.js"},
                                           {"metrics", "metrics.js"}, {"lookup", "lookup.js"}};
};

// The exponential backoff of failed actions (see runtime/aol/retry_policy.hpp):
// the n-th failure waits base * multiplier^(n-1), capped at maxMs, minus a
// random share of up to `jitter` of it.
struct aol_backoff_config {
  std::int64_t base_ms = 10'000;    // aol.backoff.baseMs
  double multiplier = 2.0;          // aol.backoff.multiplier, >= 1
  std::int64_t max_ms = 3'600'000;  // aol.backoff.maxMs, >= baseMs
  double jitter = 0.5;              // aol.backoff.jitter, in [0, 1]
};

// The most actions one tick claims (the queue's own bound, max_claim_batch).
constexpr int max_aol_batch = 1000;
// The most adapters the loop runs at once (each is a thread).
constexpr int max_aol_parallel = 64;

// The autonomous operations loop (`troupe daemon`, and the loop in `troupe run`).
struct aol_config {
  std::int64_t tick_ms = 1000;              // aol.tickMs: from one tick's start to the next
  std::int64_t lease_ttl_ms = 15'000;       // aol.leaseTtlMs: the single-daemon lease; > tickMs
  std::int64_t action_lease_ms = 60'000;    // aol.actionLeaseMs: per action, renewed while it runs
  int max_batch = 32;                       // aol.maxBatch: actions claimed per tick, 1..max_aol_batch
  int max_attempts = 5;                     // aol.maxAttempts: enqueue's default
  aol_backoff_config backoff;               // aol.backoff
  std::int64_t decision_timeout_ms = 86'400'000;   // aol.decisionTimeoutMs: then auto-skip
  std::int64_t retention_ms = 7LL * 86'400'000;    // aol.retentionMs: finished actions kept this long
  std::string data_dir = "aol-data";        // aol.dataDir: PROOF artifacts go to DATA_DIR/proof
  std::string notify_webhook;               // aol.notifyWebhook: http:// URL NOTIFY posts to; empty = NOTIFY fails
  bool proof = true;                        // aol.proof: the `proof` control flag of a new database (AOL_PROOF_MODE overrides)
  std::int64_t held_recheck_ms = 60'000;    // aol.heldRecheckMs: a held action is looked at again after this
  int max_parallel = 4;                     // aol.maxParallel: adapters running at once, 1..max_aol_parallel
};

// One periodic job of the content pipeline (jobs.<name>): an actor under
// the supervisor runs it every `everyMs` while enabled; an operator may run
// it once at any time (POST /admin/jobs/run?job=NAME), enabled or not.
struct job_config {
  bool enabled = true;                // jobs.<name>.enabled
  std::int64_t every_ms = 3'600'000;  // jobs.<name>.everyMs: from one run's start to the next
  int batch = 5;                      // jobs.<name>.batch: items a run takes (posting, execute), >= 1
  std::int64_t jitter_ms = 0;         // jobs.<name>.jitterMs: each timed run comes up to this much later, at random
};

// The jobs whose config takes `batch`.
bool job_takes_batch(const std::string& name);

// The jobs a config may name, with their defaults: plan (hourly), reply
// (the reply planner, every 15-30 min: 15 min and up to 15 more), posting (every minute, 5 posts a run),
// collect (every 4 h), learn (hourly), harvest (every 15 min: the freshness
// policy decides whether it harvests), schedule (every 10 min) and execute
// (every minute, 5 replies a run), monitor (every minute) and cleanup (hourly).
std::map<std::string, job_config> default_jobs();

// A content arm the plan job chooses between (Thompson sampling): what to
// write about (topic, the rotation gate's cluster) and how (angle).
struct content_arm_config {
  std::string name;   // the arm's id in bandit_arms
  std::string topic;  // content.arms[].topic
  std::string angle;  // content.arms[].angle
};

// The default arms: four topics, four angles, so rotation can pass.
std::vector<content_arm_config> default_content_arms();

// The quality gate's scorer (runtime/content/gates.hpp documents the formula).
struct content_quality_config {
  int min_chars = 40;                       // content.quality.minChars
  int max_chars = 280;                      // content.quality.maxChars
  std::vector<std::string> banned_phrases{  // content.quality.bannedPhrases (case-insensitive)
      "click here", "follow for follow", "link in bio", "guaranteed"};
  int max_hashtags = 3;                     // content.quality.maxHashtags
  int max_links = 1;                        // content.quality.maxLinks
  double llm_weight = 0.5;                  // content.quality.llmWeight: share of an LLM rating, 0..1
};

// The reply pipeline (harvester -> planner -> scheduler -> executor):
// content.reply. runtime/content/reply_policy.hpp says how each is used.
struct reply_pipeline_config {
  int harvest_now_below = 50;                // harvestNowBelow: fresh_12h below this harvests now
  int harvest_skip_at = 200;                 // harvestSkipAt: fresh_12h at or above this skips
  std::int64_t harvest_min_every_ms = 7'200'000;   // harvestMinEveryMs: in between, every 2..
  std::int64_t harvest_max_every_ms = 14'400'000;  // harvestMaxEveryMs: ..4 h
  int max_target_age_hours = 24;             // maxTargetAgeHours: older targets get no reply
  int schedule_per_run = 5;                  // schedulePerRun: replies one scheduler run schedules
  std::int64_t spacing_ms = 600'000;         // spacingMs: between one account's scheduled replies
  std::int64_t claim_stale_ms = 300'000;     // claimStaleMs: a claim older than this is taken again
  int preflight_window = 10;                 // preflightWindow: "no ok preflight in the last N"
};

struct content_config {
  std::vector<content_arm_config> arms = default_content_arms();  // content.arms
  // content.timingSlots: "HH:MM" in the config's time zone, the timing arms (UCB1).
  std::vector<std::string> timing_slots{"09:00", "12:30", "18:00"};
  int max_queued_per_account = 3;  // content.maxQueuedPerAccount: plan only below this
  int replies_per_run = 5;         // content.repliesPerRun: opportunities one reply run takes
  // content.platformMaxPostsPerHour: posts of all accounts together in any
  // sliding hour; 0 = no cap (MAX_POSTS_PER_HOUR limits each account).
  int platform_max_posts_per_hour = 0;
  // content.outcomeHorizonsHours: the collector reads a post's metrics once
  // after it is posted and again this many hours after it, each >= 1.
  std::vector<int> outcome_horizons_hours{24, 168};
  content_quality_config quality;  // content.quality
  reply_pipeline_config reply;     // content.reply
};

// Human approval of what the pipeline would publish (live mode only).
struct approval_config {
  bool posts = false;  // approval.posts: posts wait for an operator too (replies always do)
};

// What a model costs, in USD per million tokens.
struct llm_price {
  double input = 0.0;   // prompt tokens
  double output = 0.0;  // completion tokens
};

// The LLM client's circuit breaker (see runtime/llm/breaker.hpp).
struct llm_breaker_config {
  int failures = 5;                 // llm.breaker.failures: consecutive failed calls that open it, >= 1
  std::int64_t cooldown_ms = 60'000;  // llm.breaker.cooldownMs: open this long, then one probe; > 0
};

// The most retries of one LLM call.
constexpr int max_llm_retries = 10;

// The OpenAI-compatible LLM client (runtime/llm/client.hpp). The model used
// is OPENAI_MODEL from the environment when set, else `model` when not
// empty, else flags.openaiModel (likewise EMBED_MODEL, embedModel,
// flags.embedModel): see runtime/llm/settings.hpp.
struct llm_config {
  std::string base_url = "https://api.openai.com/v1";  // llm.baseUrl: http:// or https://
  std::string model;                   // llm.model: the chat model; empty = flags.openaiModel
  std::string embed_model;             // llm.embedModel: empty = flags.embedModel
  std::string api_key_env = "OPENAI_API_KEY";  // llm.apiKeyEnv: the NAME of the variable holding the key
  std::string ca_file;                 // llm.caFile: PEM CAs trusted besides the system's
  std::int64_t connect_timeout_ms = 5000;    // llm.connectTimeoutMs, > 0
  std::int64_t request_timeout_ms = 60'000;  // llm.requestTimeoutMs: per HTTP attempt, > 0
  int max_retries = 2;                 // llm.maxRetries: 0..max_llm_retries
  llm_breaker_config breaker;          // llm.breaker
  // llm.prices: model -> price; a config's entries replace or add to these.
  std::map<std::string, llm_price> prices{{"gpt-4o-mini", {0.15, 0.60}},
                                          {"text-embedding-3-small", {0.02, 0.0}}};
};

// job:monitor: the thresholds of its conditions (runtime/ops/monitor.hpp).
struct monitor_config {
  std::int64_t heartbeat_timeout_ms = 15'000;  // monitor.heartbeatTimeoutMs: an actor not answering the probe this long is stale
  int backlog_ticks = 5;                       // monitor.backlogTicks: the queue's backlog grew this many monitor runs in a row, >= 2
  int error_streak = 5;                        // monitor.errorStreak: an account's failed sessions in a row, >= 1
  std::int64_t min_free_disk_bytes = 512LL * 1024 * 1024;  // monitor.minFreeDiskBytes: under the data and log directories
  int no_post_hours = 24;                      // monitor.noPostHours: no decision posted this long while posting is allowed, >= 1
  std::int64_t resolved_shown_ms = 86'400'000;  // monitor.resolvedShownMs: resolved issues GET /api/monitor-issues still lists
};

// The status report written to DATA_DIR/reports (aol.dataDir) as JSON and text.
struct report_config {
  std::int64_t every_ms = 300'000;  // report.everyMs: 0 = not written (GET /api/report still answers)
};

// job:cleanup.
struct cleanup_config {
  int keep_days = 7;  // cleanup.keepDays: session logs, PROOF artifacts and report files older than this go, >= 1
};

// The operator's webhook (Alertmanager-shaped payloads through the action queue).
struct notify_config {
  std::string url;                 // notify.url: http:// URL; empty = no notifications
  std::int64_t group_ms = 30'000;  // notify.groupMs: alerts raised within this window go in one call
  int max_per_hour = 30;           // notify.maxPerHour: webhook calls per hour at most, >= 1
};

// Cluster mode (`troupe run --cluster`): several nodes on one PostgreSQL,
// each pod held by one node under a lease timed by the database's clock.
// Read at start.
struct cluster_config {
  std::string node_id;  // cluster.nodeId: unique per node; empty = the host name
  // cluster.leaseTtlMs: a pod's or a permit's lease lasts this long unless renewed.
  std::int64_t lease_ttl_ms = 15'000;
  // cluster.heartbeatMs: how often a node heartbeats and renews its leases, >= 100.
  std::int64_t heartbeat_ms = 3'000;
  // cluster.marginMs: a node that could not renew stops its sessions and
  // pods this long before its leases would expire; leaseTtlMs must leave
  // room for two renewals besides it.
  std::int64_t margin_ms = 5'000;
  int max_pods_per_node = 0;  // cluster.maxPodsPerNode: 0 = no cap
};

// The reference activities and moods, used when a config omits them.
std::vector<activity_config> default_activities();
std::vector<mood_config> default_moods();

struct troupe_config {
  // Runner (smart-runner.json).
  int concurrency = 1;
  int accounts_per_pod = 5;
  std::int64_t tick_ms = 120'000;
  idle_config idle;
  handoff_config handoff;
  bursts_config bursts;
  energy_config energy;
  std::map<std::string, double> base_weights{
      {"follow", 0.35}, {"unfollow", 0.20}, {"reels", 0.80}, {"stories", 0.10}};
  unfollow_trigger_config unfollow_trigger;
  stories_policy_config stories_policy;
  recovery_config recovery;
  std::vector<activity_config> activities = default_activities(); // in file order

  // Moods (moods.json).
  std::string timezone = "UTC";
  std::vector<mood_config> moods = default_moods();

  // Pods (runner-groups.json), in file order.
  std::vector<pod_config> pods;

  // The daemon's own sections.
  db_config db;
  http_config http;
  log_config log;
  flags_config flags;
  drivers_config drivers;
  aol_config aol;
  llm_config llm;

  // The content pipeline's sections.
  std::map<std::string, job_config> jobs = default_jobs();
  content_config content;
  approval_config approval;

  // Operations.
  monitor_config monitor;
  report_config report;
  cleanup_config cleanup;
  notify_config notify;

  // Cluster mode.
  cluster_config cluster;

  // The activity named `name`, or nullptr.
  const activity_config* find_activity(const std::string& name) const;
};

// The timeout of a session of `activity`: its timeoutMs, or when 0 the
// derived one (seconds.max * 2 s + 120 s for a timed activity, 900 s otherwise).
std::int64_t session_timeout_ms(const activity_config& activity);

} // namespace troupe::config
