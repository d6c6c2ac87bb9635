-- The outbox becomes the one job runner's queue: each job says what it is
-- (a French label), which patient it concerns (listing and scoping), and
-- how it ended when it did not succeed: cancelled before it ran, or given
-- up after its last try. Both also set done_at, so that claims skip them.
ALTER TABLE outbox ADD COLUMN label TEXT;
ALTER TABLE outbox ADD COLUMN patient_id TEXT;
ALTER TABLE outbox ADD COLUMN cancelled_at BIGINT;
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;
CREATE INDEX outbox_patient ON outbox (patient_id, created_at);
