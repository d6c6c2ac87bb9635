-- Received documents seen by a doctor (issue 20, « à voir »): a received
-- report or letter with no row here waits in the work list; the row says
-- who signed it off and when.
CREATE TABLE document_vu (
    document_id TEXT PRIMARY KEY REFERENCES document (id),
    vu_par TEXT NOT NULL,
    vu_le BIGINT NOT NULL
);
