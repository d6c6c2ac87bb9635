-- Patients (identity under the RNIV/INS rules), their search tokens, and the
-- hash-chained audit trail. Booleans are 0/1 integers and times are Unix
-- milliseconds so that one SQL text serves SQLite and PostgreSQL.

CREATE TABLE patient (
    id TEXT PRIMARY KEY,
    birth_name TEXT NOT NULL,
    used_name TEXT,
    birth_first_names TEXT NOT NULL,
    used_first_name TEXT,
    sex TEXT NOT NULL CHECK (sex IN ('F', 'M', 'U')),
    birth_date TEXT NOT NULL,
    birth_place_cog TEXT,
    ins_matricule TEXT,
    ins_oid TEXT,
    high_trust_document INTEGER NOT NULL,
    from_insi INTEGER NOT NULL,
    homonyme INTEGER NOT NULL,
    douteuse INTEGER NOT NULL,
    fictive INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('provisoire', 'recuperee', 'validee', 'qualifiee')),
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (NOT (douteuse = 1 AND fictive = 1)),
    CHECK ((douteuse = 0 AND fictive = 0) OR (status = 'provisoire' AND ins_matricule IS NULL))
);

CREATE UNIQUE INDEX patient_ins ON patient (ins_matricule, ins_oid) WHERE ins_matricule IS NOT NULL;

-- One row per searchable token (names, first names, birth date, INS), in
-- byte order ("C" collation): prefix search is a range scan of this index.
CREATE TABLE patient_token (
    token TEXT COLLATE "C" NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    PRIMARY KEY (token, patient_id)
);
CREATE INDEX patient_token_patient ON patient_token (patient_id);

CREATE TABLE audit_event (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    patient_id TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_event_patient ON audit_event (patient_id);

-- Append-only: the database refuses changes; `esculape audit verify` finds
-- any made behind its back.
CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
