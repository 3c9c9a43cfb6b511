-- Actions the safety switches hold back (held_reason, still PENDING) and
-- PROOF rehearsals that leave an action PROOFED with its artifact instead of
-- consuming it. SQLite cannot change a CHECK constraint in place, so the
-- queue and its logs are rebuilt; the logs are rebuilt first against the new
-- table, so that dropping the old tables cascades into nothing.
CREATE TABLE aol_actions_v2 (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  idempotency_key TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'RETRY', 'DLQ', 'NEEDS_DECISION', 'CANCELLED', 'PROOFED')),
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
  finished_at_ms BIGINT,
  held_reason TEXT,
  proof_artifact TEXT
);
INSERT INTO aol_actions_v2 (id, type, payload, idempotency_key, status, priority, attempts, max_attempts, run_at_ms, next_attempt_at_ms, lease_owner, lease_expires_at_ms, lease_token, last_error, decision, created_at_ms, updated_at_ms, finished_at_ms)
  SELECT id, type, payload, idempotency_key, status, priority, attempts, max_attempts, run_at_ms, next_attempt_at_ms, lease_owner, lease_expires_at_ms, lease_token, last_error, decision, created_at_ms, updated_at_ms, finished_at_ms FROM aol_actions;
CREATE TABLE aol_execution_logs_v2 (
  id INTEGER PRIMARY KEY,
  action_id BIGINT NOT NULL REFERENCES aol_actions_v2 (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  lease_token TEXT,
  started_at_ms BIGINT NOT NULL,
  ended_at_ms BIGINT,
  outcome TEXT,
  error TEXT,
  artifact TEXT
);
INSERT INTO aol_execution_logs_v2 SELECT id, action_id, attempt, lease_token, started_at_ms, ended_at_ms, outcome, error, artifact FROM aol_execution_logs;
DROP TABLE aol_execution_logs;
DROP TABLE aol_actions;
-- Renaming also renames the logs' reference to the queue (SQLite >= 3.26).
ALTER TABLE aol_actions_v2 RENAME TO aol_actions;
ALTER TABLE aol_execution_logs_v2 RENAME TO aol_execution_logs;
CREATE INDEX aol_actions_due ON aol_actions (status, priority, next_attempt_at_ms);
CREATE INDEX aol_actions_leases ON aol_actions (status, lease_expires_at_ms);
CREATE INDEX aol_actions_by_creation ON aol_actions (created_at_ms);
CREATE INDEX aol_execution_logs_by_action ON aol_execution_logs (action_id, attempt);
