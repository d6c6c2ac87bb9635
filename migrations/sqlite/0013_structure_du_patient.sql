-- Each patient belongs to a structure (issue 17, finding 3): a user reaches
-- only the patients of their structure, and everything under them.

-- Accounts created without a structure join the practice's first one.
UPDATE app_user SET structure_id = (SELECT id FROM structure ORDER BY created_at, id LIMIT 1)
WHERE structure_id IS NULL;

ALTER TABLE patient ADD COLUMN structure_id TEXT REFERENCES structure (id);

-- An existing patient goes to the structure of the account that created
-- it (from the audit trail), else to the practice's first structure.
UPDATE patient SET structure_id = COALESCE(
    (SELECT u.structure_id FROM audit_event a JOIN app_user u ON u.login = a.actor
     WHERE a.patient_id = patient.id AND a.action IN ('patient.create', 'import')
     ORDER BY a.seq LIMIT 1),
    (SELECT id FROM structure ORDER BY created_at, id LIMIT 1));

CREATE INDEX patient_structure ON patient (structure_id);

-- The same person may be a patient of two structures: an INS is unique
-- within one.
DROP INDEX patient_ins;
-- (a patient of no structure yet, before the first start, counts as one)
CREATE UNIQUE INDEX patient_ins ON patient ((COALESCE(structure_id, '')), ins_matricule, ins_oid) WHERE ins_matricule IS NOT NULL;
