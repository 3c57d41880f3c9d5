-- The 名寄せ keys (person.name_key, kana_key, given_key, given_kana_key) are derived in Rust
-- (kasane_domain::name). This row says under which version of those rules the stored keys
-- were computed; Store::migrate recomputes them whenever KEY_VERSION differs (#11: ヴァ/バ,
-- long vowels and the Unihan 異体字 table are version 2). Version 1: the rules before.
CREATE TABLE person_key_version (version BIGINT NOT NULL);
INSERT INTO person_key_version (version) VALUES (1);
