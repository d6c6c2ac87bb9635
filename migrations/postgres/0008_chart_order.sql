-- The chart's lists in a total order: two encounters or documents of the
-- same date created in the same millisecond (imports, demo data) came
-- back in storage order, which an export/import round trip changed.
DROP INDEX encounter_patient;
CREATE INDEX encounter_patient ON encounter (patient_id, date, created_at, id);
DROP INDEX document_patient;
CREATE INDEX document_patient ON document (patient_id, act_date, created_at, id);
