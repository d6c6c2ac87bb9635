-- Structure, sites and users (accounts and sessions); the patient's contact
-- details and care team; the medical record (encounters and clinical
-- entries); documents with their versions; the agenda; the outbox of work
-- for national services. Same conventions as 0001: 0/1 booleans, Unix
-- milliseconds, text ids.

CREATE TABLE structure (
    id TEXT PRIMARY KEY,
    finess TEXT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('cabinet', 'maison-de-sante', 'centre-de-sante')),
    created_at BIGINT NOT NULL
);

CREATE TABLE site (
    id TEXT PRIMARY KEY,
    structure_id TEXT NOT NULL REFERENCES structure (id),
    name TEXT NOT NULL,
    address TEXT,
    finess TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE app_user (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    rpps TEXT,
    profession TEXT,
    role TEXT NOT NULL CHECK (role IN ('medecin', 'secretaire', 'administrateur')),
    structure_id TEXT REFERENCES structure (id),
    -- argon2id, PHC string
    password_hash TEXT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    failed_logins BIGINT NOT NULL,
    locked_until BIGINT,
    active INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);

-- Only the sha256 of a session token is stored.
CREATE TABLE user_session (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES app_user (id),
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX user_session_user ON user_session (user_id);

CREATE TABLE patient_contact (
    patient_id TEXT PRIMARY KEY REFERENCES patient (id),
    address TEXT,
    postal_code TEXT,
    city TEXT,
    phone TEXT,
    mobile TEXT,
    email TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE care_team_member (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    name TEXT NOT NULL,
    profession TEXT,
    rpps TEXT,
    mssante TEXT,
    relation TEXT,
    created_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX care_team_member_patient ON care_team_member (patient_id);

CREATE TABLE encounter (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    episode_id TEXT REFERENCES episode (id),
    author TEXT NOT NULL,
    date TEXT NOT NULL,
    reason TEXT,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX encounter_patient ON encounter (patient_id, date);

-- One row per problem, antecedent, allergy, treatment, vaccination,
-- measure or observation; `data` is the validated entry (JSON), the other
-- columns index it.
CREATE TABLE clinical_entry (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    encounter_id TEXT REFERENCES encounter (id),
    kind TEXT NOT NULL CHECK (kind IN ('probleme', 'antecedent', 'allergie', 'traitement', 'vaccination', 'mesure', 'observation')),
    label TEXT NOT NULL,
    date TEXT,
    data TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX clinical_entry_patient ON clinical_entry (patient_id, kind);

CREATE TABLE document (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    set_id TEXT NOT NULL,
    version_number BIGINT NOT NULL,
    title TEXT NOT NULL,
    type_code TEXT NOT NULL,
    type_display TEXT,
    format TEXT NOT NULL CHECK (format IN ('cda-n1', 'cda-n3', 'pdf', 'texte', 'image')),
    act_date TEXT NOT NULL,
    provenance TEXT NOT NULL CHECK (provenance IN ('produit', 'dmp', 'mssante', 'importe')),
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('actif', 'remplace', 'supprime')),
    superseded_by TEXT,
    dmp_state TEXT NOT NULL,
    mssante_state TEXT NOT NULL,
    masque_aux_professionnels INTEGER NOT NULL,
    invisible_au_patient INTEGER NOT NULL,
    invisible_aux_representants INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    UNIQUE (set_id, version_number)
);
CREATE INDEX document_patient ON document (patient_id, act_date);

CREATE TABLE document_content (
    document_id TEXT PRIMARY KEY REFERENCES document (id),
    bytes BLOB NOT NULL
);

CREATE TABLE availability (
    id TEXT PRIMARY KEY,
    practitioner_id TEXT NOT NULL REFERENCES app_user (id),
    site_id TEXT NOT NULL REFERENCES site (id),
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL,
    valid_from TEXT,
    valid_until TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX availability_practitioner ON availability (practitioner_id);

-- Times are the practice's wall clock, in minutes since 1970-01-01T00:00.
CREATE TABLE appointment (
    id TEXT PRIMARY KEY,
    practitioner_id TEXT NOT NULL REFERENCES app_user (id),
    site_id TEXT NOT NULL REFERENCES site (id),
    patient_id TEXT REFERENCES patient (id),
    start_min BIGINT NOT NULL,
    end_min BIGINT NOT NULL,
    reason TEXT,
    status TEXT NOT NULL CHECK (status IN ('prevu', 'arrive', 'en-consultation', 'termine', 'annule', 'absent')),
    arrived_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    CHECK (end_min > start_min)
);
CREATE INDEX appointment_practitioner ON appointment (practitioner_id, start_min);
CREATE INDEX appointment_site ON appointment (site_id, start_min);

-- Work for other systems (DMP, MSSanté...), claimed by one worker at a time
-- even with several hosts on one PostgreSQL (FOR UPDATE SKIP LOCKED).
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    available_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    claimed_by TEXT,
    claimed_until BIGINT,
    done_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_ready ON outbox (done_at, available_at);
