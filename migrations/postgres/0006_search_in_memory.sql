-- Patient search moved to an index held in memory by each host process
-- (host/store/src/search.rs). A patient row carries the audit sequence
-- number of its last change, so that each process reads only what changed
-- since its last search, including what other processes wrote.
ALTER TABLE patient ADD COLUMN changed_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX patient_changed ON patient (changed_seq);
DROP TABLE patient_token;
DELETE FROM store_meta WHERE key = 'search_tokens';
