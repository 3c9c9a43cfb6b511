-- Operations: the monitor's issues and the fatal issues the daemon records
-- before it gives up.

-- One row per raised condition. An issue is open while resolved_at is NULL;
-- at most one open issue per condition id. A condition raised again after it
-- was resolved gets a new row.
CREATE TABLE monitor_issues (
  id BIGSERIAL PRIMARY KEY,
  condition_id TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title TEXT NOT NULL,
  evidence TEXT NOT NULL DEFAULT '',
  suggested_action TEXT NOT NULL DEFAULT '',
  first_seen_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  resolved_at BIGINT
);
CREATE INDEX monitor_issues_by_condition ON monitor_issues (condition_id, resolved_at);
CREATE INDEX monitor_issues_by_resolved ON monitor_issues (resolved_at);

-- What made the daemon give up (supervisor escalation, failed migrations,
-- the store lost at start). Also written as a JSON file in the data
-- directory, because the database may be what failed.
CREATE TABLE fatal_issues (
  id BIGSERIAL PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  node TEXT NOT NULL DEFAULT ''
);
CREATE INDEX fatal_issues_by_time ON fatal_issues (at_ms);
