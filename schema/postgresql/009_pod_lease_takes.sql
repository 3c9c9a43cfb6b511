-- Every take of a pod lease (cluster mode), for the views' recent
-- hand-overs: who took which pod with which epoch, from whom, and whether
-- the previous holder released it (previous_expires_at 0) or let it expire.
-- Times are the database's clock, epoch ms.
CREATE TABLE pod_lease_takes (
  id BIGSERIAL PRIMARY KEY,
  pod TEXT NOT NULL,
  node TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  previous_node TEXT,
  previous_expires_at BIGINT,
  taken_at BIGINT NOT NULL
);
CREATE INDEX pod_lease_takes_by_time ON pod_lease_takes (taken_at);
