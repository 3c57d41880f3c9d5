-- Step 8 (アウトリーチ等を通じた継続的支援): the outreach part of a case of kind 'outreach'
-- (one row per case: who brought the concern, what is known, the engagement stage and the
-- planned contact interval), the stage's history, contact attempts with the staff who went,
-- information notes (情報収集), 伴走支援 entries and hand-overs to a referral or a case.
-- Kept in step with migrations/sqlite/0018_outreach.sql (a test compares the schemas).

CREATE TABLE outreach_case (
    -- The case's id: an outreach case is a case (access, agencies and closure are the case's).
    id BIGINT PRIMARY KEY REFERENCES cases(id),
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    -- The intake the case was opened from, if any (a 民生委員's call, say). Not the case's
    -- own intake_id: that one is 多機関協働's, the escalated intake a case answers.
    intake_id BIGINT REFERENCES intake(id),
    -- 情報提供者: its kind (民生委員, 福祉員, 近隣住民, 関係機関, その他) and who, as written.
    informant_kind TEXT NOT NULL,
    informant TEXT NOT NULL,
    -- 把握していること.
    known TEXT NOT NULL,
    -- engagement_stage; moved only conditionally on the stage it was decided from.
    stage TEXT NOT NULL,
    -- When the stage last moved (the opening, before any move).
    stage_since TIMESTAMPTZ NOT NULL,
    -- 接触の間隔(日); NULL = the municipality's.
    interval_days INTEGER
);
CREATE INDEX outreach_case_municipality ON outreach_case(municipality_id);

CREATE TABLE contact_attempt (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    case_id BIGINT NOT NULL REFERENCES outreach_case(id),
    attempted_at TIMESTAMPTZ NOT NULL,
    method TEXT NOT NULL,
    met TEXT NOT NULL,
    outcome TEXT NOT NULL,
    -- 置いてきたもの (手紙, 資料).
    left_behind TEXT NOT NULL DEFAULT '',
    observations TEXT NOT NULL DEFAULT '',
    safety_concern BOOLEAN NOT NULL DEFAULT FALSE,
    next_planned_on DATE,
    recorded_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    recorded_by_agency_id BIGINT NOT NULL REFERENCES agency(id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contact_attempt_case ON contact_attempt(case_id, attempted_at);
CREATE INDEX contact_attempt_when ON contact_attempt(municipality_id, attempted_at);

-- The staff who went (one or two, possibly of two agencies), with their agency then.
CREATE TABLE contact_attempt_staff (
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    attempt_id BIGINT NOT NULL REFERENCES contact_attempt(id),
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    CONSTRAINT contact_attempt_staff_unique UNIQUE (attempt_id, user_id)
);

-- Every move of the stage: forward with the attempt it rests on, back with the reason.
CREATE TABLE outreach_stage_event (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    case_id BIGINT NOT NULL REFERENCES outreach_case(id),
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    direction TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    evidence_attempt_id BIGINT REFERENCES contact_attempt(id),
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    occurred_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX outreach_stage_event_case ON outreach_stage_event(case_id);
CREATE INDEX outreach_stage_event_when ON outreach_stage_event(municipality_id, occurred_at);

-- 情報収集: what agencies and volunteers told the team, with its source.
CREATE TABLE information_note (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    case_id BIGINT NOT NULL REFERENCES outreach_case(id),
    noted_on DATE NOT NULL,
    source_kind TEXT NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    recorded_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    recorded_by_agency_id BIGINT NOT NULL REFERENCES agency(id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX information_note_case ON information_note(case_id);

-- 伴走支援: walking alongside the person (同行 to a clinic, the city office, a 居場所).
CREATE TABLE accompaniment (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    case_id BIGINT NOT NULL REFERENCES outreach_case(id),
    occurred_on DATE NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    recorded_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    recorded_by_agency_id BIGINT NOT NULL REFERENCES agency(id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX accompaniment_case ON accompaniment(case_id);

-- The hand-over once the person accepts support: to an agency (a つなぎ) or a case
-- (多機関協働, 参加支援).
CREATE TABLE outreach_handover (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    case_id BIGINT NOT NULL REFERENCES outreach_case(id),
    referral_id BIGINT REFERENCES referral(id),
    target_case_id BIGINT REFERENCES cases(id),
    note TEXT NOT NULL DEFAULT '',
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    handed_over_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT outreach_handover_target CHECK (referral_id IS NOT NULL OR target_case_id IS NOT NULL)
);
CREATE INDEX outreach_handover_case ON outreach_handover(case_id);
