-- Step 2 (包括的相談支援): persons, households, intakes, referrals, support logs, 名寄せ links.
-- Kept in step with migrations/sqlite/0002_consultation.sql (a test compares the schemas).

CREATE TABLE household (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    label TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    district_code TEXT,
    created_by_agency_id BIGINT NOT NULL REFERENCES agency(id),
    created_at TIMESTAMPTZ NOT NULL
);

-- A person as one window recorded them. 名寄せ never merges rows: a record found to be
-- the same person points at the canonical one (linked_to_person_id), and a split clears it.
CREATE TABLE person (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    name TEXT NOT NULL,
    furigana TEXT,
    name_key TEXT NOT NULL,
    kana_key TEXT,
    birth_date DATE,
    sex TEXT,
    address TEXT NOT NULL DEFAULT '',
    district_code TEXT,
    phone TEXT,
    phone_digits TEXT,
    note TEXT NOT NULL DEFAULT '',
    external_id TEXT,
    linked_to_person_id BIGINT REFERENCES person(id),
    created_by_agency_id BIGINT NOT NULL REFERENCES agency(id),
    created_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX person_name_key ON person(municipality_id, name_key);
CREATE INDEX person_kana_key ON person(municipality_id, kana_key);
CREATE INDEX person_birth_date ON person(municipality_id, birth_date);
CREATE INDEX person_external_id ON person(municipality_id, external_id);
CREATE INDEX person_phone ON person(municipality_id, phone_digits);
CREATE INDEX person_linked ON person(linked_to_person_id);

-- Membership with history: moving household ends one row (left_on) and starts another.
CREATE TABLE household_member (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    household_id BIGINT NOT NULL REFERENCES household(id),
    person_id BIGINT NOT NULL REFERENCES person(id),
    relationship TEXT NOT NULL,
    is_head BOOLEAN NOT NULL DEFAULT FALSE,
    is_carer BOOLEAN NOT NULL DEFAULT FALSE,
    joined_on DATE NOT NULL,
    left_on DATE,
    recorded_by_user_id BIGINT NOT NULL REFERENCES app_user(id)
);
CREATE INDEX household_member_household ON household_member(household_id);
CREATE INDEX household_member_person ON household_member(person_id);

CREATE TABLE intake (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    person_id BIGINT NOT NULL REFERENCES person(id),
    household_id BIGINT REFERENCES household(id),
    received_at TIMESTAMPTZ NOT NULL,
    receiving_agency_id BIGINT NOT NULL REFERENCES agency(id),
    recorded_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    channel TEXT NOT NULL,
    consulter_kind TEXT NOT NULL,
    consulter_name TEXT NOT NULL DEFAULT '',
    consulter_relation TEXT NOT NULL DEFAULT '',
    consent_to_share BOOLEAN NOT NULL,
    summary TEXT NOT NULL,
    urgency TEXT NOT NULL,
    outcome TEXT NOT NULL,
    referred_to_agency_id BIGINT REFERENCES agency(id),
    immediate_action TEXT NOT NULL DEFAULT '',
    most_pressing TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX intake_person ON intake(person_id);
CREATE INDEX intake_agency ON intake(municipality_id, receiving_agency_id, received_at);

CREATE TABLE intake_issue (
    intake_id BIGINT NOT NULL REFERENCES intake(id),
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    issue_code TEXT NOT NULL,
    PRIMARY KEY (intake_id, issue_code)
);

CREATE TABLE intake_concern (
    intake_id BIGINT NOT NULL REFERENCES intake(id),
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    concern_code TEXT NOT NULL,
    PRIMARY KEY (intake_id, concern_code)
);

CREATE TABLE referral (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    person_id BIGINT NOT NULL REFERENCES person(id),
    intake_id BIGINT REFERENCES intake(id),
    from_agency_id BIGINT NOT NULL REFERENCES agency(id),
    to_agency_id BIGINT NOT NULL REFERENCES agency(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    sent_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    sent_at TIMESTAMPTZ NOT NULL,
    decline_reason TEXT NOT NULL DEFAULT '',
    provided TEXT NOT NULL DEFAULT '',
    helped TEXT,
    sender_acknowledged BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX referral_to ON referral(municipality_id, to_agency_id, status);
CREATE INDEX referral_from ON referral(municipality_id, from_agency_id, status);
CREATE INDEX referral_person ON referral(person_id);

-- Who moved a referral, when: the closed loop's evidence.
CREATE TABLE referral_event (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    referral_id BIGINT NOT NULL REFERENCES referral(id),
    status TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    note TEXT NOT NULL DEFAULT '',
    occurred_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX referral_event_referral ON referral_event(referral_id);

CREATE TABLE support_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    person_id BIGINT REFERENCES person(id),
    household_id BIGINT REFERENCES household(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    created_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX support_log_person ON support_log(person_id);
CREATE INDEX support_log_household ON support_log(household_id);

-- Every version of an entry; the newest is current. Nothing is overwritten.
CREATE TABLE support_log_version (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    support_log_id BIGINT NOT NULL REFERENCES support_log(id),
    version INTEGER NOT NULL,
    occurred_on DATE NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    edited_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    edited_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT support_log_version_unique UNIQUE (support_log_id, version)
);

-- 名寄せ history: every link and split, and the pairs never to propose again.
CREATE TABLE person_link (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    person_id BIGINT NOT NULL REFERENCES person(id),
    linked_person_id BIGINT NOT NULL REFERENCES person(id),
    linked_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    linked_at TIMESTAMPTZ NOT NULL,
    split_by_user_id BIGINT REFERENCES app_user(id),
    split_at TIMESTAMPTZ,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX person_link_person ON person_link(person_id);

CREATE TABLE person_distinct (
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    person_a BIGINT NOT NULL REFERENCES person(id),
    person_b BIGINT NOT NULL REFERENCES person(id),
    decided_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    decided_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_a, person_b)
);

-- Days a receiving agency has to acknowledge a つなぎ before it turns overdue.
ALTER TABLE municipality ADD COLUMN referral_ack_days INTEGER NOT NULL DEFAULT 3;
