-- Every version of clinical content, contact details and identity (issue
-- 17, finding 5): what it was, who made it, when and why. Rows are only
-- added: an edit writes a new version, a deletion a last one, and the
-- database refuses to change or remove a version.
CREATE TABLE version_historique (
    id TEXT PRIMARY KEY,
    objet TEXT NOT NULL CHECK (objet IN ('consultation', 'entree', 'contact', 'identite')),
    objet_id TEXT NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    version BIGINT NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ('creation', 'modification', 'suppression', 'reprise')),
    contenu TEXT NOT NULL,
    auteur TEXT NOT NULL,
    fait_le BIGINT NOT NULL,
    motif TEXT,
    UNIQUE (objet, objet_id, version)
);
CREATE TRIGGER version_historique_no_update BEFORE UPDATE ON version_historique
BEGIN
    SELECT RAISE(ABORT, 'version history is append-only');
END;
CREATE TRIGGER version_historique_no_delete BEFORE DELETE ON version_historique
BEGIN
    SELECT RAISE(ABORT, 'version history is append-only');
END;

-- Who made the current version (the author stays the one who created it).
ALTER TABLE encounter ADD COLUMN modifie_par TEXT;
ALTER TABLE clinical_entry ADD COLUMN modifie_par TEXT;
ALTER TABLE patient_contact ADD COLUMN modifie_par TEXT;
-- Contact details get the optimistic version check of the rest.
ALTER TABLE patient_contact ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
