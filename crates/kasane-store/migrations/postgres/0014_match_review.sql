-- 名寄せ確認依頼 (#11): a window that found a 名寄せ candidate held by another window registered
-- the consultation as a new person and asked the coordinating agency's coordinator to
-- confirm the pair. pending → linked | distinct, decided once (who, when, why).
CREATE TABLE match_review (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    requested_person_id BIGINT NOT NULL REFERENCES person(id),
    candidate_person_id BIGINT NOT NULL REFERENCES person(id),
    intake_id BIGINT REFERENCES intake(id),
    -- 有力候補 (the candidate stage's early warning reads these).
    strong BOOLEAN NOT NULL DEFAULT FALSE,
    requested_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    requested_by_agency_id BIGINT NOT NULL REFERENCES agency(id),
    requested_at TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    decided_by_user_id BIGINT REFERENCES app_user(id),
    decided_at TIMESTAMPTZ,
    distinct_reason TEXT,
    note TEXT NOT NULL DEFAULT '',
    CONSTRAINT match_review_pair UNIQUE (requested_person_id, candidate_person_id)
);
-- The coordinator's queue (pending, oldest first) and the requester's outcomes (newest).
CREATE INDEX match_review_queue ON match_review(municipality_id, status, id);
CREATE INDEX match_review_requester ON match_review(requested_by_agency_id, decided_at);
