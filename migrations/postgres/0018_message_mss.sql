-- The MSSanté work list (issue 22; LGC.MDV.06, SC.MSS/UX.25/28/31,
-- LGC.MSS/UX.05): every message read from a mailbox and what became of
-- it. The document of a message waiting for a doctor (a patient to match,
-- a replacement or a deletion to confirm) is kept here until handled.
CREATE TABLE message_mss (
    id TEXT PRIMARY KEY,
    structure_id TEXT NOT NULL,
    adresse TEXT NOT NULL,
    uidvalidity BIGINT NOT NULL,
    uid BIGINT NOT NULL,
    de TEXT,
    objet TEXT NOT NULL,
    recu_le BIGINT NOT NULL,
    provenance TEXT NOT NULL,
    etat TEXT NOT NULL,
    raison TEXT NOT NULL,
    patient_id TEXT,
    document_id TEXT,
    cible_id TEXT,
    cda BYTEA,
    traite_par TEXT,
    traite_le BIGINT,
    UNIQUE (adresse, uidvalidity, uid)
);
CREATE INDEX message_mss_par_structure ON message_mss (structure_id, recu_le);
