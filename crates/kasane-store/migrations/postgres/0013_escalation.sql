-- 多機関協働へつなぐ, later (#11): a window escalates its own ongoing consultation with a
-- reason instead of recording a second intake. The intake's outcome becomes 'escalated'
-- (so the coordinator's queue and basis follow as for one escalated at intake); this row
-- keeps the outcome it had, the reason, who and when. One per intake.
CREATE TABLE intake_escalation (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality(id),
    intake_id BIGINT NOT NULL REFERENCES intake(id),
    previous_outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    escalated_by_user_id BIGINT NOT NULL REFERENCES app_user(id),
    escalated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT intake_escalation_unique UNIQUE (intake_id)
);
