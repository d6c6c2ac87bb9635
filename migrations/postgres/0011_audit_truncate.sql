-- TRUNCATE fires no row trigger: the append-only trail refuses it with a
-- statement trigger of its own (the database owner can still drop it;
-- `esculape audit verify` then finds the trail empty or cut).
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
