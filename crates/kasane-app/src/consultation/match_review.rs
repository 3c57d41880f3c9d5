//! 名寄せ確認依頼 (match review): requested with an intake whose new person resembles a
//! record another window holds; the coordinator of the coordinating agency sees both
//! records' identity fields only (the `match_review` basis, while pending), links them
//! (through the 名寄せ link of [`crate::consultation::person`]) or marks them distinct;
//! the requesting agency is told the outcome on its worklist, never the other agency.
//! Also the candidate stage's 「複合課題の可能性」: a pending 有力候補 pair seen by two
//! windows within 12 months, flagged before any link.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use kasane_domain::access::Action;
use kasane_domain::audit::AuditAction;
use kasane_domain::early_warning::{WarningReason, assess};
use kasane_domain::match_review::{ALREADY_DECIDED, Verdict, decide_review};
use kasane_store::match_review::{MatchReview, NewMatchReview};
use kasane_store::person::Person;

use crate::consultation::person::link_granted;
use crate::consultation::worklist::{Reading, Rows, Window, contacts, window_since};
use crate::guard::{
    Grant, Object, PersonAccess, listed_match_review, match_review_access, may_read, record,
    record_on,
};
use crate::{App, AppError, AppResult, Caller};

/// The identity fields a review shows of each record — and nothing else (no intakes, no
/// issues, no agency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub furigana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub address: String,
}

impl From<Person> for Identity {
    fn from(p: Person) -> Self {
        Identity {
            name: p.name,
            furigana: p.furigana,
            birth_date: p.birth_date,
            address: p.address,
        }
    }
}

/// A pending review as the coordinator sees it.
#[derive(Debug, Clone)]
pub struct ReviewPair {
    pub id: i64,
    pub strong: bool,
    pub requested_at: DateTime<Utc>,
    pub requested: Identity,
    pub candidate: Identity,
}

/// Candidates a request is made for at most (best first): a name shared by many records
/// must not flood the coordinator.
pub const MAX_REQUESTS: usize = 3;

/// Records the requests for a new person's candidates held elsewhere (`(record, 有力候補)`),
/// in the intake's unit of work, each audited with the intake's grant; `false` when the
/// municipality has no coordinating agency to ask.
pub(crate) async fn request_reviews(
    app: &App,
    caller: &Caller,
    grant: &Grant,
    requested_person_id: i64,
    intake_id: i64,
    candidates: &[(i64, bool)],
) -> AppResult<bool> {
    if caller.coordinating_agency.is_none() || candidates.is_empty() {
        return Ok(false);
    }
    for &(candidate_person_id, strong) in candidates.iter().take(MAX_REQUESTS) {
        let new = NewMatchReview {
            requested_person_id,
            candidate_person_id,
            intake_id,
            strong,
            user_id: caller.user.id,
            agency_id: caller.agency.id,
        };
        let id = app
            .store
            .create_match_review(caller.municipality.id, &new)
            .await?;
        record_on(
            app,
            caller,
            grant,
            AuditAction::Create,
            "match_review",
            id,
            "",
        )
        .await?;
    }
    Ok(true)
}

async fn identity(app: &App, id: i64) -> AppResult<Identity> {
    match app.store.person_any(id).await? {
        Some(p) => Ok(p.into()),
        None => Err(AppError::NotFound),
    }
}

async fn pair_of(app: &App, r: &MatchReview) -> AppResult<ReviewPair> {
    Ok(ReviewPair {
        id: r.id,
        strong: r.strong,
        requested_at: r.requested_at,
        requested: identity(app, r.requested_person_id).await?,
        candidate: identity(app, r.candidate_person_id).await?,
    })
}

/// A pending review's pair (coordinator, `match_review` basis), audited per record.
pub async fn read_review(app: &App, caller: &Caller, id: i64) -> AppResult<ReviewPair> {
    let (review, _) = match_review_access(app, caller, Action::Read, id).await?;
    pair_of(app, &review).await
}

/// The coordinator's pending reviews, oldest first, as far as `win` reaches; each row
/// decided and audited (a caller who reviews none sees none).
pub async fn pending_reviews(
    app: &App,
    caller: &Caller,
    win: Window,
) -> AppResult<Rows<ReviewPair>> {
    if !caller.coordinates() {
        return Ok(Rows::default());
    }
    let read = app
        .store
        .pending_match_reviews(caller.municipality.id, win.limit + 1, win.offset)
        .await?;
    let rows = Rows::of(read, win.limit);
    let mut items = Vec::with_capacity(rows.items.len());
    for r in &rows.items {
        if listed_match_review(app, caller, r).await?.is_some() {
            items.push(pair_of(app, r).await?);
        }
    }
    Ok(Rows {
        items,
        more: rows.more,
    })
}

/// The canonical record of `id`'s 名寄せ group.
async fn canonical(app: &App, id: i64) -> AppResult<i64> {
    match app.store.person_any(id).await? {
        Some(p) => Ok(p.linked_to_person_id.unwrap_or(p.id)),
        None => Err(AppError::NotFound),
    }
}

/// Decides a pending review (coordinator): linked — the requested record joins the
/// candidate's group through the 名寄せ link — or distinct (recorded, never proposed
/// again). Audited; the basis ends with the decision.
pub async fn settle(app: &App, caller: &Caller, id: i64, verdict: &Verdict) -> AppResult<()> {
    app.unit(async |app| {
        let (review, grant) = match_review_access(app, caller, Action::Update, id).await?;
        let status =
            decide_review(review.status, verdict).map_err(|e| AppError::Conflict(e.to_string()))?;
        let (reason, note) = match verdict {
            Verdict::Link => {
                let pair = (
                    canonical(app, review.candidate_person_id).await?,
                    canonical(app, review.requested_person_id).await?,
                );
                let why = format!("名寄せ確認依頼 #{id}");
                link_granted(app, caller, &grant, pair, &why, false).await?;
                (None, "")
            }
            Verdict::Distinct { reason, note } => {
                app.store
                    .record_distinct(
                        caller.municipality.id,
                        review.requested_person_id,
                        review.candidate_person_id,
                        caller.user.id,
                    )
                    .await?;
                (Some(reason.code()), note.as_str())
            }
        };
        let decided = app
            .store
            .decide_match_review(id, status, caller.user.id, reason, note)
            .await?;
        if !decided {
            return Err(AppError::Conflict(ALREADY_DECIDED.into()));
        }
        let oid = id.to_string();
        let object = Object {
            kind: "match_review",
            id: &oid,
        };
        record(
            app,
            caller,
            &grant,
            AuditAction::Update,
            object,
            status.code(),
        )
        .await
    })
    .await
}

/// A decided review the requesting agency is told of: its own record (the name where the
/// caller may read it) and the outcome — nothing of the other record or its agency.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub review: MatchReview,
    pub person_id: i64,
    pub person_name: Option<String>,
}

/// The 名寄せ確認依頼 the caller's agency sent about a record of this person's 名寄せ group,
/// newest first: what it was told of each (pending, linked, distinct) — on the person's
/// page, read under the grant `access` already holds (no other agency is named).
pub async fn asked_about(
    app: &App,
    caller: &Caller,
    access: &PersonAccess,
) -> AppResult<Vec<MatchReview>> {
    Ok(app
        .store
        .match_reviews_asked(access.person.id, caller.agency.id)
        .await?)
}

/// How long a decided review stays on the requester's worklist.
const OUTCOME_DAYS: i64 = 30;

async fn outcomes(app: &App, caller: &Caller, win: Window) -> AppResult<Rows<Outcome>> {
    let since = app.now() - TimeDelta::days(OUTCOME_DAYS);
    let read = app
        .store
        .decided_match_reviews(caller.agency.id, since, win.limit + 1, win.offset)
        .await?;
    let rows = Rows::of(read, win.limit);
    let mut items = Vec::with_capacity(rows.items.len());
    for review in rows.items {
        let person_id = canonical(app, review.requested_person_id).await?;
        let facts = app
            .store
            .person_facts(caller.municipality.id, person_id)
            .await?;
        let person_name = if may_read(app, caller, &facts) {
            app.store.person_any(person_id).await?.map(|p| p.name)
        } else {
            None
        };
        items.push(Outcome {
            review,
            person_id,
            person_name,
        });
    }
    Ok(Rows {
        items,
        more: rows.more,
    })
}

/// 「複合課題の可能性」 at the candidate stage: a pending 有力候補 pair whose two records
/// were met by two or more windows within 12 months (no agency named: the coordinator
/// confirms the pair first).
#[derive(Debug, Clone)]
pub struct CandidateWarning {
    pub review_id: i64,
    pub agencies: usize,
}

/// Reviews assessed a chunk at a time, newest first.
const REVIEW_CHUNK: i64 = 50;

async fn candidate_warnings(
    app: &App,
    caller: &Caller,
    win: Window,
) -> AppResult<Rows<CandidateWarning>> {
    let cfg = app.config(&caller.municipality)?;
    let since = window_since(app);
    let want = usize::try_from(win.through()).unwrap_or(0);
    let mut found = Vec::new();
    let mut below = None;
    while found.len() < want {
        let chunk = app
            .store
            .pending_strong_reviews(caller.municipality.id, below, REVIEW_CHUNK)
            .await?;
        let last = chunk.len() < usize::try_from(REVIEW_CHUNK).unwrap_or(0);
        below = chunk.last().map(|r| r.id);
        for r in chunk {
            if found.len() == want {
                break;
            }
            let pair = [
                canonical(app, r.requested_person_id).await?,
                canonical(app, r.candidate_person_id).await?,
            ];
            let mut seen = Vec::new();
            let mut in_case = false;
            for id in pair {
                let facts = app.store.person_facts(caller.municipality.id, id).await?;
                in_case |= facts.coordination.as_ref().is_some_and(|c| !c.ended);
                seen.extend(contacts(app, &cfg, id, since).await?);
            }
            // Already in an open 多機関協働 case: flagged there, not raised again.
            if in_case {
                continue;
            }
            if let Some(w) = assess(&seen, app.today())
                && w.reasons.contains(&WarningReason::MultipleAgencies)
            {
                found.push(CandidateWarning {
                    review_id: r.id,
                    agencies: w.agencies.len(),
                });
            }
        }
        if last {
            break;
        }
    }
    Ok(win.cut(found))
}

/// The lists of this section, by code.
pub const LISTS: [&str; 3] = ["match_reviews", "match_warnings", "match_outcomes"];

/// 名寄せ確認依頼's section of the worklist: the coordinator's pending reviews and the
/// candidate stage's early warnings; the requesting agency's decided reviews.
#[derive(Default)]
pub struct Section {
    pub pending: Rows<ReviewPair>,
    pub warnings: Rows<CandidateWarning>,
    pub outcomes: Rows<Outcome>,
}

impl Section {
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.warnings.is_empty() && self.outcomes.is_empty()
    }
}

pub async fn section(app: &App, caller: &Caller, reading: &Reading) -> AppResult<Section> {
    let mut s = Section::default();
    if !kasane_domain::access::may_see_person_data(&caller.actor) {
        return Ok(s);
    }
    if let Some(win) = reading.window("match_reviews") {
        s.pending = pending_reviews(app, caller, win).await?;
    }
    if caller.coordinates()
        && let Some(win) = reading.window("match_warnings")
    {
        s.warnings = candidate_warnings(app, caller, win).await?;
    }
    if let Some(win) = reading.window("match_outcomes") {
        s.outcomes = outcomes(app, caller, win).await?;
    }
    Ok(s)
}
