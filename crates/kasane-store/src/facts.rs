//! Access facts: what the law makes relevant about a person, read from the records, for
//! `access::decide`. Kept in step with the SQL twin `visible_person!` in person.rs.

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::access::{
    ConsentFact, CoordinationFact, Involvement, InvolvementKind, PersonFacts, SupportMeetingFact,
};
use kasane_domain::case::CaseStatus;
use kasane_domain::identity::{AgencyId, MunicipalityId};

use crate::case::Case;
use crate::{Store, StoreResult, on_pool};

/// One contact of a window with a person, for the cross-window early warning.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ContactRow {
    pub source: String,
    pub record_id: i64,
    pub agency_id: AgencyId,
    pub agency_name: String,
    pub occurred_at: DateTime<Utc>,
    /// Comma-separated issue codes (intakes only).
    pub issues: String,
}

/// (consent, covers the 重層的支援会議, withdrawn, expires_on, one named agency).
type ConsentRow = (i64, bool, bool, Option<NaiveDate>, Option<AgencyId>);

/// The person records of one 名寄せ group, given any of its records as `$1`: the group's
/// canonical record and those linked to it (links are kept one level deep), found through
/// the primary key and `person_linked` rather than by scanning every person.
macro_rules! group_of_person {
    () => {
        "SELECT q.id FROM person q, \
         (SELECT COALESCE(r.linked_to_person_id, r.id) AS root FROM person r WHERE r.id = $1) g \
         WHERE q.id = g.root OR q.linked_to_person_id = g.root"
    };
}

/// The person records of a household's current members' groups and of the persons of
/// intakes recorded on the household, given the household as `$1`: the groups' canonical
/// records, and the records linked to them through `person_linked` (joining
/// `q.id = root OR q.linked_to_person_id = root` against a set of roots let SQLite scan
/// every person instead).
macro_rules! group_of_household {
    () => {
        concat!(
            crate::facts::group_of_household!(@roots),
            " UNION ALL SELECT l.id FROM person l WHERE l.linked_to_person_id IN (",
            crate::facts::group_of_household!(@roots),
            ")"
        )
    };
    (@roots) => {
        "SELECT COALESCE(r.linked_to_person_id, r.id) FROM household_member m \
         JOIN person r ON r.id = m.person_id WHERE m.household_id = $1 AND m.left_on IS NULL \
         UNION SELECT COALESCE(r.linked_to_person_id, r.id) FROM intake i \
         JOIN person r ON r.id = i.person_id WHERE i.household_id = $1"
    };
}
pub(crate) use group_of_household;

/// The cases on the person records `$group` selects, or on a household one of them
/// currently belongs to.
macro_rules! cases_of_group {
    ($group:expr) => {
        concat!(
            // Two branches, each read by its index: as one `OR` over two columns PostgreSQL
            // read every case (35 ms a branch at 1 M persons).
            "SELECT id FROM cases WHERE person_id IN (",
            $group,
            ") UNION SELECT hc.id FROM cases hc JOIN household_member hm \
             ON hm.household_id = hc.household_id WHERE hm.person_id IN (",
            $group,
            ") AND hm.left_on IS NULL"
        )
    };
}
pub(crate) use cases_of_group;

/// Involvements, referrals, cases and the coordinating agency (`$2`: the municipality)
/// of the person records `$group` selects: rows of (source, agency, state, flag).
macro_rules! facts_sql {
    ($group:expr) => {
        concat!(
            "SELECT 'coordinating', a.id, '', FALSE FROM agency a \
             WHERE a.municipality_id = $2 AND a.is_coordinating = TRUE \
             UNION ALL SELECT 'intake', i.receiving_agency_id, i.outcome, \
               EXISTS (SELECT 1 FROM cases ic WHERE ic.intake_id = i.id) FROM intake i \
             WHERE i.person_id IN (",
            $group,
            ") UNION ALL SELECT 'registered', q.created_by_agency_id, '', FALSE FROM person q \
             WHERE q.id IN (",
            $group,
            ") UNION ALL SELECT 'referral', r.to_agency_id, r.status, FALSE FROM referral r \
             WHERE r.person_id IN (",
            $group,
            ") UNION ALL SELECT 'case_lead', c.lead_agency_id, c.status, \
               c.coordination_ended_at IS NULL FROM cases c WHERE c.id IN (",
            cases_of_group!($group),
            ") UNION ALL SELECT 'case_involved', ca.agency_id, c.status, ca.left_at IS NULL \
             FROM case_agency ca JOIN cases c ON c.id = ca.case_id WHERE c.id IN (",
            cases_of_group!($group),
            ")"
        )
    };
}

/// The consents of the person records `$group` selects, one row per named agency.
macro_rules! consents_sql {
    ($group:expr) => {
        concat!(
            "SELECT co.id, co.covers_multilayer_meeting, co.withdrawn_at IS NOT NULL, \
             co.expires_on, cag.agency_id FROM consent co \
             LEFT JOIN consent_agency cag ON cag.consent_id = co.id WHERE co.person_id IN (",
            $group,
            ") ORDER BY co.id"
        )
    };
}

impl Store {
    /// The municipality's coordinating agency (多機関協働事業者), if configured.
    pub async fn coordinating_agency(
        &self,
        municipality_id: MunicipalityId,
    ) -> StoreResult<Option<AgencyId>> {
        let row: Option<(i64,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT id FROM agency WHERE municipality_id = $1 AND is_coordinating = TRUE"
        )
        .bind(municipality_id)
        .fetch_optional(&mut *p)
        .await)?;
        Ok(row.map(|(id,)| id))
    }

    /// The access facts of a person's 名寄せ group (`person_id`: any record of the group):
    /// the agency that registered a record, intakes, referrals, cases on the person or on
    /// a household they belong to, and consents. Support-meeting facts belong to one case
    /// only: see [`Store::case_facts`].
    pub async fn person_facts(
        &self,
        municipality_id: MunicipalityId,
        person_id: i64,
    ) -> StoreResult<PersonFacts> {
        self.facts_of(
            municipality_id,
            person_id,
            (
                facts_sql!(group_of_person!()),
                consents_sql!(group_of_person!()),
            ),
        )
        .await
    }

    /// The access facts of a household: those of every current member's 名寄せ group and of
    /// the persons of intakes recorded on the household itself, read at once.
    pub async fn household_facts(
        &self,
        municipality_id: MunicipalityId,
        household_id: i64,
    ) -> StoreResult<PersonFacts> {
        self.facts_of(
            municipality_id,
            household_id,
            (
                facts_sql!(group_of_household!()),
                consents_sql!(group_of_household!()),
            ),
        )
        .await
    }

    /// Reads the facts of the person records `group` selects (bound to `id`): one query for
    /// the involvements and the coordinating agency, one for the consents.
    async fn facts_of(
        &self,
        municipality_id: MunicipalityId,
        id: i64,
        (facts_query, consents_query): (&'static str, &'static str),
    ) -> StoreResult<PersonFacts> {
        // (source, agency, state, flag): flag is "the escalated intake has a case" for
        // intakes, "the involvement is current" for case agencies.
        let rows: Vec<(String, i64, String, bool)> =
            on_pool!(self, |p| sqlx::query_as(facts_query)
                .bind(id)
                .bind(municipality_id)
                .fetch_all(&mut *p)
                .await)?;
        let mut facts = PersonFacts::new(municipality_id);
        let mut coordinating = None;
        let mut coordinated = false;
        let mut case_seen = false;
        for (source, agency_id, state, flag) in rows {
            let involvement = |kind, active| Involvement {
                agency_id,
                kind,
                active,
            };
            match (source.as_str(), state.as_str()) {
                ("coordinating", _) => coordinating = Some(agency_id),
                ("intake", outcome) => {
                    // An escalated intake is the coordinator's until a case is opened from it.
                    coordinated |= outcome == "escalated" && !flag;
                    facts
                        .involvements
                        .push(involvement(InvolvementKind::Intake, true));
                }
                ("registered", _) => facts
                    .involvements
                    .push(involvement(InvolvementKind::Registered, true)),
                ("referral", "sent") => facts.pending_referrals.push(agency_id),
                ("referral", "accepted" | "completed") => facts
                    .involvements
                    .push(involvement(InvolvementKind::ReferralAccepted, true)),
                ("case_lead", status) => {
                    case_seen = true;
                    coordinated |= status != "closed" && flag;
                    facts
                        .involvements
                        .push(involvement(InvolvementKind::CaseLead, status != "closed"));
                }
                ("case_involved", status) => facts.involvements.push(involvement(
                    InvolvementKind::CaseInvolved,
                    status != "closed" && flag,
                )),
                // A declined referral gave the receiver no involvement.
                _ => {}
            }
        }
        if coordinated || case_seen {
            facts.coordination = coordinating.map(|coordinating_agency| CoordinationFact {
                coordinating_agency,
                ended: !coordinated,
            });
        }
        let rows: Vec<ConsentRow> = on_pool!(self, |p| sqlx::query_as(consents_query)
            .bind(id)
            .fetch_all(&mut *p)
            .await)?;
        let mut consents: Vec<(i64, ConsentFact)> = Vec::new();
        for (consent_id, meeting, withdrawn, expires_on, agency) in rows {
            if consents.last().is_none_or(|(last, _)| *last != consent_id) {
                consents.push((
                    consent_id,
                    ConsentFact {
                        agencies: Vec::new(),
                        meeting,
                        withdrawn,
                        expires_on,
                    },
                ));
            }
            if let (Some(agency), Some((_, c))) = (agency, consents.last_mut()) {
                c.agencies.push(agency);
            }
        }
        facts.consents = consents.into_iter().map(|(_, c)| c).collect();
        Ok(facts)
    }

    /// The access facts of a case: those of its person (or of its household) but a pending
    /// referral, and the 支援会議 that have this case — and only this case — on their agenda.
    pub async fn case_facts(&self, case: &Case) -> StoreResult<PersonFacts> {
        let mut facts = match (case.person_id, case.household_id) {
            (Some(person_id), _) => self.person_facts(case.municipality_id, person_id).await?,
            (None, Some(household_id)) => {
                self.household_facts(case.municipality_id, household_id)
                    .await?
            }
            (None, None) => PersonFacts::new(case.municipality_id),
        };
        // A referral awaiting an answer shows its つなぐシート, never the case.
        facts.pending_referrals.clear();
        let rows: Vec<(i64, Option<i64>)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT ma.meeting_id, mm.agency_id FROM meeting_agenda ma \
             JOIN meeting mt ON mt.id = ma.meeting_id \
             LEFT JOIN meeting_member mm ON mm.meeting_id = mt.id AND mm.acknowledged_at IS NOT NULL \
             WHERE ma.case_id = $1 AND ma.removed_at IS NULL AND mt.kind = 'support_meeting' \
             ORDER BY ma.meeting_id"
        )
        .bind(case.id)
        .fetch_all(&mut *p)
        .await
        })?;
        let mut meetings: Vec<(i64, SupportMeetingFact)> = Vec::new();
        for (meeting_id, agency) in rows {
            if meetings.last().is_none_or(|(last, _)| *last != meeting_id) {
                meetings.push((
                    meeting_id,
                    SupportMeetingFact {
                        member_agencies: Vec::new(),
                        on_agenda: true,
                        case_closed: case.status == CaseStatus::Closed,
                    },
                ));
            }
            if let (Some(agency), Some((_, m))) = (agency, meetings.last_mut()) {
                m.member_agencies.push(agency);
            }
        }
        facts.support_meetings = meetings.into_iter().map(|(_, m)| m).collect();
        Ok(facts)
    }

    /// The windows' contacts with a person's group since `since`: intakes, support log
    /// entries and accepted referrals.
    pub async fn contacts_of(
        &self,
        canonical_id: i64,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<ContactRow>> {
        let mut rows: Vec<ContactRow> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT 'intake' AS source, i.id AS record_id, i.receiving_agency_id AS agency_id, \
             a.name AS agency_name, i.received_at AS occurred_at, '' AS issues \
             FROM intake i JOIN agency a ON a.id = i.receiving_agency_id \
             JOIN person q ON q.id = i.person_id \
             WHERE (q.id = $1 OR q.linked_to_person_id = $1) AND i.received_at >= $2 \
             UNION ALL \
             SELECT 'support_log', s.id, s.agency_id, a.name, s.created_at, '' FROM support_log s \
             JOIN agency a ON a.id = s.agency_id JOIN person q ON q.id = s.person_id \
             WHERE (q.id = $1 OR q.linked_to_person_id = $1) AND s.created_at >= $2 \
             UNION ALL \
             SELECT 'referral', r.id, r.to_agency_id, a.name, r.updated_at, '' FROM referral r \
             JOIN agency a ON a.id = r.to_agency_id JOIN person q ON q.id = r.person_id \
             WHERE (q.id = $1 OR q.linked_to_person_id = $1) AND r.status IN ('accepted', 'completed') \
             AND r.updated_at >= $2"
        )
        .bind(canonical_id)
        .bind(since)
        .fetch_all(&mut *p)
        .await
        })?;
        for row in rows.iter_mut().filter(|r| r.source == "intake") {
            row.issues = self.intake_tags(row.record_id).await?.0.join(",");
        }
        Ok(rows)
    }

    /// Persons (group roots) that may carry a 複合課題: contacts from two or more agencies,
    /// or three or more issue codes, since `since`. A superset; the domain's
    /// `early_warning::assess` decides. Newest record first from below `below` (a cursor:
    /// the last id of the previous chunk), at most `limit`: each canonical record is
    /// probed through the contact tables' person indexes, so a chunk costs what it reads.
    pub async fn early_warning_candidates(
        &self,
        municipality_id: MunicipalityId,
        since: DateTime<Utc>,
        below: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT p.id FROM person p WHERE p.municipality_id = $1 AND p.linked_to_person_id IS NULL \
             AND ($3 IS NULL OR p.id < $3) AND ( \
               (SELECT COUNT(DISTINCT agency) FROM ( \
                  SELECT i.receiving_agency_id AS agency FROM intake i WHERE i.person_id IN (\
                    SELECT p.id UNION ALL SELECT l.id FROM person l WHERE l.linked_to_person_id = p.id) \
                    AND i.received_at >= $2 \
                  UNION ALL SELECT s.agency_id FROM support_log s WHERE s.person_id IN (\
                    SELECT p.id UNION ALL SELECT l.id FROM person l WHERE l.linked_to_person_id = p.id) \
                    AND s.created_at >= $2 \
                  UNION ALL SELECT r.to_agency_id FROM referral r WHERE r.person_id IN (\
                    SELECT p.id UNION ALL SELECT l.id FROM person l WHERE l.linked_to_person_id = p.id) \
                    AND r.status IN ('accepted', 'completed') AND r.updated_at >= $2) c) >= 2 \
               OR (SELECT COUNT(DISTINCT ii.issue_code) FROM intake i \
                  JOIN intake_issue ii ON ii.intake_id = i.id WHERE i.person_id IN (\
                    SELECT p.id UNION ALL SELECT l.id FROM person l WHERE l.linked_to_person_id = p.id) \
                    AND i.received_at >= $2) >= 3) \
             ORDER BY p.id DESC LIMIT $4"
        )
        .bind(municipality_id)
        .bind(since)
        .bind(below)
        .bind(limit)
        .fetch_all(&mut *p)
        .await
        })?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}
