-- Step 5: person search by index. A name is searched by the start of each of its words
-- (氏 and 名, in kanji and in kana), so the given-name keys are stored beside the whole-name
-- keys and every key is read by an index range. Rows written before this migration get
-- their given-name keys from the application (Store::migrate), found by the partial index.
-- The keys compare by code point (COLLATE "C") whatever the database's locale, so that a
-- prefix is one contiguous range of the index, as on SQLite.
ALTER TABLE person ALTER COLUMN name_key TYPE TEXT COLLATE "C";
ALTER TABLE person ALTER COLUMN kana_key TYPE TEXT COLLATE "C";
ALTER TABLE person ADD COLUMN given_key TEXT COLLATE "C";
ALTER TABLE person ADD COLUMN given_kana_key TEXT COLLATE "C";
CREATE INDEX person_given_key ON person(municipality_id, given_key);
CREATE INDEX person_given_kana_key ON person(municipality_id, given_kana_key);
CREATE INDEX person_keys_missing ON person(id)
    WHERE (given_key IS NULL AND name LIKE '% %') OR (given_kana_key IS NULL AND furigana LIKE '% %');
-- The access filter's "registered the record", and the default order of a search.
CREATE INDEX person_created_by ON person(created_by_agency_id, municipality_id);
CREATE INDEX person_updated ON person(municipality_id, updated_at);
-- What a coordinator coordinates: escalated intakes and open cases, without a scan.
CREATE INDEX intake_escalated ON intake(municipality_id) WHERE outcome = 'escalated';
CREATE INDEX cases_open ON cases(municipality_id) WHERE status <> 'closed';
-- Only linked records are indexed (as on SQLite, whose statistics call a NULL-only index
-- useless).
DROP INDEX person_linked;
CREATE INDEX person_linked ON person(linked_to_person_id) WHERE linked_to_person_id IS NOT NULL;
