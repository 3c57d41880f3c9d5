-- A role assignment (役割分担) is corrected like a meeting (#10): its 担当機関, 担当者, 役割 and
-- 期限 change under a version (a save from an older one is refused, not overwritten), and once
-- corrected, role_assignment_version keeps every version as JSON. The meeting and the case
-- stay: they say where the role was decided, and for whom.
ALTER TABLE role_assignment ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE role_assignment_version (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    role_assignment_id BIGINT NOT NULL REFERENCES role_assignment(id),
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    recorded_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    recorded_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT role_assignment_version_unique UNIQUE (role_assignment_id, version)
);
