-- Lab results integrated from received reports (issue 20, LGC.MDV.08): one
-- row per result, typed (the ResultatBiologie as JSON in `data`), with the
-- record's document it came from, so that a trend's point opens it.
CREATE TABLE resultat_biologie (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    systeme TEXT NOT NULL,
    code TEXT NOT NULL,
    preleve_le TEXT NOT NULL,
    data TEXT NOT NULL,
    document_id TEXT,
    source TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX resultat_biologie_patient ON resultat_biologie (patient_id, code);
