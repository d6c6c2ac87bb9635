-- SQLite has no TRUNCATE: `DELETE FROM audit_event` without a WHERE runs
-- row by row while a DELETE trigger exists, and audit_event_no_delete
-- refuses it. Kept so that both schemas carry the same versions.
SELECT 1;
