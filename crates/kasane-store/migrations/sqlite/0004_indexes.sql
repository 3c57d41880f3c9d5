-- Step 4: the case opened from an escalated intake is looked up by its intake (the intake
-- page, the coordinator's queue of escalations waiting for a case).
CREATE INDEX cases_intake ON cases(intake_id);
