//! Consultation's section of the worklist: incoming つなぎ, overdue and declined ones
//! coming back, escalated intakes waiting for a case, and (for the coordinator) overdue
//! referrals across the municipality and 「複合課題の可能性」.

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use kasane_domain::access::may_see_person_data;
use kasane_domain::early_warning::{Contact, ContactSource, Warning, assess, window_start};
use kasane_domain::identity::Role;
use kasane_domain::municipality::{Field, MunicipalityConfig};
use kasane_domain::referral::{SenderAttention, is_overdue, overdue_before, sender_attention};
use kasane_store::intake::EscalationWaiting;
use kasane_store::referral::{Referral, ReferralQueue};

use crate::consultation::referral::ack_days;
use crate::guard::may_read;
use crate::{App, AppResult, Caller};

/// Rows of one worklist list, and whether more follow (one more is read than shown,
/// instead of counting the queue).
#[derive(Debug, Clone)]
pub struct Rows<T> {
    pub items: Vec<T>,
    pub more: bool,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows {
            items: Vec::new(),
            more: false,
        }
    }
}

impl<T> Rows<T> {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The first `limit` of `read` (read with one more), and whether more followed.
    pub(crate) fn of(mut read: Vec<T>, limit: i64) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = read.len() > limit;
        read.truncate(limit);
        Rows { items: read, more }
    }
}

/// Rows of a list shown on the home page.
pub const HOME_ROWS: i64 = 10;
/// Rows a page of one list (「すべて見る」) shows.
pub const LIST_ROWS: i64 = 50;

/// Which rows of the worklist to read: the first [`HOME_ROWS`] of every list (the home
/// page), or one page of one list, named by its code.
#[derive(Debug, Clone)]
pub enum Reading {
    Home,
    List(String, i64),
}

/// The rows of a list to read: how many to show after how many.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

impl Window {
    /// The rows to read from the start of the queue to tell whether more follow.
    pub(crate) fn through(self) -> i64 {
        self.offset + self.limit + 1
    }

    /// This window of `read` (which starts at the queue's start).
    pub(crate) fn cut<T>(self, read: Vec<T>) -> Rows<T> {
        let skip = usize::try_from(self.offset).unwrap_or(0);
        Rows::of(read.into_iter().skip(skip).collect(), self.limit)
    }
}

impl Reading {
    /// The window of list `code`, if it is read at all.
    pub fn window(&self, code: &str) -> Option<Window> {
        match self {
            Reading::Home => Some(Window {
                limit: HOME_ROWS,
                offset: 0,
            }),
            Reading::List(list, page) if list == code => Some(Window {
                limit: LIST_ROWS,
                offset: (page.max(&1) - 1) * LIST_ROWS,
            }),
            Reading::List(..) => None,
        }
    }
}

/// The lists of this section, by code.
pub const LISTS: [&str; 6] = [
    "escalations",
    "incoming",
    "to_complete",
    "returned",
    "overdue_all",
    "warnings",
];

/// What of consultation needs the caller's attention now.
#[derive(Default)]
pub struct Section {
    /// Referrals to the caller's agency waiting for an answer, and whether overdue.
    pub incoming: Rows<(Referral, bool)>,
    pub to_complete: Rows<Referral>,
    pub returned: Rows<(Referral, SenderAttention)>,
    /// Coordinator only: overdue referrals anywhere in the municipality (no names).
    pub overdue_all: Rows<Referral>,
    /// Coordinator only: early warnings (canonical person id, the name only where the
    /// access rule allows, the warning).
    pub warnings: Rows<(i64, Option<String>, Warning)>,
    /// The coordinating agency's coordinators: escalated intakes without a case yet.
    pub escalations: Rows<EscalationWaiting>,
}

impl Section {
    pub fn is_empty(&self) -> bool {
        self.incoming.is_empty()
            && self.to_complete.is_empty()
            && self.returned.is_empty()
            && self.overdue_all.is_empty()
            && self.warnings.is_empty()
            && self.escalations.is_empty()
    }
}

/// The caller's consultation section (not audited: the worklist records its reading
/// once), each list bounded by its window: oldest first, each an index range.
pub async fn section(app: &App, caller: &Caller, reading: &Reading) -> AppResult<Section> {
    let mut w = Section::default();
    if !may_see_person_data(&caller.actor) {
        return Ok(w);
    }
    let now = app.now();
    let days = ack_days(caller);
    let before = overdue_before(now, days);
    let (m, agency) = (caller.municipality.id, caller.agency.id);
    let queue = async |q, win: Window| {
        app.store
            .referral_queue(m, q, win.limit + 1, win.offset)
            .await
    };
    if let Some(win) = reading.window("incoming") {
        let rows = queue(ReferralQueue::Incoming(agency), win).await?;
        let rows = rows.into_iter().map(|r| {
            let overdue = is_overdue(r.status, r.sent_at, now, days);
            (r, overdue)
        });
        w.incoming = Rows::of(rows.collect(), win.limit);
    }
    if let Some(win) = reading.window("to_complete") {
        w.to_complete = Rows::of(
            queue(ReferralQueue::ToComplete(agency), win).await?,
            win.limit,
        );
    }
    if let Some(win) = reading.window("returned") {
        // Two queues, each read from its start as far as the window reaches, merged.
        let whole = Window {
            limit: win.through(),
            offset: 0,
        };
        let mut rows = queue(ReferralQueue::SentBefore(agency, before), whole).await?;
        rows.extend(queue(ReferralQueue::DeclinedUnseen(agency), whole).await?);
        rows.sort_by_key(|r| (r.sent_at, r.id));
        let rows = rows.into_iter().filter_map(|r| {
            sender_attention(r.status, r.sent_at, now, days, r.sender_acknowledged)
                .map(|why| (r, why))
        });
        w.returned = win.cut(rows.collect());
    }
    // The coordinating agency's queue: its coordinators hold the coordination basis for
    // every person escalated to it, so the names may show.
    if caller.coordinates()
        && let Some(win) = reading.window("escalations")
    {
        let rows = app
            .store
            .escalations_waiting(m, win.limit + 1, win.offset)
            .await?;
        w.escalations = Rows::of(rows, win.limit);
    }
    if caller.actor.has(Role::Coordinator) {
        if let Some(win) = reading.window("overdue_all") {
            w.overdue_all = Rows::of(
                queue(ReferralQueue::AllSentBefore(before), win).await?,
                win.limit,
            );
        }
        if let Some(win) = reading.window("warnings") {
            w.warnings = early_warnings(app, caller, win).await?;
        }
    }
    Ok(w)
}

/// Candidates assessed a chunk at a time, newest record first.
const CANDIDATE_CHUNK: i64 = 50;

/// 「複合課題の可能性」 across the municipality, newest record first: the persons with
/// contacts in the window the domain assesses as a warning, as far as `win` reaches; the
/// name only where the caller may read the person.
async fn early_warnings(
    app: &App,
    caller: &Caller,
    win: Window,
) -> AppResult<Rows<(i64, Option<String>, Warning)>> {
    let cfg = app.config(&caller.municipality)?;
    let since = window_since(app);
    let want = usize::try_from(win.through()).unwrap_or(0);
    let mut found = Vec::new();
    let mut below = None;
    while found.len() < want {
        let chunk = app
            .store
            .early_warning_candidates(caller.municipality.id, since, below, CANDIDATE_CHUNK)
            .await?;
        let last = chunk.len() < usize::try_from(CANDIDATE_CHUNK).unwrap_or(0);
        below = chunk.last().copied();
        for root in chunk {
            if found.len() == want {
                break;
            }
            if let Some(warning) = early_warning(app, &cfg, root, since).await? {
                found.push((root, warning));
            }
        }
        if last {
            break;
        }
    }
    let shown = win.cut(found);
    let mut items = Vec::with_capacity(shown.items.len());
    for (root, warning) in shown.items {
        let facts = app.store.person_facts(caller.municipality.id, root).await?;
        let name = if may_read(app, caller, &facts) {
            app.store.person_any(root).await?.map(|p| p.name)
        } else {
            None
        };
        items.push((root, name, warning));
    }
    Ok(Rows {
        items,
        more: shown.more,
    })
}

/// The start of the early-warning window (12 months back from today), midnight JST.
pub(crate) fn window_since(app: &App) -> DateTime<Utc> {
    window_start(app.today()).and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(9)
}

/// A person's early warning, if any: their contacts since `since`, assessed by the domain.
async fn early_warning(
    app: &App,
    cfg: &MunicipalityConfig,
    canonical_id: i64,
    since: DateTime<Utc>,
) -> AppResult<Option<Warning>> {
    let contacts = contacts(app, cfg, canonical_id, since).await?;
    Ok(assess(&contacts, app.today()))
}

/// A 名寄せ group's contacts (相談受付, 支援経過記録, つなぎ) since `since`, as the domain
/// assesses them.
pub(crate) async fn contacts(
    app: &App,
    cfg: &MunicipalityConfig,
    canonical_id: i64,
    since: DateTime<Utc>,
) -> AppResult<Vec<Contact>> {
    Ok(app
        .store
        .contacts_of(canonical_id, since)
        .await?
        .into_iter()
        .map(|r| Contact {
            agency_id: r.agency_id,
            agency_name: r.agency_name,
            on: (r.occurred_at + TimeDelta::hours(9)).date_naive(),
            fields: r
                .issues
                .split(',')
                .filter_map(|code| cfg.issue_category(code).map(|c| c.field))
                .collect::<Vec<Field>>(),
            source: match r.source.as_str() {
                "intake" => ContactSource::Intake,
                "referral" => ContactSource::Referral,
                _ => ContactSource::SupportLog,
            },
            record_id: r.record_id,
        })
        .collect())
}
