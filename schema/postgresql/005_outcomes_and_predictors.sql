-- What the collector and the learn job keep.
--
-- outcomes: every engagement count the driver's `metrics` verb reports, the
-- engagement rate computed from them (er_calculated), and the horizon the
-- row was collected at ('first' after posting, then e.g. '24h', '168h'):
-- one row per decision and horizon. collected_at is Unix epoch ms, like
-- content_metadata's times.
ALTER TABLE outcomes RENAME COLUMN engagement_rate TO er_calculated;
ALTER TABLE outcomes RENAME COLUMN collected_at_ms TO collected_at;
ALTER TABLE outcomes ADD COLUMN retweets BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outcomes ADD COLUMN bookmarks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outcomes ADD COLUMN quotes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outcomes ADD COLUMN horizon TEXT NOT NULL DEFAULT 'first';
CREATE UNIQUE INDEX outcomes_by_horizon ON outcomes (decision_id, horizon);

-- predictors: the learn job's versioned models (weights: their JSON) with
-- the metrics measured on the samples held out of training.
ALTER TABLE predictors ADD COLUMN holdout_samples BIGINT NOT NULL DEFAULT 0;
ALTER TABLE predictors ADD COLUMN holdout_r2 DOUBLE PRECISION;
ALTER TABLE predictors ADD COLUMN holdout_log_loss DOUBLE PRECISION;
