-- Minutes (会議録) keep every version like support-log entries: a save names the version it
-- was made from, and a save from an older one is refused instead of overwriting (#10).
ALTER TABLE meeting_agenda ADD COLUMN minutes_version INTEGER NOT NULL DEFAULT 0;
CREATE TABLE minutes_version (
    id INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES municipality(id),
    agenda_id INTEGER NOT NULL REFERENCES meeting_agenda(id),
    version INTEGER NOT NULL,
    discussion TEXT NOT NULL,
    decisions TEXT NOT NULL,
    recorded_by_user_id INTEGER NOT NULL REFERENCES app_user(id),
    recorded_at TEXT NOT NULL,
    CONSTRAINT minutes_version_unique UNIQUE (agenda_id, version)
);
-- Minutes recorded before: their one known version.
INSERT INTO minutes_version (municipality_id, agenda_id, version, discussion, decisions,
    recorded_by_user_id, recorded_at)
SELECT municipality_id, id, 1, discussion, decisions, minutes_by_user_id, minutes_at
FROM meeting_agenda WHERE minutes_at IS NOT NULL AND minutes_by_user_id IS NOT NULL;
UPDATE meeting_agenda SET minutes_version = 1
WHERE minutes_at IS NOT NULL AND minutes_by_user_id IS NOT NULL;
