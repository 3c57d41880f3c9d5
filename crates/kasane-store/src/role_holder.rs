//! The agencies that hold a role (役割分担) or a support plan's action on an open case
//! without being its lead or a current involved agency: their access rests on something
//! that can lapse (a 本人同意, a 支援会議's agenda), so the coordinator is told when it has.

use kasane_domain::identity::{AgencyId, MunicipalityId};
use serde::Serialize;

use crate::{Store, StoreResult, on_pool};

/// One role or plan action held by an agency outside the case's involved agencies.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct RoleHolder {
    pub case_id: i64,
    pub subject_name: String,
    pub agency_id: AgencyId,
    pub agency_name: String,
    /// `role` (役割分担 at a meeting) or `plan_action` (the newest plan version's action).
    pub source: String,
    pub task: String,
}

impl Store {
    /// Roles and actions of the newest plan versions on open cases of `municipality_id`
    /// whose agency is neither the lead nor currently involved, case by case, `limit`
    /// after `offset`.
    pub async fn role_holders_outside(
        &self,
        municipality_id: MunicipalityId,
        (limit, offset): (i64, i64),
    ) -> StoreResult<Vec<RoleHolder>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT c.id AS case_id, COALESCE(pe.name, h.label, '') AS subject_name, \
             x.agency_id, a.name AS agency_name, x.source, x.task FROM ( \
               SELECT r.case_id, r.agency_id, 'role' AS source, r.task, r.id AS seq \
                 FROM role_assignment r WHERE r.municipality_id = $1 \
               UNION ALL SELECT s.case_id, pa.agency_id, 'plan_action' AS source, pa.what AS task, \
                 pa.id AS seq FROM plan_action pa JOIN support_plan s ON s.id = pa.plan_id \
                 WHERE pa.municipality_id = $1 \
                 AND s.version = (SELECT MAX(s2.version) FROM support_plan s2 WHERE s2.case_id = s.case_id) \
             ) x JOIN cases c ON c.id = x.case_id JOIN agency a ON a.id = x.agency_id \
             LEFT JOIN person pe ON pe.id = c.person_id LEFT JOIN household h ON h.id = c.household_id \
             WHERE c.status <> 'closed' AND c.lead_agency_id <> x.agency_id \
             AND NOT EXISTS (SELECT 1 FROM case_agency ca WHERE ca.case_id = c.id \
                 AND ca.agency_id = x.agency_id AND ca.left_at IS NULL) \
             ORDER BY c.id, x.source DESC, x.seq LIMIT $2 OFFSET $3"
        )
        .bind(municipality_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *p)
        .await
        })?)
    }
}
