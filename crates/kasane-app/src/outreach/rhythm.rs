//! The contact rhythm: each outreach case's alerts (the domain's `outreach::alerts` over its
//! attempts, its stage and today, under the case's interval and the municipality's
//! thresholds), the team's list of its active cases — most overdue first, also the
//! printable 訪問予定表 —, the worklist's section (the lead agency's staff and the
//! coordinator) and the counts the statistics step reports.

use chrono::NaiveDate;
use kasane_domain::access::may_see_person_data;
use kasane_domain::outreach::{Alert, AttemptFact, Rhythm, RhythmFacts, alerts, days_overdue};
use kasane_store::outreach::{AttemptFactRow, OutreachCase, Scope};

use crate::consultation::worklist::{Reading, Rows};
use crate::guard::{listed_case, may_read};
use crate::{App, AppResult, Caller};

use super::local;

/// The worklist list of outreach alerts.
pub const LIST: &str = "outreach";
/// At most this many active cases are read for the team's list (a team holds tens).
pub const TEAM_LIMIT: i64 = 300;

/// The domain's view of stored attempts (Japan time).
pub fn attempt_facts(rows: &[AttemptFactRow]) -> Vec<AttemptFact> {
    rows.iter()
        .map(|r| AttemptFact {
            id: r.id,
            at: local(r.attempted_at),
            reached: r.met.reached(),
            safety_concern: r.safety_concern,
        })
        .collect()
}

/// The case's rhythm: its own interval, else the municipality's, and the municipality's
/// thresholds.
pub(crate) fn rhythm_of(app: &App, caller: &Caller, case: &OutreachCase) -> AppResult<Rhythm> {
    let municipal = app.config(&caller.municipality)?.outreach_rhythm();
    Ok(Rhythm {
        interval_days: case
            .interval_days
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(municipal.interval_days),
        ..municipal
    })
}

/// The alerts of `case` on `today`, from its attempts (`rows`, any order).
pub(crate) fn case_alerts(
    case: &OutreachCase,
    rows: &[AttemptFactRow],
    rhythm: Rhythm,
    today: NaiveDate,
) -> Vec<Alert> {
    let attempts = attempt_facts(rows);
    alerts(
        &RhythmFacts {
            opened_on: local(case.opened_at).date(),
            stage: case.stage,
            stage_since: local(case.stage_since).date(),
            attempts: &attempts,
        },
        rhythm,
        today,
    )
}

/// One active outreach case as the team's list and the worklist show it.
#[derive(Debug, Clone)]
pub struct TeamLine {
    pub case: OutreachCase,
    pub alerts: Vec<Alert>,
    /// The last attempt, if any.
    pub last: Option<AttemptFactRow>,
    pub days_overdue: i64,
}

impl TeamLine {
    /// The next planned attempt, as the last attempt planned it.
    pub fn next_planned_on(&self) -> Option<NaiveDate> {
        self.last.and_then(|a| a.next_planned_on)
    }
}

/// The open outreach cases of `scope` with their alerts, most overdue first, then those
/// with another alert, then by the next planned attempt (unplanned last).
async fn lines(app: &App, caller: &Caller, scope: Scope, limit: i64) -> AppResult<Vec<TeamLine>> {
    let m = caller.municipality.id;
    let cases = app.store.outreach_cases(m, scope, limit).await?;
    let facts = app.store.outreach_attempt_facts(m, scope).await?;
    let today = app.today();
    let mut out = Vec::new();
    for case in cases {
        let rows: Vec<AttemptFactRow> = facts
            .iter()
            .filter(|f| f.case_id == case.id)
            .copied()
            .collect();
        let rhythm = rhythm_of(app, caller, &case)?;
        let alerts = case_alerts(&case, &rows, rhythm, today);
        out.push(TeamLine {
            last: rows.last().copied(),
            days_overdue: days_overdue(&alerts),
            alerts,
            case,
        });
    }
    out.sort_by_key(|l| {
        (
            std::cmp::Reverse(l.days_overdue),
            l.alerts.is_empty(),
            l.next_planned_on().unwrap_or(NaiveDate::MAX),
            l.case.id,
        )
    });
    Ok(out)
}

/// The team's list: the active outreach cases the caller's agency leads or takes part in
/// (and, for the coordinator, those 多機関協働 coordinates), each read through the rule and
/// audited as a view; rows the rule denies are left out. `more`: beyond [`TEAM_LIMIT`].
pub async fn team_cases(app: &App, caller: &Caller) -> AppResult<Rows<TeamLine>> {
    if !may_see_person_data(&caller.actor) {
        return Ok(Rows::default());
    }
    let scope = Scope::Team {
        agency: caller.agency.id,
        coordinates: caller.coordinates(),
    };
    let all = lines(app, caller, scope, TEAM_LIMIT + 1).await?;
    let more = all.len() as i64 > TEAM_LIMIT;
    let mut items = Vec::new();
    for line in all
        .into_iter()
        .take(usize::try_from(TEAM_LIMIT).unwrap_or(0))
    {
        let Some(case) = app.store.case_any(line.case.id).await? else {
            continue;
        };
        if listed_case(app, caller, &case).await?.is_some() {
            items.push(line);
        }
    }
    Ok(Rows { items, more })
}

/// The worklist's outreach alerts: the open cases the caller's agency leads (and, for the
/// coordinator, those 多機関協働 coordinates) that have an alert, most overdue first,
/// within the reading's window. Not audited here: the worklist records its reading once;
/// rows the rule would not let the caller read are left out.
pub async fn worklist(app: &App, caller: &Caller, reading: &Reading) -> AppResult<Rows<TeamLine>> {
    let Some(win) = reading.window(LIST) else {
        return Ok(Rows::default());
    };
    if !may_see_person_data(&caller.actor) {
        return Ok(Rows::default());
    }
    let scope = Scope::Responsible {
        agency: caller.agency.id,
        coordinates: caller.coordinates(),
    };
    let mut out = Vec::new();
    for line in lines(app, caller, scope, TEAM_LIMIT).await? {
        if line.alerts.is_empty() {
            continue;
        }
        if let Some(case) = app.store.case_any(line.case.id).await?
            && may_read(app, caller, &app.store.case_facts(&case).await?)
        {
            out.push(line);
        }
        if out.len() as i64 >= win.through() {
            break;
        }
    }
    Ok(win.cut(out))
}
