-- Search verifies candidate patients against the other words of a query
-- with one index probe each: (patient_id, token) instead of (patient_id).
DROP INDEX patient_token_patient;
CREATE INDEX patient_token_patient ON patient_token (patient_id, token);
