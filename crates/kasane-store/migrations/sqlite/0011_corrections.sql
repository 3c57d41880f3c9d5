-- Corrections with history (#10, #11): a person, an intake and a household membership carry
-- a version; a save names the version it was made from, and a save from an older one is
-- refused instead of overwriting. Once a person or an intake is corrected, its *_version
-- table holds every version (the first as registered, then each correction), as JSON of
-- the fields a worker sees; a record never corrected is its only version.
ALTER TABLE person ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE person_version (
    id INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES municipality(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    recorded_by_user_id INTEGER NOT NULL REFERENCES app_user(id),
    recorded_at TEXT NOT NULL,
    CONSTRAINT person_version_unique UNIQUE (person_id, version)
);

ALTER TABLE intake ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE intake_version (
    id INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES municipality(id),
    intake_id INTEGER NOT NULL REFERENCES intake(id),
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    recorded_by_user_id INTEGER NOT NULL REFERENCES app_user(id),
    recorded_at TEXT NOT NULL,
    CONSTRAINT intake_version_unique UNIQUE (intake_id, version)
);

-- A membership ends with a date and a reason (死亡, 転出, 別居, その他); the row keeps both
-- states (who recorded the start, who the end), so nothing is overwritten.
ALTER TABLE household_member ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE household_member ADD COLUMN left_reason TEXT;
ALTER TABLE household_member ADD COLUMN left_note TEXT NOT NULL DEFAULT '';
ALTER TABLE household_member ADD COLUMN ended_by_user_id INTEGER REFERENCES app_user(id);
ALTER TABLE household_member ADD COLUMN ended_at TEXT;
