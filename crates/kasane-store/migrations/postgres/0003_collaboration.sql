-- Step 3 (多機関協働): cases, assessments, consents, meetings, plans, monitoring, evaluation.
-- Kept in step with migrations/sqlite/0003_collaboration.sql (a test compares the schemas).
-- The table is `cases`, not `case`: CASE is reserved in SQL.

CREATE TABLE cases (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    person_id BIGINT REFERENCES person(id),
    household_id BIGINT REFERENCES household(id),
    status TEXT NOT NULL,
    -- The status a suspended case returns to.
    suspended_from TEXT,
    -- 主担当機関. Other involved agencies are in case_agency.
    lead_agency_id BIGINT NOT NULL REFERENCES agency(id),
    -- The escalated intake the case was opened from, if any.
    intake_id BIGINT REFERENCES intake(id),
    summary TEXT NOT NULL DEFAULT '',
    -- 多機関協働's own involvement ended (hand-over to the lead agency); the case goes on.
    coordination_ended_at TIMESTAMPTZ,
    coordination_ended_by_user_id BIGINT REFERENCES app_user(id),
    handover_note TEXT NOT NULL DEFAULT '',
    closure_reason TEXT,
    closed_at TIMESTAMPTZ,
    closed_by_user_id BIGINT REFERENCES app_user(id),
    opened_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    opened_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT cases_subject CHECK (person_id IS NOT NULL OR household_id IS NOT NULL)
);
CREATE INDEX cases_person ON cases(person_id);
CREATE INDEX cases_household ON cases(household_id);
CREATE INDEX cases_lead ON cases(municipality_id, lead_agency_id, status);

-- 多機関協働, アウトリーチ, 参加支援: one case can carry several.
CREATE TABLE case_kind (
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    CONSTRAINT case_kind_unique UNIQUE (case_id, kind)
);

-- 関与機関 other than the lead; left_at ends the involvement (history stays).
CREATE TABLE case_agency (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    joined_at TIMESTAMPTZ NOT NULL,
    left_at TIMESTAMPTZ,
    added_by_user_id BIGINT NOT NULL REFERENCES app_user(id)
);
CREATE INDEX case_agency_case ON case_agency(case_id);
CREATE INDEX case_agency_agency ON case_agency(agency_id);

-- Every status move, lead change, hand-over and closure: who, when, why.
CREATE TABLE case_event (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    event TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    note TEXT NOT NULL DEFAULT '',
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    occurred_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_event_case ON case_event(case_id);

-- Every version of the sheet (JSON of the sections); the newest is current.
CREATE TABLE assessment (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    version INTEGER NOT NULL,
    sheet TEXT NOT NULL,
    author_user_id BIGINT NOT NULL REFERENCES app_user(id),
    author_agency_id BIGINT NOT NULL REFERENCES agency(id),
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT assessment_version_unique UNIQUE (case_id, version)
);

CREATE TABLE consent (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    person_id BIGINT NOT NULL REFERENCES person(id),
    case_id BIGINT REFERENCES cases(id),
    consenter TEXT NOT NULL,
    proxy_name TEXT NOT NULL DEFAULT '',
    proxy_relation TEXT NOT NULL DEFAULT '',
    consented_on DATE NOT NULL,
    method TEXT NOT NULL,
    information TEXT NOT NULL,
    covers_support_meeting BOOLEAN NOT NULL DEFAULT FALSE,
    covers_multilayer_meeting BOOLEAN NOT NULL DEFAULT FALSE,
    -- Last valid day; NULL = no expiry.
    expires_on DATE,
    note TEXT NOT NULL DEFAULT '',
    recorded_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    recorded_by_agency_id BIGINT NOT NULL REFERENCES agency(id),
    created_at TIMESTAMPTZ NOT NULL,
    withdrawn_at TIMESTAMPTZ,
    withdrawn_by_user_id BIGINT REFERENCES app_user(id),
    withdrawal_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX consent_person ON consent(person_id);

CREATE TABLE consent_agency (
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    consent_id BIGINT NOT NULL REFERENCES consent(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    CONSTRAINT consent_agency_unique UNIQUE (consent_id, agency_id)
);
CREATE INDEX consent_agency_agency ON consent_agency(agency_id);

-- 支援会議 (support_meeting) and 重層的支援会議 (multilayer_meeting).
CREATE TABLE meeting (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    kind TEXT NOT NULL,
    held_on DATE NOT NULL,
    host_agency_id BIGINT NOT NULL REFERENCES agency(id),
    place TEXT NOT NULL DEFAULT '',
    next_review_on DATE,
    note TEXT NOT NULL DEFAULT '',
    created_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX meeting_held ON meeting(municipality_id, held_on);

-- Member agencies and attendees. For a 支援会議, acknowledged_at records the member's
-- acknowledgement of confidentiality (守秘義務): only then does membership grant access.
CREATE TABLE meeting_member (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    meeting_id BIGINT NOT NULL REFERENCES meeting(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    attendee_name TEXT NOT NULL DEFAULT '',
    acknowledged_at TIMESTAMPTZ,
    acknowledged_by_user_id BIGINT REFERENCES app_user(id),
    CONSTRAINT meeting_member_unique UNIQUE (meeting_id, agency_id)
);
CREATE INDEX meeting_member_agency ON meeting_member(agency_id);

-- A case on a meeting's agenda, with its minutes. removed_at takes it off the agenda
-- (and ends the support_meeting basis for it).
CREATE TABLE meeting_agenda (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    meeting_id BIGINT NOT NULL REFERENCES meeting(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    added_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    added_at TIMESTAMPTZ NOT NULL,
    removed_by_user_id BIGINT REFERENCES app_user(id),
    removed_at TIMESTAMPTZ,
    discussion TEXT NOT NULL DEFAULT '',
    decisions TEXT NOT NULL DEFAULT '',
    minutes_by_user_id BIGINT REFERENCES app_user(id),
    minutes_at TIMESTAMPTZ
);
CREATE INDEX meeting_agenda_meeting ON meeting_agenda(meeting_id);
CREATE INDEX meeting_agenda_case ON meeting_agenda(case_id);

-- 役割分担 decided at a meeting for a case.
CREATE TABLE role_assignment (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    meeting_id BIGINT NOT NULL REFERENCES meeting(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    staff_name TEXT NOT NULL DEFAULT '',
    task TEXT NOT NULL,
    due_on DATE,
    created_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX role_assignment_case ON role_assignment(case_id);

-- Every version of a plan; a revision is a new version, the old one stays.
CREATE TABLE support_plan (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    case_id BIGINT NOT NULL REFERENCES cases(id),
    version INTEGER NOT NULL,
    person_goal TEXT NOT NULL,
    long_term_goal TEXT NOT NULL,
    short_term_goal TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    approved_meeting_id BIGINT REFERENCES meeting(id),
    approved_by_user_id BIGINT REFERENCES app_user(id),
    approved_at TIMESTAMPTZ,
    created_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    created_by_agency_id BIGINT NOT NULL REFERENCES agency(id),
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT support_plan_version_unique UNIQUE (case_id, version)
);

CREATE TABLE plan_action (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    plan_id BIGINT NOT NULL REFERENCES support_plan(id),
    seq INTEGER NOT NULL,
    what TEXT NOT NULL,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    staff_name TEXT NOT NULL DEFAULT '',
    staff_user_id BIGINT REFERENCES app_user(id),
    by_when DATE,
    frequency TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plan_action_plan ON plan_action(plan_id);

-- Scheduled monitoring dates; done_at is set when the round is recorded.
CREATE TABLE monitoring (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    plan_id BIGINT NOT NULL REFERENCES support_plan(id),
    due_on DATE NOT NULL,
    done_at TIMESTAMPTZ,
    done_by_user_id BIGINT REFERENCES app_user(id),
    CONSTRAINT monitoring_unique UNIQUE (plan_id, due_on)
);
CREATE INDEX monitoring_due ON monitoring(municipality_id, due_on);

CREATE TABLE monitoring_entry (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    monitoring_id BIGINT NOT NULL REFERENCES monitoring(id),
    plan_action_id BIGINT NOT NULL REFERENCES plan_action(id),
    progress TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX monitoring_entry_monitoring ON monitoring_entry(monitoring_id);

CREATE TABLE evaluation (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    plan_id BIGINT NOT NULL REFERENCES support_plan(id),
    person_goal TEXT NOT NULL,
    long_term_goal TEXT NOT NULL,
    short_term_goal TEXT NOT NULL,
    note TEXT NOT NULL,
    next_step TEXT NOT NULL,
    evaluated_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    evaluated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT evaluation_plan_unique UNIQUE (plan_id)
);
