//! The list of 相談受付 (intakes) a caller may open: the access rule's SQL twin on the
//! intake's person (canonical record of its 名寄せ group), with the list's filters, newest
//! first. Kept apart from `intake.rs` (the intake's own writes and reads).

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::identity::AgencyId;
use kasane_domain::intake::{Channel, Outcome, Urgency};
use serde::Serialize;

use crate::person::{Viewer, visible_person};
use crate::{Store, StoreResult, on_pool};

/// The list's filters, every part optional, all ANDed.
#[derive(Debug, Clone, Default)]
pub struct IntakeFilter {
    /// Received at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Received before this instant.
    pub before: Option<DateTime<Utc>>,
    pub agency_id: Option<AgencyId>,
    pub channel: Option<Channel>,
    /// A code of the municipality's issue taxonomy.
    pub issue_code: Option<String>,
    pub outcome: Option<Outcome>,
    pub limit: i64,
    pub offset: i64,
}

/// One intake as the list shows it, with its person's canonical record.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct IntakeLine {
    pub id: i64,
    /// The canonical record of the person's 名寄せ group.
    pub person_id: i64,
    pub person_name: String,
    pub person_furigana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub received_at: DateTime<Utc>,
    pub receiving_agency_id: AgencyId,
    pub receiving_agency_name: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(try_from = "String")]
    pub urgency: Urgency,
    #[sqlx(try_from = "String")]
    pub outcome: Outcome,
    pub consent_to_share: bool,
    pub summary: String,
    /// Issue codes, filled by [`Store::list_intakes`] after the rows are read.
    #[sqlx(skip)]
    pub issues: Vec<String>,
}

/// The intakes whose person the viewer may read beyond a つなぐシート (what `read_intake`
/// opens: `visible_person!(full_record)`), filtered. Binds: $1–$4 the viewer, $5–$10 the
/// filters, $11 the page size plus one, $12 the offset.
const LIST: &str = concat!(
    "SELECT i.id, p.id AS person_id, p.name AS person_name, p.furigana AS person_furigana, \
     p.birth_date, i.received_at, i.receiving_agency_id, a.name AS receiving_agency_name, \
     i.channel, i.urgency, i.outcome, i.consent_to_share, i.summary \
     FROM intake i JOIN person q ON q.id = i.person_id \
     JOIN person p ON p.id = COALESCE(q.linked_to_person_id, q.id) \
     JOIN agency a ON a.id = i.receiving_agency_id \
     WHERE i.municipality_id = $1 AND ",
    visible_person!(full_record),
    "AND ($5 IS NULL OR i.received_at >= $5) AND ($6 IS NULL OR i.received_at < $6) \
     AND ($7 IS NULL OR i.receiving_agency_id = $7) AND ($8 IS NULL OR i.channel = $8) \
     AND ($9 IS NULL OR EXISTS (SELECT 1 FROM intake_issue ii WHERE ii.intake_id = i.id \
          AND ii.issue_code = $9)) \
     AND ($10 IS NULL OR i.outcome = $10) \
     ORDER BY i.received_at DESC, i.id DESC LIMIT $11 OFFSET $12"
);

/// Intake ids per statement when their issue codes are read.
const TAG_CHUNK: usize = 500;

impl Store {
    /// One page of the intakes the viewer may open, newest first, and whether another
    /// page follows (one row more is read; nothing is counted).
    pub async fn list_intakes(
        &self,
        viewer: Viewer,
        f: &IntakeFilter,
    ) -> StoreResult<(Vec<IntakeLine>, bool)> {
        let mut rows: Vec<IntakeLine> = on_pool!(self, |p| sqlx::query_as(LIST)
            .bind(viewer.municipality_id)
            .bind(viewer.agency_id)
            .bind(viewer.coordinates)
            .bind(viewer.today)
            .bind(f.from)
            .bind(f.before)
            .bind(f.agency_id)
            .bind(f.channel.map(Channel::code))
            .bind(f.issue_code.as_deref())
            .bind(f.outcome.map(Outcome::code))
            .bind(f.limit + 1)
            .bind(f.offset)
            .fetch_all(&mut *p)
            .await)?;
        let more = rows.len() as i64 > f.limit;
        rows.truncate(usize::try_from(f.limit).unwrap_or(0));
        self.fill_issues(&mut rows).await?;
        Ok((rows, more))
    }

    /// Reads the issue codes of the listed intakes, a chunk of ids per statement.
    async fn fill_issues(&self, rows: &mut [IntakeLine]) -> StoreResult<()> {
        let mut tags: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for chunk in rows.chunks(TAG_CHUNK) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT intake_id, issue_code FROM intake_issue WHERE intake_id IN ({}) \
                 ORDER BY intake_id, issue_code",
                placeholders.join(", ")
            );
            let found: Vec<(i64, String)> = on_pool!(self, |p| {
                let mut q = sqlx::query_as(&sql);
                for r in chunk {
                    q = q.bind(r.id);
                }
                q.fetch_all(&mut *p).await
            })?;
            for (id, code) in found {
                tags.entry(id).or_default().push(code);
            }
        }
        for r in rows {
            r.issues = tags.remove(&r.id).unwrap_or_default();
        }
        Ok(())
    }
}
