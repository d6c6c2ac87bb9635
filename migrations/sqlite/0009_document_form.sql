-- The form a document plugin signed a document from (its plugin and the
-- values the doctor validated): a correction reopens it as it was, instead
-- of a fresh prefill that would lose what the doctor typed.
CREATE TABLE document_form (
    document_id TEXT PRIMARY KEY REFERENCES document (id),
    plugin TEXT NOT NULL,
    valeurs TEXT NOT NULL
);
