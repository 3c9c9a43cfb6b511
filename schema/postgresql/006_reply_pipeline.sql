-- The reply pipeline (harvester -> planner -> scheduler -> executor); the
-- same steps as schema/sqlite/006_reply_pipeline.sql, which says what each
-- column means. PostgreSQL changes the CHECK and the unique key in place.

ALTER TABLE content_metadata DROP CONSTRAINT content_metadata_status_check;
ALTER TABLE content_metadata ADD CONSTRAINT content_metadata_status_check CHECK (status IN ('planned', 'scheduled', 'posting_attempt', 'queued', 'awaiting_approval', 'posting', 'posted', 'skipped', 'failed', 'unconfirmed'));
ALTER TABLE content_metadata ADD COLUMN claimed_at BIGINT;
ALTER TABLE content_metadata ADD COLUMN runtime_preflight_status TEXT CHECK (runtime_preflight_status IN ('ok', 'deleted', 'timeout', 'error'));
CREATE INDEX content_metadata_by_claim ON content_metadata (claimed_at);

DELETE FROM reply_opportunities WHERE id NOT IN (SELECT MIN(id) FROM reply_opportunities GROUP BY target_post_id);
ALTER TABLE reply_opportunities DROP CONSTRAINT reply_opportunities_account_id_target_post_id_key;
ALTER TABLE reply_opportunities ADD CONSTRAINT reply_opportunities_target_post_id_key UNIQUE (target_post_id);
ALTER TABLE reply_opportunities ADD COLUMN target_posted_at BIGINT;
ALTER TABLE reply_opportunities ADD COLUMN author_followers BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reply_opportunities ADD COLUMN target_likes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reply_opportunities ADD COLUMN target_replies BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reply_opportunities ADD COLUMN target_reposts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reply_opportunities ADD COLUMN replied_to INTEGER NOT NULL DEFAULT 0 CHECK (replied_to IN (0, 1));
ALTER TABLE reply_opportunities ADD COLUMN preflight_status TEXT;
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
