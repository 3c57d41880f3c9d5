//! Bulk loading for `kasane gen`: many rows per statement, one transaction per batch.
//! `kasane import persons` writes its batches through [`Store::insert_persons`] too.
//!
//! Rows carry their ids: the generator numbers them from [`Store::bulk_next_ids`], so that
//! a batch can refer to its own rows without reading ids back. The loader must be the only
//! writer while it runs (a row written meanwhile would take an id it numbered). SQLite gets
//! multi-row INSERTs under its bind-parameter limit; PostgreSQL gets `COPY … FROM STDIN`
//! (it takes identity values as given), and each batch moves the identity sequences past
//! the ids it used. No audit entries are written.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::case::{CaseKind, CaseStatus, ClosureReason};
use kasane_domain::consent::{ConsentMethod, Consenter};
use kasane_domain::household::Relationship;
use kasane_domain::identity::{AgencyId, MunicipalityId, UserId};
use kasane_domain::intake::{Channel, ConsulterKind, Outcome, Urgency};
use kasane_domain::meeting::MeetingKind;
use kasane_domain::plan::{NextStep, Progress};
use kasane_domain::referral::{Helpfulness, ReferralStatus};
use kasane_domain::support_log::EntryKind;
use sqlx::{Connection, QueryBuilder};

use crate::person::PersonFields;
use crate::{Engine, Store, StoreError, StoreResult, execute, on_pool};

/// The tables whose ids the loader numbers, in insertion (foreign-key) order.
pub const ID_TABLES: [&str; 23] = [
    "household",
    "person",
    "household_member",
    "person_link",
    "intake",
    "referral",
    "referral_event",
    "cases",
    "case_agency",
    "case_event",
    "assessment",
    "consent",
    "meeting",
    "meeting_member",
    "meeting_agenda",
    "role_assignment",
    "support_plan",
    "plan_action",
    "monitoring",
    "monitoring_entry",
    "evaluation",
    "support_log",
    "support_log_version",
];

/// The next free id of every table in [`ID_TABLES`], in that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextIds(pub [i64; ID_TABLES.len()]);

/// What the generator adds to a person's validated fields.
#[derive(Debug, Clone)]
pub struct PersonExtra {
    pub id: i64,
    pub linked_to_person_id: Option<i64>,
    pub created_by_agency_id: AgencyId,
    pub created_by_user_id: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct HouseholdRow {
    pub id: i64,
    pub label: String,
    pub address: String,
    pub district_code: Option<String>,
    pub created_by_agency_id: AgencyId,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct MemberRow {
    pub id: i64,
    pub household_id: i64,
    pub person_id: i64,
    pub relationship: Relationship,
    pub is_head: bool,
    pub is_carer: bool,
    pub joined_on: NaiveDate,
    pub recorded_by_user_id: UserId,
}

/// A 名寄せ link; with `split` set, undone later (and the pair recorded as distinct).
#[derive(Debug, Clone)]
pub struct LinkRow {
    pub id: i64,
    pub person_id: i64,
    pub linked_person_id: i64,
    pub linked_by_user_id: UserId,
    pub linked_at: DateTime<Utc>,
    pub split: Option<(UserId, DateTime<Utc>)>,
    pub reason: String,
}

/// `person_a` < `person_b`, as `split_persons` writes it.
#[derive(Debug, Clone)]
pub struct DistinctRow {
    pub person_a: i64,
    pub person_b: i64,
    pub decided_by_user_id: UserId,
    pub decided_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct IntakeRow {
    pub id: i64,
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub received_at: DateTime<Utc>,
    pub receiving_agency_id: AgencyId,
    pub recorded_by_user_id: UserId,
    pub channel: Channel,
    pub consulter_kind: ConsulterKind,
    pub consulter_name: String,
    pub consulter_relation: String,
    pub consent_to_share: bool,
    pub summary: String,
    pub urgency: Urgency,
    pub outcome: Outcome,
    pub referred_to_agency_id: Option<AgencyId>,
    pub immediate_action: String,
    pub most_pressing: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An issue tag or a checklist item of an intake.
#[derive(Debug, Clone)]
pub struct CodeRow {
    pub intake_id: i64,
    pub code: String,
}

#[derive(Debug, Clone)]
pub struct ReferralRow {
    pub id: i64,
    pub person_id: i64,
    pub intake_id: Option<i64>,
    pub from_agency_id: AgencyId,
    pub to_agency_id: AgencyId,
    pub reason: String,
    pub status: ReferralStatus,
    pub sent_by_user_id: UserId,
    pub sent_at: DateTime<Utc>,
    pub decline_reason: String,
    pub provided: String,
    pub helped: Option<Helpfulness>,
    pub sender_acknowledged: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ReferralEventRow {
    pub id: i64,
    pub referral_id: i64,
    pub status: ReferralStatus,
    pub user_id: UserId,
    pub agency_id: AgencyId,
    pub note: String,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: i64,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    pub status: CaseStatus,
    pub suspended_from: Option<CaseStatus>,
    pub lead_agency_id: AgencyId,
    pub intake_id: Option<i64>,
    pub summary: String,
    pub coordination_ended: Option<(DateTime<Utc>, UserId)>,
    pub handover_note: String,
    pub closed: Option<(ClosureReason, DateTime<Utc>, UserId)>,
    pub opened_by_user_id: UserId,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct CaseKindRow {
    pub case_id: i64,
    pub kind: CaseKind,
}

#[derive(Debug, Clone)]
pub struct CaseAgencyRow {
    pub id: i64,
    pub case_id: i64,
    pub agency_id: AgencyId,
    pub joined_at: DateTime<Utc>,
    pub added_by_user_id: UserId,
}

#[derive(Debug, Clone)]
pub struct CaseEventRow {
    pub id: i64,
    pub case_id: i64,
    /// `open`, `advance`, `suspend`, `close` — the codes `case::CaseEvent` records.
    pub event: &'static str,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    pub note: String,
    pub user_id: UserId,
    pub agency_id: AgencyId,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct AssessmentRow {
    pub id: i64,
    pub case_id: i64,
    pub version: i64,
    /// The sheet as JSON (`AssessmentDraft`).
    pub sheet: String,
    pub author_user_id: UserId,
    pub author_agency_id: AgencyId,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ConsentRow {
    pub id: i64,
    pub person_id: i64,
    pub case_id: Option<i64>,
    pub consenter: Consenter,
    pub proxy_name: String,
    pub proxy_relation: String,
    pub consented_on: NaiveDate,
    pub method: ConsentMethod,
    pub information: String,
    pub covers_support_meeting: bool,
    pub covers_multilayer_meeting: bool,
    pub expires_on: Option<NaiveDate>,
    pub note: String,
    pub recorded_by_user_id: UserId,
    pub recorded_by_agency_id: AgencyId,
    pub created_at: DateTime<Utc>,
    pub withdrawn: Option<(DateTime<Utc>, UserId, String)>,
}

#[derive(Debug, Clone)]
pub struct ConsentAgencyRow {
    pub consent_id: i64,
    pub agency_id: AgencyId,
}

#[derive(Debug, Clone)]
pub struct MeetingRow {
    pub id: i64,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub host_agency_id: AgencyId,
    pub place: String,
    pub next_review_on: Option<NaiveDate>,
    pub note: String,
    pub created_by_user_id: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct MeetingMemberRow {
    pub id: i64,
    pub meeting_id: i64,
    pub agency_id: AgencyId,
    pub attendee_name: String,
    pub acknowledged: Option<(DateTime<Utc>, UserId)>,
}

#[derive(Debug, Clone)]
pub struct AgendaRow {
    pub id: i64,
    pub meeting_id: i64,
    pub case_id: i64,
    pub added_by_user_id: UserId,
    pub added_at: DateTime<Utc>,
    pub discussion: String,
    pub decisions: String,
    pub minutes: Option<(UserId, DateTime<Utc>)>,
}

#[derive(Debug, Clone)]
pub struct RoleRow {
    pub id: i64,
    pub meeting_id: i64,
    pub case_id: i64,
    pub agency_id: AgencyId,
    pub staff_name: String,
    pub task: String,
    pub due_on: Option<NaiveDate>,
    pub created_by_user_id: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct PlanRow {
    pub id: i64,
    pub case_id: i64,
    pub version: i64,
    pub person_goal: String,
    pub long_term_goal: String,
    pub short_term_goal: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub approved: Option<(i64, UserId, DateTime<Utc>)>,
    pub created_by_user_id: UserId,
    pub created_by_agency_id: AgencyId,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct PlanActionRow {
    pub id: i64,
    pub plan_id: i64,
    pub seq: i64,
    pub what: String,
    pub agency_id: AgencyId,
    pub staff_name: String,
    pub by_when: Option<NaiveDate>,
    pub frequency: String,
}

#[derive(Debug, Clone)]
pub struct MonitoringRow {
    pub id: i64,
    pub plan_id: i64,
    pub due_on: NaiveDate,
    pub done: Option<(DateTime<Utc>, UserId)>,
}

#[derive(Debug, Clone)]
pub struct MonitoringEntryRow {
    pub id: i64,
    pub monitoring_id: i64,
    pub plan_action_id: i64,
    pub progress: Progress,
    pub note: String,
}

/// Results per goal are the `plan::Achievement` codes.
#[derive(Debug, Clone)]
pub struct EvaluationRow {
    pub id: i64,
    pub plan_id: i64,
    pub results: [&'static str; 3],
    pub note: String,
    pub next_step: NextStep,
    pub evaluated_by_user_id: UserId,
    pub evaluated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct LogRow {
    pub id: i64,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
    pub agency_id: AgencyId,
    pub created_by_user_id: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct LogVersionRow {
    pub id: i64,
    pub support_log_id: i64,
    pub version: i64,
    pub occurred_on: NaiveDate,
    pub kind: EntryKind,
    pub body: String,
    pub edited_by_user_id: UserId,
    pub edited_at: DateTime<Utc>,
}

/// One batch of generated rows, written in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub households: Vec<HouseholdRow>,
    pub persons: Vec<PersonFields>,
    /// One per person, in the same order.
    pub person_extras: Vec<PersonExtra>,
    pub members: Vec<MemberRow>,
    pub links: Vec<LinkRow>,
    pub distinct: Vec<DistinctRow>,
    pub intakes: Vec<IntakeRow>,
    pub intake_issues: Vec<CodeRow>,
    pub intake_concerns: Vec<CodeRow>,
    pub referrals: Vec<ReferralRow>,
    pub referral_events: Vec<ReferralEventRow>,
    pub cases: Vec<CaseRow>,
    pub case_kinds: Vec<CaseKindRow>,
    pub case_agencies: Vec<CaseAgencyRow>,
    pub case_events: Vec<CaseEventRow>,
    pub assessments: Vec<AssessmentRow>,
    pub consents: Vec<ConsentRow>,
    pub consent_agencies: Vec<ConsentAgencyRow>,
    pub meetings: Vec<MeetingRow>,
    pub meeting_members: Vec<MeetingMemberRow>,
    pub agenda: Vec<AgendaRow>,
    pub roles: Vec<RoleRow>,
    pub plans: Vec<PlanRow>,
    pub plan_actions: Vec<PlanActionRow>,
    pub monitorings: Vec<MonitoringRow>,
    pub monitoring_entries: Vec<MonitoringEntryRow>,
    pub evaluations: Vec<EvaluationRow>,
    pub logs: Vec<LogRow>,
    pub log_versions: Vec<LogVersionRow>,
}

/// The tables a [`Batch`] writes: the length of [`Batch::counts`].
pub const BATCH_TABLES: usize = 28;

impl Batch {
    /// Rows per table, in field order.
    pub fn counts(&self) -> [usize; BATCH_TABLES] {
        [
            self.households.len(),
            self.persons.len(),
            self.members.len(),
            self.links.len(),
            self.distinct.len(),
            self.intakes.len(),
            self.intake_issues.len(),
            self.intake_concerns.len(),
            self.referrals.len(),
            self.referral_events.len(),
            self.cases.len(),
            self.case_kinds.len(),
            self.case_agencies.len(),
            self.case_events.len(),
            self.assessments.len(),
            self.consents.len(),
            self.consent_agencies.len(),
            self.meetings.len(),
            self.meeting_members.len(),
            self.agenda.len(),
            self.roles.len(),
            self.plans.len(),
            self.plan_actions.len(),
            self.monitorings.len(),
            self.monitoring_entries.len(),
            self.evaluations.len(),
            self.logs.len(),
            self.log_versions.len(),
        ]
    }
}

/// Bind parameters one statement may carry on `engine`.
fn bind_limit(engine: Engine) -> usize {
    match engine {
        Engine::Sqlite => 32766,
        Engine::Postgres => 65535,
    }
}

/// Writes every row of `$rows` into `$table`: on PostgreSQL as one `COPY … FROM STDIN`
/// (text format, many times faster than INSERTs there; COPY takes identity values as
/// given), elsewhere as `INSERT … VALUES (…), (…)` with as many rows per statement as the
/// bind limit allows. `$push` gives one row's columns in order through `push_bind`, which
/// both a VALUES row and a [`CopyRow`] offer. Answers the time it took.
macro_rules! insert_rows {
    ($p:expr, $engine:expr, $table:literal, [$($col:literal),+], $rows:expr, |$b:ident, $r:ident| $push:block) => {{
        let started = std::time::Instant::now();
        const COLS: &[&str] = &[$($col),+];
        if $engine == Engine::Postgres {
            let mut data = String::with_capacity($rows.len() * 96);
            for $r in $rows.iter() {
                #[allow(unused_mut)]
                let mut $b = CopyRow::new(&mut data);
                $push
                data.push('\n');
            }
            if !data.is_empty() {
                let statement = format!("COPY {} ({}) FROM STDIN", $table, COLS.join(", "));
                $p.copy_text(&statement, data.as_bytes()).await?;
            }
        } else {
            let per_statement = bind_limit($engine) / COLS.len();
            let head = format!("INSERT INTO {} ({}) ", $table, COLS.join(", "));
            for chunk in $rows.chunks(per_statement.max(1)) {
                let mut qb = QueryBuilder::new(&head);
                qb.push_values(chunk, |mut $b, $r| $push);
                qb.build().execute(&mut *$p).await?;
            }
        }
        started.elapsed()
    }};
}

/// One row of COPY's text format being written, column by column.
struct CopyRow<'a> {
    line: &'a mut String,
    first: bool,
}

impl<'a> CopyRow<'a> {
    fn new(line: &'a mut String) -> CopyRow<'a> {
        CopyRow { line, first: true }
    }

    fn push_bind<T: CopyValue>(&mut self, value: T) -> &mut Self {
        if !self.first {
            self.line.push('\t');
        }
        self.first = false;
        value.write(self.line);
        self
    }
}

/// A value as COPY's text format writes it (`\N` is NULL; backslash, tab and line breaks
/// escaped).
trait CopyValue {
    fn write(&self, out: &mut String);
}

impl CopyValue for str {
    fn write(&self, out: &mut String) {
        for c in self.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
    }
}

impl CopyValue for String {
    fn write(&self, out: &mut String) {
        self.as_str().write(out);
    }
}

impl CopyValue for i64 {
    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{self}");
    }
}

impl CopyValue for bool {
    fn write(&self, out: &mut String) {
        out.push(if *self { 't' } else { 'f' });
    }
}

impl CopyValue for DateTime<Utc> {
    fn write(&self, out: &mut String) {
        out.push_str(&self.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    }
}

impl CopyValue for NaiveDate {
    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{}", self.format("%Y-%m-%d"));
    }
}

impl<T: CopyValue> CopyValue for Option<T> {
    fn write(&self, out: &mut String) {
        match self {
            Some(v) => v.write(out),
            None => out.push_str("\\N"),
        }
    }
}

impl<T: CopyValue + ?Sized> CopyValue for &T {
    fn write(&self, out: &mut String) {
        (**self).write(out);
    }
}

/// `COPY … FROM STDIN` on the connection: PostgreSQL's; SQLite has none (never asked).
trait CopyIn {
    async fn copy_text(&mut self, statement: &str, data: &[u8]) -> StoreResult<()>;
}

impl CopyIn for sqlx::SqliteConnection {
    async fn copy_text(&mut self, _: &str, _: &[u8]) -> StoreResult<()> {
        Err(StoreError::Invalid("SQLite に COPY はありません".into()))
    }
}

impl CopyIn for sqlx::PgConnection {
    async fn copy_text(&mut self, statement: &str, data: &[u8]) -> StoreResult<()> {
        let mut copy = self.copy_in_raw(statement).await?;
        copy.send(data).await?;
        copy.finish().await?;
        Ok(())
    }
}

impl Store {
    /// The next free id of every table the loader numbers.
    pub async fn bulk_next_ids(&self) -> StoreResult<NextIds> {
        let mut next = [1; ID_TABLES.len()];
        for (slot, table) in next.iter_mut().zip(ID_TABLES) {
            // Table names are the constants above, never input.
            let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
            let (id,): (i64,) = on_pool!(self, |p| sqlx::query_as(&sql).fetch_one(&mut *p).await)?;
            *slot = id;
        }
        Ok(NextIds(next))
    }

    /// Writes one batch in one transaction; on PostgreSQL also moves every identity
    /// sequence to `next` (the ids after the batch), so the app's own inserts go on after.
    /// Answers the time spent on each table, in the order of [`Batch::counts`].
    pub async fn insert_batch(
        &self,
        municipality_id: MunicipalityId,
        b: &Batch,
        next: &NextIds,
    ) -> StoreResult<Vec<Duration>> {
        let work = self.begin().await?;
        let started = Instant::now();
        work.insert_persons(municipality_id, &b.persons, &b.person_extras)
            .await?;
        let persons = started.elapsed();
        let mut times = work.insert_rest(municipality_id, b, next).await?;
        times.insert(1, persons);
        work.commit().await?;
        Ok(times)
    }

    /// Every table of the batch but `person`, on the unit of work's transaction.
    async fn insert_rest(
        &self,
        municipality_id: MunicipalityId,
        b: &Batch,
        next: &NextIds,
    ) -> StoreResult<Vec<Duration>> {
        let engine = self.engine();
        let m = municipality_id;
        let mut times = Vec::with_capacity(BATCH_TABLES);
        on_pool!(self, |p| {
            times.push(insert_rows!(
                p,
                engine,
                "household",
                [
                    "id",
                    "municipality_id",
                    "label",
                    "address",
                    "district_code",
                    "created_by_agency_id",
                    "created_at"
                ],
                b.households,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(&r.label)
                        .push_bind(&r.address)
                        .push_bind(&r.district_code)
                        .push_bind(r.created_by_agency_id)
                        .push_bind(r.created_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "household_member",
                [
                    "id",
                    "municipality_id",
                    "household_id",
                    "person_id",
                    "relationship",
                    "is_head",
                    "is_carer",
                    "joined_on",
                    "recorded_by_user_id"
                ],
                b.members,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.household_id)
                        .push_bind(r.person_id)
                        .push_bind(r.relationship.code())
                        .push_bind(r.is_head)
                        .push_bind(r.is_carer)
                        .push_bind(r.joined_on)
                        .push_bind(r.recorded_by_user_id);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "person_link",
                [
                    "id",
                    "municipality_id",
                    "person_id",
                    "linked_person_id",
                    "linked_by_user_id",
                    "linked_at",
                    "split_by_user_id",
                    "split_at",
                    "reason"
                ],
                b.links,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.person_id)
                        .push_bind(r.linked_person_id)
                        .push_bind(r.linked_by_user_id)
                        .push_bind(r.linked_at)
                        .push_bind(r.split.map(|s| s.0))
                        .push_bind(r.split.map(|s| s.1))
                        .push_bind(&r.reason);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "person_distinct",
                [
                    "municipality_id",
                    "person_a",
                    "person_b",
                    "decided_by_user_id",
                    "decided_at"
                ],
                b.distinct,
                |q, r| {
                    q.push_bind(m)
                        .push_bind(r.person_a)
                        .push_bind(r.person_b)
                        .push_bind(r.decided_by_user_id)
                        .push_bind(r.decided_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "intake",
                [
                    "id",
                    "municipality_id",
                    "person_id",
                    "household_id",
                    "received_at",
                    "receiving_agency_id",
                    "recorded_by_user_id",
                    "channel",
                    "consulter_kind",
                    "consulter_name",
                    "consulter_relation",
                    "consent_to_share",
                    "summary",
                    "urgency",
                    "outcome",
                    "referred_to_agency_id",
                    "immediate_action",
                    "most_pressing",
                    "created_at"
                ],
                b.intakes,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.person_id)
                        .push_bind(r.household_id)
                        .push_bind(r.received_at)
                        .push_bind(r.receiving_agency_id)
                        .push_bind(r.recorded_by_user_id)
                        .push_bind(r.channel.code())
                        .push_bind(r.consulter_kind.code())
                        .push_bind(&r.consulter_name)
                        .push_bind(&r.consulter_relation)
                        .push_bind(r.consent_to_share)
                        .push_bind(&r.summary)
                        .push_bind(r.urgency.code())
                        .push_bind(r.outcome.code())
                        .push_bind(r.referred_to_agency_id)
                        .push_bind(&r.immediate_action)
                        .push_bind(&r.most_pressing)
                        .push_bind(r.created_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "intake_issue",
                ["intake_id", "municipality_id", "issue_code"],
                b.intake_issues,
                |q, r| {
                    q.push_bind(r.intake_id).push_bind(m).push_bind(&r.code);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "intake_concern",
                ["intake_id", "municipality_id", "concern_code"],
                b.intake_concerns,
                |q, r| {
                    q.push_bind(r.intake_id).push_bind(m).push_bind(&r.code);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "referral",
                [
                    "id",
                    "municipality_id",
                    "person_id",
                    "intake_id",
                    "from_agency_id",
                    "to_agency_id",
                    "reason",
                    "status",
                    "sent_by_user_id",
                    "sent_at",
                    "decline_reason",
                    "provided",
                    "helped",
                    "sender_acknowledged",
                    "updated_at"
                ],
                b.referrals,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.person_id)
                        .push_bind(r.intake_id)
                        .push_bind(r.from_agency_id)
                        .push_bind(r.to_agency_id)
                        .push_bind(&r.reason)
                        .push_bind(r.status.code())
                        .push_bind(r.sent_by_user_id)
                        .push_bind(r.sent_at)
                        .push_bind(&r.decline_reason)
                        .push_bind(&r.provided)
                        .push_bind(r.helped.map(|h| h.code()))
                        .push_bind(r.sender_acknowledged)
                        .push_bind(r.updated_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "referral_event",
                [
                    "id",
                    "municipality_id",
                    "referral_id",
                    "status",
                    "user_id",
                    "agency_id",
                    "note",
                    "occurred_at"
                ],
                b.referral_events,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.referral_id)
                        .push_bind(r.status.code())
                        .push_bind(r.user_id)
                        .push_bind(r.agency_id)
                        .push_bind(&r.note)
                        .push_bind(r.occurred_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "cases",
                [
                    "id",
                    "municipality_id",
                    "person_id",
                    "household_id",
                    "status",
                    "suspended_from",
                    "lead_agency_id",
                    "intake_id",
                    "summary",
                    "coordination_ended_at",
                    "coordination_ended_by_user_id",
                    "handover_note",
                    "closure_reason",
                    "closed_at",
                    "closed_by_user_id",
                    "opened_by_user_id",
                    "opened_at",
                    "updated_at"
                ],
                b.cases,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.person_id)
                        .push_bind(r.household_id)
                        .push_bind(r.status.code())
                        .push_bind(r.suspended_from.map(|s| s.code()))
                        .push_bind(r.lead_agency_id)
                        .push_bind(r.intake_id)
                        .push_bind(&r.summary)
                        .push_bind(r.coordination_ended.map(|c| c.0))
                        .push_bind(r.coordination_ended.map(|c| c.1))
                        .push_bind(&r.handover_note)
                        .push_bind(r.closed.map(|c| c.0.code()))
                        .push_bind(r.closed.map(|c| c.1))
                        .push_bind(r.closed.map(|c| c.2))
                        .push_bind(r.opened_by_user_id)
                        .push_bind(r.opened_at)
                        .push_bind(r.updated_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "case_kind",
                ["municipality_id", "case_id", "kind"],
                b.case_kinds,
                |q, r| {
                    q.push_bind(m).push_bind(r.case_id).push_bind(r.kind.code());
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "case_agency",
                [
                    "id",
                    "municipality_id",
                    "case_id",
                    "agency_id",
                    "joined_at",
                    "added_by_user_id"
                ],
                b.case_agencies,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.case_id)
                        .push_bind(r.agency_id)
                        .push_bind(r.joined_at)
                        .push_bind(r.added_by_user_id);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "case_event",
                [
                    "id",
                    "municipality_id",
                    "case_id",
                    "event",
                    "from_status",
                    "to_status",
                    "note",
                    "user_id",
                    "agency_id",
                    "occurred_at"
                ],
                b.case_events,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.case_id)
                        .push_bind(r.event)
                        .push_bind(r.from_status.map(|s| s.code()))
                        .push_bind(r.to_status.map(|s| s.code()))
                        .push_bind(&r.note)
                        .push_bind(r.user_id)
                        .push_bind(r.agency_id)
                        .push_bind(r.occurred_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "assessment",
                [
                    "id",
                    "municipality_id",
                    "case_id",
                    "version",
                    "sheet",
                    "author_user_id",
                    "author_agency_id",
                    "created_at"
                ],
                b.assessments,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.case_id)
                        .push_bind(r.version)
                        .push_bind(&r.sheet)
                        .push_bind(r.author_user_id)
                        .push_bind(r.author_agency_id)
                        .push_bind(r.created_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "consent",
                [
                    "id",
                    "municipality_id",
                    "person_id",
                    "case_id",
                    "consenter",
                    "proxy_name",
                    "proxy_relation",
                    "consented_on",
                    "method",
                    "information",
                    "covers_support_meeting",
                    "covers_multilayer_meeting",
                    "expires_on",
                    "note",
                    "recorded_by_user_id",
                    "recorded_by_agency_id",
                    "created_at",
                    "withdrawn_at",
                    "withdrawn_by_user_id",
                    "withdrawal_note"
                ],
                b.consents,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.person_id)
                        .push_bind(r.case_id)
                        .push_bind(r.consenter.code())
                        .push_bind(&r.proxy_name)
                        .push_bind(&r.proxy_relation)
                        .push_bind(r.consented_on)
                        .push_bind(r.method.code())
                        .push_bind(&r.information)
                        .push_bind(r.covers_support_meeting)
                        .push_bind(r.covers_multilayer_meeting)
                        .push_bind(r.expires_on)
                        .push_bind(&r.note)
                        .push_bind(r.recorded_by_user_id)
                        .push_bind(r.recorded_by_agency_id)
                        .push_bind(r.created_at)
                        .push_bind(r.withdrawn.as_ref().map(|w| w.0))
                        .push_bind(r.withdrawn.as_ref().map(|w| w.1))
                        .push_bind(r.withdrawn.as_ref().map_or("", |w| w.2.as_str()));
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "consent_agency",
                ["municipality_id", "consent_id", "agency_id"],
                b.consent_agencies,
                |q, r| {
                    q.push_bind(m)
                        .push_bind(r.consent_id)
                        .push_bind(r.agency_id);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "meeting",
                [
                    "id",
                    "municipality_id",
                    "kind",
                    "held_on",
                    "host_agency_id",
                    "place",
                    "next_review_on",
                    "note",
                    "created_by_user_id",
                    "created_at"
                ],
                b.meetings,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.kind.code())
                        .push_bind(r.held_on)
                        .push_bind(r.host_agency_id)
                        .push_bind(&r.place)
                        .push_bind(r.next_review_on)
                        .push_bind(&r.note)
                        .push_bind(r.created_by_user_id)
                        .push_bind(r.created_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "meeting_member",
                [
                    "id",
                    "municipality_id",
                    "meeting_id",
                    "agency_id",
                    "attendee_name",
                    "acknowledged_at",
                    "acknowledged_by_user_id"
                ],
                b.meeting_members,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.meeting_id)
                        .push_bind(r.agency_id)
                        .push_bind(&r.attendee_name)
                        .push_bind(r.acknowledged.map(|a| a.0))
                        .push_bind(r.acknowledged.map(|a| a.1));
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "meeting_agenda",
                [
                    "id",
                    "municipality_id",
                    "meeting_id",
                    "case_id",
                    "added_by_user_id",
                    "added_at",
                    "discussion",
                    "decisions",
                    "minutes_by_user_id",
                    "minutes_at"
                ],
                b.agenda,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.meeting_id)
                        .push_bind(r.case_id)
                        .push_bind(r.added_by_user_id)
                        .push_bind(r.added_at)
                        .push_bind(&r.discussion)
                        .push_bind(&r.decisions)
                        .push_bind(r.minutes.map(|x| x.0))
                        .push_bind(r.minutes.map(|x| x.1));
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "role_assignment",
                [
                    "id",
                    "municipality_id",
                    "meeting_id",
                    "case_id",
                    "agency_id",
                    "staff_name",
                    "task",
                    "due_on",
                    "created_by_user_id",
                    "created_at"
                ],
                b.roles,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.meeting_id)
                        .push_bind(r.case_id)
                        .push_bind(r.agency_id)
                        .push_bind(&r.staff_name)
                        .push_bind(&r.task)
                        .push_bind(r.due_on)
                        .push_bind(r.created_by_user_id)
                        .push_bind(r.created_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "support_plan",
                [
                    "id",
                    "municipality_id",
                    "case_id",
                    "version",
                    "person_goal",
                    "long_term_goal",
                    "short_term_goal",
                    "period_start",
                    "period_end",
                    "approved_meeting_id",
                    "approved_by_user_id",
                    "approved_at",
                    "created_by_user_id",
                    "created_by_agency_id",
                    "created_at"
                ],
                b.plans,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.case_id)
                        .push_bind(r.version)
                        .push_bind(&r.person_goal)
                        .push_bind(&r.long_term_goal)
                        .push_bind(&r.short_term_goal)
                        .push_bind(r.period_start)
                        .push_bind(r.period_end)
                        .push_bind(r.approved.map(|a| a.0))
                        .push_bind(r.approved.map(|a| a.1))
                        .push_bind(r.approved.map(|a| a.2))
                        .push_bind(r.created_by_user_id)
                        .push_bind(r.created_by_agency_id)
                        .push_bind(r.created_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "plan_action",
                [
                    "id",
                    "municipality_id",
                    "plan_id",
                    "seq",
                    "what",
                    "agency_id",
                    "staff_name",
                    "by_when",
                    "frequency"
                ],
                b.plan_actions,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.plan_id)
                        .push_bind(r.seq)
                        .push_bind(&r.what)
                        .push_bind(r.agency_id)
                        .push_bind(&r.staff_name)
                        .push_bind(r.by_when)
                        .push_bind(&r.frequency);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "monitoring",
                [
                    "id",
                    "municipality_id",
                    "plan_id",
                    "due_on",
                    "done_at",
                    "done_by_user_id"
                ],
                b.monitorings,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.plan_id)
                        .push_bind(r.due_on)
                        .push_bind(r.done.map(|d| d.0))
                        .push_bind(r.done.map(|d| d.1));
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "monitoring_entry",
                [
                    "id",
                    "municipality_id",
                    "monitoring_id",
                    "plan_action_id",
                    "progress",
                    "note"
                ],
                b.monitoring_entries,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.monitoring_id)
                        .push_bind(r.plan_action_id)
                        .push_bind(r.progress.code())
                        .push_bind(&r.note);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "evaluation",
                [
                    "id",
                    "municipality_id",
                    "plan_id",
                    "person_goal",
                    "long_term_goal",
                    "short_term_goal",
                    "note",
                    "next_step",
                    "evaluated_by_user_id",
                    "evaluated_at"
                ],
                b.evaluations,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.plan_id)
                        .push_bind(r.results[0])
                        .push_bind(r.results[1])
                        .push_bind(r.results[2])
                        .push_bind(&r.note)
                        .push_bind(r.next_step.code())
                        .push_bind(r.evaluated_by_user_id)
                        .push_bind(r.evaluated_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "support_log",
                [
                    "id",
                    "municipality_id",
                    "person_id",
                    "household_id",
                    "agency_id",
                    "created_by_user_id",
                    "created_at"
                ],
                b.logs,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.person_id)
                        .push_bind(r.household_id)
                        .push_bind(r.agency_id)
                        .push_bind(r.created_by_user_id)
                        .push_bind(r.created_at);
                }
            ));
            times.push(insert_rows!(
                p,
                engine,
                "support_log_version",
                [
                    "id",
                    "municipality_id",
                    "support_log_id",
                    "version",
                    "occurred_on",
                    "kind",
                    "body",
                    "edited_by_user_id",
                    "edited_at"
                ],
                b.log_versions,
                |q, r| {
                    q.push_bind(r.id)
                        .push_bind(m)
                        .push_bind(r.support_log_id)
                        .push_bind(r.version)
                        .push_bind(r.occurred_on)
                        .push_bind(r.kind.code())
                        .push_bind(&r.body)
                        .push_bind(r.edited_by_user_id)
                        .push_bind(r.edited_at);
                }
            ));
            if engine == Engine::Postgres {
                for (table, id) in ID_TABLES.iter().zip(next.0) {
                    sqlx::query("SELECT setval(pg_get_serial_sequence($1, 'id'), $2, false)")
                        .bind(*table)
                        .bind(id)
                        .execute(&mut *p)
                        .await?;
                }
            }
            Ok(times)
        })
    }

    /// Inserts persons as one batch, in a transaction of its own or as a savepoint of the
    /// unit of work's: the one place generated and imported persons' columns are written
    /// (a new `PersonFields` key column goes here).
    pub async fn insert_persons(
        &self,
        municipality_id: MunicipalityId,
        persons: &[PersonFields],
        extras: &[PersonExtra],
    ) -> StoreResult<()> {
        let engine = self.engine();
        on_pool!(self, |c| {
            let mut tx = c.begin().await?;
            let p = &mut *tx;
            let rows: Vec<(&PersonFields, &PersonExtra)> =
                persons.iter().zip(extras.iter()).collect();
            let _ = insert_rows!(
                p,
                engine,
                "person",
                [
                    "id",
                    "municipality_id",
                    "name",
                    "furigana",
                    "name_key",
                    "kana_key",
                    "birth_date",
                    "sex",
                    "address",
                    "district_code",
                    "phone",
                    "phone_digits",
                    "note",
                    "external_id",
                    "linked_to_person_id",
                    "created_by_agency_id",
                    "created_by_user_id",
                    "created_at",
                    "updated_at",
                    "given_key",
                    "given_kana_key"
                ],
                rows,
                |q, r| {
                    let (f, x) = *r;
                    q.push_bind(x.id)
                        .push_bind(municipality_id)
                        .push_bind(&f.name)
                        .push_bind(&f.furigana)
                        .push_bind(&f.name_key)
                        .push_bind(&f.kana_key)
                        .push_bind(f.birth_date)
                        .push_bind(&f.sex)
                        .push_bind(&f.address)
                        .push_bind(&f.district_code)
                        .push_bind(&f.phone)
                        .push_bind(&f.phone_digits)
                        .push_bind(&f.note)
                        .push_bind(&f.external_id)
                        .push_bind(x.linked_to_person_id)
                        .push_bind(x.created_by_agency_id)
                        .push_bind(x.created_by_user_id)
                        .push_bind(x.created_at)
                        .push_bind(x.created_at)
                        .push_bind(&f.given_key)
                        .push_bind(&f.given_kana_key);
                }
            );
            tx.commit().await?;
            Ok(())
        })
    }
}

/// The secondary indexes of the loader's tables, which [`Store::bulk_drop_indexes`] drops
/// while it loads: each is then built once, by one sort, instead of taking a b-tree insert
/// per row (at 1 M persons the scattered keys outgrow the page cache and the load slows
/// 4×). Unique indexes stay: they keep what they promise during the load.
impl Store {
    /// Drops those indexes, keeping each definition in `bulk_dropped_index` in the same
    /// transaction, so that a load cut off halfway is repaired when the store next opens
    /// ([`Store::migrate`]). Answers how many were dropped.
    pub async fn bulk_drop_indexes(&self) -> StoreResult<usize> {
        let catalog = match self.engine() {
            Engine::Sqlite => {
                "SELECT name, tbl_name, sql FROM sqlite_master \
                 WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"
            }
            Engine::Postgres => {
                "SELECT indexname, tablename, indexdef FROM pg_indexes \
                 WHERE schemaname = current_schema() AND indexdef NOT LIKE 'CREATE UNIQUE%'"
            }
        };
        let work = self.begin().await?;
        let indexes: Vec<(String, String, String)> =
            on_pool!(work, |p| sqlx::query_as(catalog).fetch_all(&mut *p).await)?;
        let mut dropped = 0;
        for (name, table, definition) in indexes {
            if !ID_TABLES.contains(&table.as_str()) {
                continue;
            }
            execute!(
                work,
                sqlx::query("INSERT INTO bulk_dropped_index (name, definition) VALUES ($1, $2)")
                    .bind(&name)
                    .bind(&definition)
            )?;
            // The name comes from the catalog, never from input.
            execute!(work, sqlx::query(&format!("DROP INDEX \"{name}\"")))?;
            dropped += 1;
        }
        work.commit().await?;
        Ok(dropped)
    }

    /// Builds every index [`Store::bulk_drop_indexes`] dropped, one transaction each (a
    /// cut-off rebuild keeps those already built). Answers how many were built.
    pub async fn bulk_restore_indexes(&self) -> StoreResult<usize> {
        let dropped: Vec<(String, String)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT name, definition FROM bulk_dropped_index ORDER BY name")
                .fetch_all(&mut *p)
                .await
        })?;
        for (name, definition) in &dropped {
            let work = self.begin().await?;
            if self.engine() == Engine::Postgres {
                // One sort in memory rather than in temporary files.
                execute!(
                    work,
                    sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
                )?;
            }
            execute!(work, sqlx::query(definition))?;
            execute!(
                work,
                sqlx::query("DELETE FROM bulk_dropped_index WHERE name = $1").bind(name)
            )?;
            work.commit().await?;
        }
        Ok(dropped.len())
    }
}
