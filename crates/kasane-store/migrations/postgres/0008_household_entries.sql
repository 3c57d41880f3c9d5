-- A household's own support-log entries. Almost every entry is a person's (household_id
-- NULL), and an index holding mostly NULLs made SQLite's statistics (ANALYZE) call it
-- useless: the household page read every entry (10 M at 1 M persons, 435 ms). Only the
-- entries on a household are indexed, as with person_linked (0005).
DROP INDEX support_log_household;
CREATE INDEX support_log_household ON support_log(household_id) WHERE household_id IS NOT NULL;
