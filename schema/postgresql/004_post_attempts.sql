-- The write-ahead mark of a post attempt: set (to the attempt's start, Unix
-- epoch ms) just before the driver's irreversible `post` call and cleared
-- once the attempt's outcome is known. A later attempt that finds it set
-- knows an earlier one may have posted without reporting (the daemon was
-- killed, the lease was lost), so it reconciles before posting again.
ALTER TABLE content_metadata ADD COLUMN post_attempt_started_at BIGINT;
