-- RUN_SESSION in cluster mode: the AOL loop runs on one node (the holder of
-- aol_lease) but a session runs only on the node holding the pod lease of
-- its account. The loop files a request for that node; the node claims it,
-- runs the session through its tree and records how it ended; the loop's
-- attempt waits for that. Times are the database's clock, epoch ms.
CREATE TABLE cluster_session_requests (
  id BIGSERIAL PRIMARY KEY,
  node TEXT NOT NULL,
  pod TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  account_id TEXT NOT NULL,
  activity TEXT NOT NULL DEFAULT '',
  action_id BIGINT,
  status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'running', 'done', 'withdrawn')),
  session_id TEXT,
  outcome TEXT,
  refusal TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX cluster_session_requests_by_node ON cluster_session_requests (node, status);
