-- Facts about the stored data itself (e.g. the version of the search
-- tokens, so that a new token scheme re-indexes on start).
CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The chart reads the newest encounters and documents by index order.
DROP INDEX encounter_patient;
CREATE INDEX encounter_patient ON encounter (patient_id, date, created_at);
DROP INDEX document_patient;
CREATE INDEX document_patient ON document (patient_id, act_date, created_at);
