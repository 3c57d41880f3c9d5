-- The audit chain is keyed (HMAC-SHA256, the key outside the database) from step 6. The
-- head carries its own MAC, so that a head rewritten to match a shortened chain does not
-- verify; and the head table is guarded like audit_log: never deleted, never moved back.
ALTER TABLE audit_chain ADD COLUMN last_mac TEXT NOT NULL DEFAULT '';
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain only moves forward'); END;
CREATE TRIGGER audit_chain_no_rewind BEFORE UPDATE ON audit_chain
WHEN NEW.chain_id <> OLD.chain_id OR NEW.last_seq < OLD.last_seq
BEGIN SELECT RAISE(ABORT, 'audit_chain only moves forward'); END;
