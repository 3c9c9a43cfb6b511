-- The content decision pipeline's tables as its jobs use them (DESIGN.md,
-- "Content decision pipeline"): content_metadata keyed by a decision id (a
-- UUID as text), with the bandit arms, gate inputs and the life of a post;
-- api_usage with one row per LLM call; bandit_arms per scope; and
-- reply_opportunities per (account, target). posted_decisions, outcomes and
-- strategy_rewards now point at a decision id.
--
-- Times are Unix epoch milliseconds (BIGINT), also in columns whose names
-- DESIGN.md gives without the _ms suffix: scheduled_at, created_at,
-- updated_at, discovered_at, taken_at. content_metadata.embedding is the
-- vector as a JSON array of numbers ("[0.12,-0.5,...]", TEXT, NULL when
-- none), with embedding_model naming the model that made it; features is a
-- JSON object as TEXT.
--
-- 001 created these tables in an earlier shape that nothing wrote yet. Their
-- rows, if any, are carried over through temporary copies: a content row
-- becomes decision 'legacy-<id>'; other rows get new ids (on PostgreSQL a
-- BIGSERIAL sequence would otherwise fall behind its table). The same steps
-- run on PostgreSQL (schema/postgresql/003_content_pipeline.sql).

CREATE TEMP TABLE content_metadata_001 AS SELECT * FROM content_metadata;
CREATE TEMP TABLE posted_decisions_001 AS SELECT * FROM posted_decisions;
CREATE TEMP TABLE outcomes_001 AS SELECT * FROM outcomes;
CREATE TEMP TABLE strategy_rewards_001 AS SELECT * FROM strategy_rewards;
CREATE TEMP TABLE bandit_arms_001 AS SELECT * FROM bandit_arms;
CREATE TEMP TABLE api_usage_001 AS SELECT * FROM api_usage;
CREATE TEMP TABLE reply_opportunities_001 AS SELECT * FROM reply_opportunities;

DROP TABLE strategy_rewards;
DROP TABLE outcomes;
DROP TABLE posted_decisions;
DROP TABLE content_metadata;
DROP TABLE bandit_arms;
DROP TABLE api_usage;
DROP TABLE reply_opportunities;

-- One row per generated post, thread or reply and what became of it.
-- aol_action_id is the approval or post action (no foreign key: finished
-- actions are pruned, the decision stays).
CREATE TABLE content_metadata (
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
  status TEXT NOT NULL CHECK (status IN ('queued', 'awaiting_approval', 'posting', 'posted', 'skipped', 'failed', 'unconfirmed')),
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
  updated_at BIGINT NOT NULL
);
CREATE INDEX content_metadata_due ON content_metadata (status, scheduled_at);
CREATE INDEX content_metadata_by_account ON content_metadata (account_id, created_at);
CREATE INDEX content_metadata_by_type ON content_metadata (decision_type, status);
CREATE INDEX content_metadata_by_pipeline ON content_metadata (pipeline_source);
CREATE INDEX content_metadata_by_time ON content_metadata (created_at);
CREATE UNIQUE INDEX content_metadata_by_action ON content_metadata (aol_action_id);

CREATE TABLE posted_decisions (
  id INTEGER PRIMARY KEY,
  decision_id TEXT NOT NULL UNIQUE REFERENCES content_metadata (decision_id),
  platform_post_id TEXT NOT NULL,
  posted_at_ms BIGINT NOT NULL
);
CREATE INDEX posted_decisions_by_time ON posted_decisions (posted_at_ms);

CREATE TABLE outcomes (
  id INTEGER PRIMARY KEY,
  decision_id TEXT NOT NULL REFERENCES content_metadata (decision_id),
  post_id TEXT NOT NULL,
  collected_at_ms BIGINT NOT NULL,
  impressions BIGINT NOT NULL DEFAULT 0,
  likes BIGINT NOT NULL DEFAULT 0,
  replies BIGINT NOT NULL DEFAULT 0,
  engagement_rate DOUBLE PRECISION,
  simulated INTEGER NOT NULL DEFAULT 0 CHECK (simulated IN (0, 1))
);
CREATE INDEX outcomes_by_decision ON outcomes (decision_id, collected_at_ms);
CREATE INDEX outcomes_by_time ON outcomes (collected_at_ms);

CREATE TABLE strategy_rewards (
  id INTEGER PRIMARY KEY,
  arm TEXT NOT NULL,
  reward DOUBLE PRECISION NOT NULL,
  at_ms BIGINT NOT NULL,
  decision_id TEXT REFERENCES content_metadata (decision_id)
);
CREATE INDEX strategy_rewards_by_arm ON strategy_rewards (arm, at_ms);

-- A bandit's arms by scope (content, timing, ...), with the state its kind keeps.
CREATE TABLE bandit_arms (
  scope TEXT NOT NULL,
  arm TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('thompson', 'ucb')),
  alpha DOUBLE PRECISION NOT NULL DEFAULT 1,
  beta DOUBLE PRECISION NOT NULL DEFAULT 1,
  pulls BIGINT NOT NULL DEFAULT 0,
  reward_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, arm)
);

-- One row per LLM call (or call refused before it was made); the daily
-- budget sums cost_usd over a UTC day of at_ms.
CREATE TABLE api_usage (
  id INTEGER PRIMARY KEY,
  request_id TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL CHECK (kind IN ('chat', 'embedding')),
  model TEXT NOT NULL,
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'refused')),
  failure_reason TEXT,
  latency_ms BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 1,
  at_ms BIGINT NOT NULL
);
CREATE INDEX api_usage_by_time ON api_usage (at_ms);

-- Posts an account could reply to, found by the harvester; taken once.
CREATE TABLE reply_opportunities (
  id INTEGER PRIMARY KEY,
  account_id TEXT NOT NULL,
  target_post_id TEXT NOT NULL,
  target_author_id TEXT NOT NULL DEFAULT '',
  target_text TEXT NOT NULL DEFAULT '',
  target_url TEXT NOT NULL DEFAULT '',
  discovered_at BIGINT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'taken', 'skipped', 'expired')),
  decision_id TEXT,
  taken_at BIGINT,
  UNIQUE (account_id, target_post_id)
);
CREATE INDEX reply_opportunities_open ON reply_opportunities (status, account_id, discovered_at);
CREATE INDEX reply_opportunities_by_time ON reply_opportunities (discovered_at);

-- The rows of the 001 shape --------------------------------------------------

INSERT INTO content_metadata (decision_id, decision_type, account_id, content, bandit_arm, timing_arm, quality_score, generation_source, status, scheduled_at, topic_cluster, angle, skip_reason, pipeline_source, target_post_id, embedding, created_at, updated_at)
  SELECT 'legacy-' || id, CASE WHEN kind IN ('single', 'thread', 'reply') THEN kind ELSE 'single' END, account_id, text, COALESCE(arm, ''), COALESCE(slot, ''), quality, 'real', status, scheduled_at_ms, topic, angle, skip_reason, pipeline_source, target_id, CASE WHEN embedding LIKE '[%]' THEN embedding END, created_at_ms, created_at_ms FROM content_metadata_001;
INSERT INTO posted_decisions (decision_id, platform_post_id, posted_at_ms)
  SELECT 'legacy-' || content_id, platform_post_id, posted_at_ms FROM posted_decisions_001;
INSERT INTO outcomes (decision_id, post_id, collected_at_ms, impressions, likes, replies, engagement_rate, simulated)
  SELECT 'legacy-' || content_id, post_id, collected_at_ms, impressions, likes, replies, engagement_rate, simulated FROM outcomes_001;
INSERT INTO strategy_rewards (arm, reward, at_ms, decision_id)
  SELECT arm, reward, at_ms, CASE WHEN content_id IS NULL THEN NULL ELSE 'legacy-' || content_id END FROM strategy_rewards_001;
INSERT INTO bandit_arms (scope, arm, kind, alpha, beta, pulls, reward_sum, updated_at)
  SELECT kind, arm, 'thompson', alpha, beta, pulls, reward_sum, updated_at_ms FROM bandit_arms_001;
INSERT INTO api_usage (request_id, kind, model, prompt_tokens, completion_tokens, cost_usd, status, attempts, at_ms)
  SELECT '', 'chat', model, tokens_in, tokens_out, cost_usd, 'ok', 1, at_ms FROM api_usage_001;
INSERT INTO reply_opportunities (account_id, target_post_id, target_author_id, target_text, discovered_at, status)
  SELECT account_id, target_id, author, text, harvested_at_ms, CASE WHEN status IN ('open', 'taken', 'skipped', 'expired') THEN status WHEN status = 'new' THEN 'open' ELSE 'expired' END FROM reply_opportunities_001;

DROP TABLE content_metadata_001;
DROP TABLE posted_decisions_001;
DROP TABLE outcomes_001;
DROP TABLE strategy_rewards_001;
DROP TABLE bandit_arms_001;
DROP TABLE api_usage_001;
DROP TABLE reply_opportunities_001;
