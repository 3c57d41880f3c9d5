-- Lists read by index, their cost following the page and not the municipality.
-- The case list, newest change first: all cases (the coordinator, an agency that sees
-- many) or those of one status; `id` breaks ties in the list's order.
CREATE INDEX cases_updated ON cases(municipality_id, updated_at, id);
CREATE INDEX cases_status_updated ON cases(municipality_id, status, updated_at, id);
-- The 支援会議 an agency acknowledged, for the cases on their agendas.
CREATE INDEX meeting_member_acknowledged ON meeting_member(agency_id, meeting_id)
    WHERE acknowledged_at IS NOT NULL;
-- The worklist's queues, oldest first: referrals to and from an agency by state, the
-- municipality's waiting ones (coordinator), declined ones the sender has not seen to.
DROP INDEX referral_to;
CREATE INDEX referral_to ON referral(municipality_id, to_agency_id, status, sent_at);
DROP INDEX referral_from;
CREATE INDEX referral_from ON referral(municipality_id, from_agency_id, status, sent_at);
CREATE INDEX referral_status ON referral(municipality_id, status, sent_at);
CREATE INDEX referral_returned ON referral(municipality_id, from_agency_id, sent_at)
    WHERE status = 'declined' AND sender_acknowledged = FALSE;
-- Escalated intakes waiting for a case, oldest first.
DROP INDEX intake_escalated;
CREATE INDEX intake_escalated ON intake(municipality_id, received_at) WHERE outcome = 'escalated';
-- Canonical records newest first, for the early warning's candidates.
CREATE INDEX person_canonical ON person(municipality_id, id) WHERE linked_to_person_id IS NULL;
-- A household's intakes, for its access facts (were a scan of every intake, several times
-- per household page).
CREATE INDEX intake_household ON intake(household_id);
