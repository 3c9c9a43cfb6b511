-- Cluster mode (issue 15) is PostgreSQL-only: these tables exist on SQLite
-- so that both backends run the same migrations, and stay empty there.

-- One row per node that ever joined. A node is live while its heartbeat is
-- newer than the database's now minus the cluster's node TTL.
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  address TEXT NOT NULL DEFAULT '',
  version TEXT NOT NULL DEFAULT '',
  started BIGINT NOT NULL,
  heartbeat BIGINT NOT NULL
);

-- Which node runs each pod. Held while expires_at is after the database's
-- now; `node` stays the last holder once it expires or is released. The
-- epoch grows by one with every take and never goes back (rows are never
-- deleted): it is the fencing token every write of the pod's rows names.
CREATE TABLE pod_leases (
  pod TEXT PRIMARY KEY,
  node TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX pod_leases_by_node ON pod_leases (node);

-- The cluster-wide semaphore: its one row holds the capacity (slots above
-- it are never granted) and the pods' turn counter of the fair order.
CREATE TABLE cluster_semaphore (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  capacity INTEGER NOT NULL CHECK (capacity >= 0),
  turns BIGINT NOT NULL DEFAULT 0
);

-- One row per permit slot, never deleted (the token must never go back).
-- Held while expires_at is after now; grantable when not held and
-- available_at (release time + the handoff delay) has passed. The token
-- grows with every grant and fences renewals and releases.
CREATE TABLE cluster_permits (
  slot INTEGER PRIMARY KEY CHECK (slot >= 1),
  token BIGINT NOT NULL DEFAULT 0,
  node TEXT NOT NULL DEFAULT '',
  pod TEXT NOT NULL DEFAULT '',
  account_id TEXT NOT NULL DEFAULT '',
  request_id BIGINT,
  granted_at BIGINT,
  expires_at BIGINT,
  available_at BIGINT NOT NULL DEFAULT 0,
  collected INTEGER NOT NULL DEFAULT 0 CHECK (collected IN (0, 1))
);
CREATE INDEX cluster_permits_by_node ON cluster_permits (node);

-- Waiting requests for a permit, FIFO within a pod by id. A waiter counts
-- while its node is live (a crashed node's waiters are dropped).
CREATE TABLE cluster_permit_waiters (
  id INTEGER PRIMARY KEY,
  node TEXT NOT NULL,
  pod TEXT NOT NULL,
  account_id TEXT NOT NULL,
  requested_at BIGINT NOT NULL
);
CREATE INDEX cluster_permit_waiters_by_pod ON cluster_permit_waiters (pod, id);
CREATE INDEX cluster_permit_waiters_by_node ON cluster_permit_waiters (node);

-- Each waiting pod's place in the round robin: the lowest turn goes first;
-- a pod moves to the back (a new turn) when it is served or starts waiting.
CREATE TABLE cluster_permit_pods (
  pod TEXT PRIMARY KEY,
  turn BIGINT NOT NULL
);
