-- MSSanté (issue 22): the account's own mailbox address (personal, or the
-- organisation's it sends from); its servers are found from it. NULL: none.
ALTER TABLE app_user ADD COLUMN mss_adresse TEXT;

-- Where reading a mailbox stopped: the mailbox's UIDVALIDITY and the last
-- UID read (RFC 9051 §2.3.1.1); a new UIDVALIDITY reads it again from the
-- start (documents already received are refused as already present).
CREATE TABLE releve_mss (
    adresse TEXT PRIMARY KEY,
    uidvalidity BIGINT NOT NULL,
    dernier_uid BIGINT NOT NULL,
    releve_le BIGINT NOT NULL
);
