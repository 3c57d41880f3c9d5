-- The audit chain is keyed (HMAC-SHA256, the key outside the database) from step 6. The
-- head carries its own MAC, so that a head rewritten to match a shortened chain does not
-- verify; and the head table is guarded like audit_log: never deleted, never moved back.
-- TRUNCATE fires no row trigger: a statement trigger refuses it on both tables.
ALTER TABLE audit_chain ADD COLUMN last_mac TEXT NOT NULL DEFAULT '';
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
CREATE FUNCTION audit_chain_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_chain only moves forward';
END;
$$;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
FOR EACH ROW EXECUTE FUNCTION audit_chain_forward_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_forward_only();
CREATE TRIGGER audit_chain_no_rewind BEFORE UPDATE ON audit_chain
FOR EACH ROW WHEN (NEW.chain_id <> OLD.chain_id OR NEW.last_seq < OLD.last_seq)
EXECUTE FUNCTION audit_chain_forward_only();
