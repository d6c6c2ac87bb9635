-- The INS qualification workflow (issue 4).
-- How a high-trust identity check was made: a document, the Appli carte
-- Vitale, or the procédure spécifique transitoire (indicator TBB.INS.02).
ALTER TABLE patient ADD COLUMN justificatif TEXT
    CHECK (justificatif IN ('piece_identite', 'apcv', 'procedure_transitoire'));
UPDATE patient SET justificatif = 'piece_identite' WHERE high_trust_document = 1;
-- When the INSi last confirmed the INS (Unix ms): the 4-year verification
-- counts from it.
ALTER TABLE patient ADD COLUMN insi_verifie_le BIGINT;
CREATE INDEX patient_verification ON patient (status, insi_verifie_le);

-- The last background INSi query of each patient, for the client to show:
-- pending, done (the answer and its comparison as JSON), or failed (the
-- reason, and when it is tried again).
CREATE TABLE insi_resultat (
    patient_id TEXT PRIMARY KEY REFERENCES patient (id),
    etat TEXT NOT NULL CHECK (etat IN ('en_attente', 'termine', 'echec')),
    motif TEXT NOT NULL,
    -- The identity version asked about: opening the chart again does not
    -- ask again about the same identity the same day.
    version_identite BIGINT NOT NULL,
    demande_le BIGINT NOT NULL,
    termine_le BIGINT,
    prochain_essai BIGINT,
    reponse TEXT,
    erreur TEXT
);
