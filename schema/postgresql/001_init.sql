-- Troupe's first schema (PostgreSQL). Times are Unix epoch milliseconds
-- (BIGINT), JSON is TEXT (the store never queries inside it, and TEXT keeps the
-- repositories identical on both backends), booleans are INTEGER 0/1;
-- schema/sqlite/001_init.sql creates the same tables. Statements end with ";"
-- at the end of a line.

-- Smart runner ---------------------------------------------------------------

-- One row per account: the account actor writes its state through on change.
-- Strings are never NULL: '' means none (running_session, day).
CREATE TABLE accounts (
  account_id TEXT PRIMARY KEY,
  pod TEXT NOT NULL,
  day TEXT NOT NULL DEFAULT '',
  energy DOUBLE PRECISION NOT NULL DEFAULT 1,
  starts_today TEXT NOT NULL DEFAULT '{}',
  done_today TEXT NOT NULL DEFAULT '{}',
  next_eligible_at_ms BIGINT NOT NULL DEFAULT 0,
  last_start_at_ms TEXT NOT NULL DEFAULT '{}',
  last_session_end_ms BIGINT NOT NULL DEFAULT 0,
  error_streak BIGINT NOT NULL DEFAULT 0,
  needs_recovery INTEGER NOT NULL DEFAULT 0 CHECK (needs_recovery IN (0, 1)),
  parked_at_ms BIGINT NOT NULL DEFAULT 0,
  running_session TEXT NOT NULL DEFAULT '',
  targets_cursor BIGINT NOT NULL DEFAULT 0,
  updated_at_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX accounts_by_pod ON accounts (pod);

-- Everything the runner decided or saw, append-only; read by keyset paging on id.
CREATE TABLE runner_events (
  id BIGSERIAL PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  kind TEXT NOT NULL,
  pod TEXT NOT NULL DEFAULT '',
  account_id TEXT NOT NULL DEFAULT '',
  session_id TEXT NOT NULL DEFAULT '',
  activity TEXT NOT NULL DEFAULT '',
  mood TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  duration_ms BIGINT,
  exit_code INTEGER,
  burst INTEGER NOT NULL DEFAULT 0 CHECK (burst IN (0, 1)),
  energy DOUBLE PRECISION,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runner_events_by_time ON runner_events (at_ms);
CREATE INDEX runner_events_by_account ON runner_events (account_id, at_ms);
CREATE INDEX runner_events_by_kind ON runner_events (kind, at_ms);
CREATE INDEX runner_events_by_pod ON runner_events (pod, at_ms);

-- One row per driver session (kind 'session') or recovery step (kind 'recovery').
CREATE TABLE sessions (
  session_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  pod TEXT NOT NULL,
  activity TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('session', 'recovery')),
  step TEXT,
  burst INTEGER NOT NULL DEFAULT 0 CHECK (burst IN (0, 1)),
  started_at_ms BIGINT NOT NULL,
  ended_at_ms BIGINT,
  exit_code INTEGER,
  outcome TEXT,
  result TEXT,
  log_path TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_account ON sessions (account_id, started_at_ms);
CREATE INDEX sessions_by_start ON sessions (started_at_ms);

-- Daily counters per account (day is the pod's local date).
CREATE TABLE runner_summaries (
  account_id TEXT NOT NULL,
  day TEXT NOT NULL,
  pod TEXT NOT NULL DEFAULT '',
  sessions BIGINT NOT NULL DEFAULT 0,
  sessions_by_activity TEXT NOT NULL DEFAULT '{}',
  errors BIGINT NOT NULL DEFAULT 0,
  skips BIGINT NOT NULL DEFAULT 0,
  recoveries BIGINT NOT NULL DEFAULT 0,
  bursts BIGINT NOT NULL DEFAULT 0,
  active_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, day)
);
CREATE INDEX runner_summaries_by_day ON runner_summaries (day);

-- Content decision pipeline --------------------------------------------------

-- Generated posts and replies and what the gates decided.
CREATE TABLE content_metadata (
  id BIGSERIAL PRIMARY KEY,
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  topic TEXT NOT NULL DEFAULT '',
  angle TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL,
  target_id TEXT,
  embedding TEXT,
  quality DOUBLE PRECISION,
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'posted', 'skipped')),
  skip_reason TEXT,
  pipeline_source TEXT NOT NULL DEFAULT '',
  arm TEXT,
  slot TEXT,
  scheduled_at_ms BIGINT,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX content_metadata_due ON content_metadata (status, scheduled_at_ms);
CREATE INDEX content_metadata_by_account ON content_metadata (account_id, created_at_ms);
CREATE INDEX content_metadata_by_time ON content_metadata (created_at_ms);

CREATE TABLE posted_decisions (
  id BIGSERIAL PRIMARY KEY,
  content_id BIGINT NOT NULL UNIQUE REFERENCES content_metadata (id),
  platform_post_id TEXT NOT NULL,
  posted_at_ms BIGINT NOT NULL
);
CREATE INDEX posted_decisions_by_time ON posted_decisions (posted_at_ms);

CREATE TABLE outcomes (
  id BIGSERIAL PRIMARY KEY,
  content_id BIGINT NOT NULL REFERENCES content_metadata (id),
  post_id TEXT NOT NULL,
  collected_at_ms BIGINT NOT NULL,
  impressions BIGINT NOT NULL DEFAULT 0,
  likes BIGINT NOT NULL DEFAULT 0,
  replies BIGINT NOT NULL DEFAULT 0,
  engagement_rate DOUBLE PRECISION,
  simulated INTEGER NOT NULL DEFAULT 0 CHECK (simulated IN (0, 1))
);
CREATE INDEX outcomes_by_content ON outcomes (content_id, collected_at_ms);
CREATE INDEX outcomes_by_time ON outcomes (collected_at_ms);

-- Thompson-sampling arms (kind: content, slot, ...).
CREATE TABLE bandit_arms (
  kind TEXT NOT NULL,
  arm TEXT NOT NULL,
  alpha DOUBLE PRECISION NOT NULL DEFAULT 1,
  beta DOUBLE PRECISION NOT NULL DEFAULT 1,
  pulls BIGINT NOT NULL DEFAULT 0,
  reward_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
  updated_at_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, arm)
);

-- Versioned learned models; weights are JSON.
CREATE TABLE predictors (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  weights TEXT NOT NULL,
  trained_at_ms BIGINT NOT NULL,
  samples BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (name, version)
);

-- LLM cost accounting; the daily budget sums a day's rows.
CREATE TABLE api_usage (
  id BIGSERIAL PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  day TEXT NOT NULL,
  model TEXT NOT NULL,
  tokens_in BIGINT NOT NULL DEFAULT 0,
  tokens_out BIGINT NOT NULL DEFAULT 0,
  cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
  purpose TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_usage_by_day ON api_usage (day);

-- Reply pipeline: harvested targets, one row per target.
CREATE TABLE reply_opportunities (
  id BIGSERIAL PRIMARY KEY,
  target_id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL,
  author TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  harvested_at_ms BIGINT NOT NULL,
  fresh_until_ms BIGINT NOT NULL,
  status TEXT NOT NULL DEFAULT 'new',
  score DOUBLE PRECISION
);
CREATE INDEX reply_opportunities_fresh ON reply_opportunities (status, fresh_until_ms);
CREATE INDEX reply_opportunities_by_harvest ON reply_opportunities (harvested_at_ms);
CREATE INDEX reply_opportunities_by_account ON reply_opportunities (account_id, status);

CREATE TABLE strategy_rewards (
  id BIGSERIAL PRIMARY KEY,
  arm TEXT NOT NULL,
  reward DOUBLE PRECISION NOT NULL,
  at_ms BIGINT NOT NULL,
  content_id BIGINT REFERENCES content_metadata (id)
);
CREATE INDEX strategy_rewards_by_arm ON strategy_rewards (arm, at_ms);

-- Operations -----------------------------------------------------------------

-- Notable daemon happenings (monitor issues, flag changes, reloads).
CREATE TABLE system_events (
  id BIGSERIAL PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  level TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX system_events_by_time ON system_events (at_ms);
CREATE INDEX system_events_by_kind ON system_events (kind, at_ms);

-- Autonomous operations loop -------------------------------------------------

CREATE TABLE aol_control_flags (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);

-- The single-daemon lease; epoch grows with every new holder (fencing token).
CREATE TABLE aol_lease (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL
);

CREATE TABLE aol_tick_ledger (
  id BIGSERIAL PRIMARY KEY,
  started_at_ms BIGINT NOT NULL,
  finished_at_ms BIGINT,
  status TEXT NOT NULL,
  attempted INTEGER NOT NULL DEFAULT 0,
  succeeded INTEGER NOT NULL DEFAULT 0,
  duration_ms BIGINT,
  owner TEXT NOT NULL,
  epoch BIGINT NOT NULL
);
CREATE INDEX aol_tick_ledger_by_time ON aol_tick_ledger (started_at_ms);

-- The durable action queue; the idempotency key keeps an action's effect single.
CREATE TABLE aol_actions (
  id BIGSERIAL PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  idempotency_key TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'RETRY', 'DLQ', 'NEEDS_DECISION', 'CANCELLED')),
  priority INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 3,
  run_at_ms BIGINT NOT NULL,
  next_attempt_at_ms BIGINT NOT NULL,
  lease_owner TEXT,
  lease_expires_at_ms BIGINT,
  lease_token TEXT,
  last_error TEXT,
  decision TEXT,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  finished_at_ms BIGINT
);
CREATE INDEX aol_actions_due ON aol_actions (status, priority, next_attempt_at_ms);
CREATE INDEX aol_actions_leases ON aol_actions (status, lease_expires_at_ms);
CREATE INDEX aol_actions_by_creation ON aol_actions (created_at_ms);

-- One row per attempt at an action.
CREATE TABLE aol_execution_logs (
  id BIGSERIAL PRIMARY KEY,
  action_id BIGINT NOT NULL REFERENCES aol_actions (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  lease_token TEXT,
  started_at_ms BIGINT NOT NULL,
  ended_at_ms BIGINT,
  outcome TEXT,
  error TEXT,
  artifact TEXT
);
CREATE INDEX aol_execution_logs_by_action ON aol_execution_logs (action_id, attempt);
