-- Actions the safety switches hold back (held_reason, still PENDING) and
-- PROOF rehearsals that leave an action PROOFED with its artifact instead of
-- consuming it.
ALTER TABLE aol_actions ADD COLUMN held_reason TEXT;
ALTER TABLE aol_actions ADD COLUMN proof_artifact TEXT;
ALTER TABLE aol_actions DROP CONSTRAINT aol_actions_status_check;
ALTER TABLE aol_actions ADD CONSTRAINT aol_actions_status_check CHECK (status IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'RETRY', 'DLQ', 'NEEDS_DECISION', 'CANCELLED', 'PROOFED'));
