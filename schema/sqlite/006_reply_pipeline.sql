-- The reply pipeline (harvester -> planner -> scheduler -> executor).
--
-- content_metadata: three more statuses a reply decision passes before it is
-- queued for the posting orchestrator: planned (the planner wrote it),
-- scheduled (the scheduler chose it and set scheduled_at) and posting_attempt
-- (the executor claimed it at claimed_at and runs the runtime preflight of
-- its target); runtime_preflight_status is that preflight's answer (ok,
-- deleted, timeout, error), also kept in features. SQLite cannot change a
-- CHECK in place, so the table is rebuilt; the migration runner turns
-- foreign keys off around a SQLite step and checks them before committing.
--
-- reply_opportunities: one row per target post (two accounts never reply to
-- the same post; of earlier duplicates the first found stays), with what the
-- harvester saw of the post and its author, replied_to once a reply to it was
-- posted, and preflight_status when the executor's preflight stopped a reply.
--
-- job_last_runs: each job's last run, for `troupe diag` and the pipeline
-- status, which read the database, not the running daemon.
-- harvester_accounts: the harvester's view of each account: its last
-- `whoami` (logged_out_since is set while it answers "not logged in") and its
-- last harvest.

CREATE TABLE content_metadata_006 (
  decision_id TEXT PRIMARY KEY,
  decision_type TEXT NOT NULL CHECK (decision_type IN ('single', 'thread', 'reply')),
  account_id TEXT NOT NULL,
  content TEXT NOT NULL DEFAULT '',
  bandit_arm TEXT NOT NULL DEFAULT '',
  timing_arm TEXT NOT NULL DEFAULT '',
  propensity DOUBLE PRECISION,
  quality_score DOUBLE PRECISION,
  predicted_er DOUBLE PRECISION,
  generation_source TEXT NOT NULL CHECK (generation_source IN ('synthetic', 'real')),
  status TEXT NOT NULL CHECK (status IN ('planned', 'scheduled', 'posting_attempt', 'queued', 'awaiting_approval', 'posting', 'posted', 'skipped', 'failed', 'unconfirmed')),
  scheduled_at BIGINT,
  topic_cluster TEXT NOT NULL DEFAULT '',
  angle TEXT NOT NULL DEFAULT '',
  content_hash TEXT NOT NULL DEFAULT '',
  features TEXT NOT NULL DEFAULT '{}',
  skip_reason TEXT,
  error_message TEXT,
  pipeline_source TEXT NOT NULL DEFAULT '',
  target_post_id TEXT,
  target_author_id TEXT,
  embedding TEXT,
  embedding_model TEXT NOT NULL DEFAULT '',
  aol_action_id BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  post_attempt_started_at BIGINT,
  claimed_at BIGINT,
  runtime_preflight_status TEXT CHECK (runtime_preflight_status IN ('ok', 'deleted', 'timeout', 'error'))
);
INSERT INTO content_metadata_006 (decision_id, decision_type, account_id, content, bandit_arm, timing_arm, propensity, quality_score, predicted_er, generation_source, status, scheduled_at, topic_cluster, angle, content_hash, features, skip_reason, error_message, pipeline_source, target_post_id, target_author_id, embedding, embedding_model, aol_action_id, created_at, updated_at, post_attempt_started_at)
  SELECT decision_id, decision_type, account_id, content, bandit_arm, timing_arm, propensity, quality_score, predicted_er, generation_source, status, scheduled_at, topic_cluster, angle, content_hash, features, skip_reason, error_message, pipeline_source, target_post_id, target_author_id, embedding, embedding_model, aol_action_id, created_at, updated_at, post_attempt_started_at FROM content_metadata;
DROP TABLE content_metadata;
ALTER TABLE content_metadata_006 RENAME TO content_metadata;
CREATE INDEX content_metadata_due ON content_metadata (status, scheduled_at);
CREATE INDEX content_metadata_by_account ON content_metadata (account_id, created_at);
CREATE INDEX content_metadata_by_type ON content_metadata (decision_type, status);
CREATE INDEX content_metadata_by_pipeline ON content_metadata (pipeline_source);
CREATE INDEX content_metadata_by_time ON content_metadata (created_at);
CREATE UNIQUE INDEX content_metadata_by_action ON content_metadata (aol_action_id);
CREATE INDEX content_metadata_by_claim ON content_metadata (claimed_at);

CREATE TABLE reply_opportunities_006 (
  id INTEGER PRIMARY KEY,
  account_id TEXT NOT NULL,
  target_post_id TEXT NOT NULL UNIQUE,
  target_author_id TEXT NOT NULL DEFAULT '',
  target_text TEXT NOT NULL DEFAULT '',
  target_url TEXT NOT NULL DEFAULT '',
  discovered_at BIGINT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'taken', 'skipped', 'expired')),
  decision_id TEXT,
  taken_at BIGINT,
  target_posted_at BIGINT,
  author_followers BIGINT NOT NULL DEFAULT 0,
  target_likes BIGINT NOT NULL DEFAULT 0,
  target_replies BIGINT NOT NULL DEFAULT 0,
  target_reposts BIGINT NOT NULL DEFAULT 0,
  replied_to INTEGER NOT NULL DEFAULT 0 CHECK (replied_to IN (0, 1)),
  preflight_status TEXT
);
INSERT INTO reply_opportunities_006 (id, account_id, target_post_id, target_author_id, target_text, target_url, discovered_at, status, decision_id, taken_at)
  SELECT id, account_id, target_post_id, target_author_id, target_text, target_url, discovered_at, status, decision_id, taken_at FROM reply_opportunities
  WHERE id IN (SELECT MIN(id) FROM reply_opportunities GROUP BY target_post_id);
DROP TABLE reply_opportunities;
ALTER TABLE reply_opportunities_006 RENAME TO reply_opportunities;
CREATE INDEX reply_opportunities_open ON reply_opportunities (status, account_id, discovered_at);
CREATE INDEX reply_opportunities_by_time ON reply_opportunities (discovered_at);
CREATE INDEX reply_opportunities_by_posted ON reply_opportunities (target_posted_at);
CREATE INDEX reply_opportunities_by_decision ON reply_opportunities (decision_id);

CREATE TABLE job_last_runs (
  job TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
  summary TEXT NOT NULL DEFAULT '',
  last_success_at BIGINT
);

CREATE TABLE harvester_accounts (
  account_id TEXT PRIMARY KEY,
  logged_in INTEGER NOT NULL DEFAULT 1 CHECK (logged_in IN (0, 1)),
  checked_at BIGINT,
  logged_out_since BIGINT,
  reason TEXT NOT NULL DEFAULT '',
  last_harvest_at BIGINT,
  last_harvest_count BIGINT NOT NULL DEFAULT 0
);
