//! Access facts: what the law makes relevant about a person, read from the records, for
//! `access::decide`. Kept in step with the SQL twin `visible_person!` in person.rs.

use chrono::{DateTime, Utc};
use kasane_domain::access::{CoordinationFact, Involvement, InvolvementKind, PersonFacts};
use kasane_domain::identity::{AgencyId, MunicipalityId};

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
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|(id,)| id))
    }

    /// The access facts of a person's 名寄せ group (`canonical_id` is the group's root).
    pub async fn person_facts(
        &self,
        municipality_id: MunicipalityId,
        canonical_id: i64,
    ) -> StoreResult<PersonFacts> {
        let rows: Vec<(String, i64, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT 'intake', i.receiving_agency_id, i.outcome FROM intake i \
             JOIN person q ON q.id = i.person_id WHERE q.id = $1 OR q.linked_to_person_id = $1 \
             UNION ALL \
             SELECT 'referral', r.to_agency_id, r.status FROM referral r \
             JOIN person q ON q.id = r.person_id WHERE q.id = $1 OR q.linked_to_person_id = $1"
        )
        .bind(canonical_id)
        .fetch_all(p)
        .await)?;
        let mut facts = PersonFacts::new(municipality_id);
        let mut escalated = false;
        for (source, agency_id, state) in rows {
            match (source.as_str(), state.as_str()) {
                ("intake", outcome) => {
                    escalated |= outcome == "escalated";
                    facts.involvements.push(Involvement {
                        agency_id,
                        kind: InvolvementKind::Intake,
                        active: true,
                    });
                }
                ("referral", "sent") => facts.pending_referrals.push(agency_id),
                ("referral", "accepted" | "completed") => facts.involvements.push(Involvement {
                    agency_id,
                    kind: InvolvementKind::ReferralAccepted,
                    active: true,
                }),
                // A declined referral gave the receiver no involvement.
                _ => {}
            }
        }
        let coordinating = match escalated {
            true => self.coordinating_agency(municipality_id).await?,
            false => None,
        };
        facts.coordination = coordinating.map(|coordinating_agency| CoordinationFact {
            coordinating_agency,
            ended: false,
        });
        Ok(facts)
    }

    /// The access facts of a household: those of every current member's group, together
    /// with the intakes recorded on the household itself.
    pub async fn household_facts(
        &self,
        municipality_id: MunicipalityId,
        household_id: i64,
    ) -> StoreResult<PersonFacts> {
        let members: Vec<(i64,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT DISTINCT COALESCE(q.linked_to_person_id, q.id) FROM household_member m \
             JOIN person q ON q.id = m.person_id WHERE m.household_id = $1 AND m.left_on IS NULL \
             UNION SELECT DISTINCT COALESCE(q.linked_to_person_id, q.id) FROM intake i \
             JOIN person q ON q.id = i.person_id WHERE i.household_id = $1"
        )
        .bind(household_id)
        .fetch_all(p)
        .await)?;
        let mut facts = PersonFacts::new(municipality_id);
        for (person_id,) in members {
            let f = self.person_facts(municipality_id, person_id).await?;
            facts.involvements.extend(f.involvements);
            facts.pending_referrals.extend(f.pending_referrals);
            facts.coordination = facts.coordination.or(f.coordination);
        }
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
        .fetch_all(p)
        .await
        })?;
        for row in rows.iter_mut().filter(|r| r.source == "intake") {
            row.issues = self.intake_tags(row.record_id).await?.0.join(",");
        }
        Ok(rows)
    }

    /// Persons (group roots) that may carry a 複合課題: contacts from two or more agencies,
    /// or three or more issue codes, since `since`. A superset; the domain's
    /// `early_warning::assess` decides.
    pub async fn early_warning_candidates(
        &self,
        municipality_id: MunicipalityId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT root FROM ( \
               SELECT COALESCE(q.linked_to_person_id, q.id) AS root, i.receiving_agency_id AS agency \
               FROM intake i JOIN person q ON q.id = i.person_id \
               WHERE i.municipality_id = $1 AND i.received_at >= $2 \
               UNION ALL SELECT COALESCE(q.linked_to_person_id, q.id), s.agency_id \
               FROM support_log s JOIN person q ON q.id = s.person_id \
               WHERE s.municipality_id = $1 AND s.created_at >= $2 \
               UNION ALL SELECT COALESCE(q.linked_to_person_id, q.id), r.to_agency_id \
               FROM referral r JOIN person q ON q.id = r.person_id \
               WHERE r.municipality_id = $1 AND r.status IN ('accepted', 'completed') \
               AND r.updated_at >= $2) c \
             GROUP BY root HAVING COUNT(DISTINCT agency) >= 2 \
             UNION \
             SELECT COALESCE(q.linked_to_person_id, q.id) FROM intake_issue ii \
             JOIN intake i ON i.id = ii.intake_id JOIN person q ON q.id = i.person_id \
             WHERE i.municipality_id = $1 AND i.received_at >= $2 \
             GROUP BY COALESCE(q.linked_to_person_id, q.id) HAVING COUNT(DISTINCT ii.issue_code) >= 3 \
             ORDER BY 1"
        )
        .bind(municipality_id)
        .bind(since)
        .fetch_all(p)
        .await
        })?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}
