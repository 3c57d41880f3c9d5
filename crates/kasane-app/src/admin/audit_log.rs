//! The audit log as an auditor reads it: who did what to which object, on which basis —
//! never the contents. Reading it is itself recorded.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use kasane_domain::access::{Action, Subject};
use kasane_domain::audit::{AuditAction, AuditEntry};
use kasane_domain::wareki::parse_date;
use kasane_store::audit::AuditFilter;
use serde::Deserialize;

use crate::guard::{Object, authorize, record};
use crate::{App, AppError, AppResult, Caller};

/// Entries a page shows.
pub const PAGE_SIZE: i64 = 50;

/// The filter as typed into the form (dates in ISO or 和暦).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub object_type: String,
    #[serde(default)]
    pub object_id: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub page: Option<i64>,
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Midnight JST at the start of `d`, as UTC.
fn jst_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(9)
}

impl AuditQuery {
    /// The store filter, or every problem with the input.
    fn to_filter(&self, municipality_id: i64, limit: i64) -> AppResult<AuditFilter> {
        let mut errors = Vec::new();
        let mut date = |label: &str, s: &str| match non_empty(s).map(|s| parse_date(&s)) {
            None => None,
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                errors.push(format!("{label}: {e}"));
                None
            }
        };
        let from = date("開始日", &self.from).map(jst_midnight);
        // `until` is inclusive for the user: entries before the next midnight.
        let until = date("終了日", &self.until).map(|d| jst_midnight(d) + TimeDelta::days(1));
        let action = non_empty(&self.action);
        if let Some(a) = action
            .as_ref()
            .filter(|a| a.parse::<AuditAction>().is_err())
        {
            errors.push(format!("操作種別が不明です: {a}"));
        }
        let page = kasane_domain::text::page_number(self.page).unwrap_or_else(|e| {
            errors.push(e);
            1
        });
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(AuditFilter {
            municipality_id,
            username: non_empty(&self.username),
            action,
            object_type: non_empty(&self.object_type),
            object_id: non_empty(&self.object_id),
            from,
            until,
            limit,
            offset: (page - 1) * limit,
        })
    }
}

/// One page of the caller's municipality's audit log (auditor role), its reading audited:
/// the entries newest first and the total. A filter that does not parse is a 422 with
/// every problem.
pub async fn read_audit_log(
    app: &App,
    caller: &Caller,
    q: &AuditQuery,
) -> AppResult<(Vec<AuditEntry>, i64)> {
    app.unit(async |app| {
        let subject = Subject::AuditLog {
            municipality_id: caller.municipality.id,
        };
        let id = caller.municipality.id.to_string();
        let object = Object {
            kind: "audit_log",
            id: &id,
        };
        let grant = authorize(app, caller, Action::Read, &subject, object).await?;
        record(app, caller, &grant, AuditAction::View, object, "").await?;
        let filter = q.to_filter(caller.municipality.id, PAGE_SIZE)?;
        Ok(app.store.audit_entries(&filter).await?)
    })
    .await
}
