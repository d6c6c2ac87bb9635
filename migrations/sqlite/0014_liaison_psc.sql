-- Pro Santé Connect (issue 19): the national id (SubjectNameID, 8 + RPPS)
-- whose link to this account the professional confirmed at their first
-- PSC sign-in; NULL: never linked.
ALTER TABLE app_user ADD COLUMN psc_id_national TEXT;
