-- A meeting is corrected like a person or an intake (#10): its 開催日, 場所, 次回の見直し日 and
-- 備考 change under a version (a save from an older one is refused, not overwritten), and once
-- corrected, meeting_version keeps every version as JSON. The kind and the host stay: they
-- decided on what law, and with whom, the meeting was held.
ALTER TABLE meeting ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE meeting_version (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    meeting_id BIGINT NOT NULL REFERENCES meeting(id),
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    recorded_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    recorded_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT meeting_version_unique UNIQUE (meeting_id, version)
);
