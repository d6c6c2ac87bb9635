-- Episodes of care and the patient's DMP decisions for the care team, with
-- their history (the current decision is the latest of its kind).

CREATE TABLE episode (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    label TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX episode_patient ON episode (patient_id);

CREATE TABLE dmp_decision (
    episode_id TEXT NOT NULL REFERENCES episode (id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('alimentation', 'consultation')),
    value TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (episode_id, seq)
);
