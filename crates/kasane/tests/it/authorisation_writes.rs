//! The authorisation matrix's writes, relationship by relationship (both engines): each
//! write on a person's data the API offers ([`WRITES`]) is sent, with a valid body, by the
//! staff users of 大仙市 on records of every relationship to them — their agency involved
//! or once involved, another agency's record, another municipality's, a 支援会議 member's
//! with the case on or off the agenda, a consent in force, withdrawn or expired, a pending
//! referral, the coordinator's, none — over the demo and over generated situations
//! (`access_twins::Situations`). The outcome is derived from `access::decide` on the facts
//! read just before the write, never listed per relationship:
//! - the rule grants the write (the full view), and the caller's agency is the record's
//!   author where only the author writes: 2xx, and the write took effect;
//! - the caller has a lesser basis (read only, the つなぐシート), or is not the author:
//!   403 — but 404 on a record beyond the つなぐシート (an intake, a support-log entry, a
//!   consent) for a caller who holds the sheet only, as for reading it;
//! - no basis, or another municipality: 404;
//!
//! and every refusal leaves its `denied` entry in the caller's audit chain (another
//! municipality's also in the operator's), and changed nothing.

use std::collections::{BTreeMap, BTreeSet};

use kasane_domain::access::{Action, Basis, Decision, PersonFacts, Subject, View, decide};
use kasane_domain::identity::Actor;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::authorisation_matrix::{concrete, denials, subjects};
use crate::common::{Engine, TestApp};

both_engines!(writes_follow_the_rule_for_every_relationship);

/// A write on a person's data, as the API takes it.
struct Write {
    method: &'static str,
    route: &'static str,
    /// The table of the record written on: the path's `{id}`, or the body's `person_id` /
    /// `household_id` when the path has none.
    on: &'static str,
    /// Which of its rows the write applies to (a consent not yet withdrawn…).
    rows: &'static str,
    /// What the use case asks the rule for.
    action: Action,
    /// The record lies beyond the つなぐシート: a caller holding the sheet only is told it
    /// does not exist (404), as when reading it.
    beyond_sheet: bool,
    /// Only the agency that recorded it may make this write (a support-log entry, an intake).
    authored: bool,
    /// Sent as the page's form (POST to the route without `/api/v1`, with the CSRF token)
    /// rather than to the API: the same body, fields as form fields.
    form: bool,
}

impl Write {
    /// `method route` on a record of `on`, deciding `action`: any row, within the つなぐシート,
    /// by any agency with the full view, through the API.
    const fn new(
        method: &'static str,
        route: &'static str,
        on: &'static str,
        action: Action,
    ) -> Write {
        Write {
            method,
            route,
            on,
            rows: "1 = 1",
            action,
            beyond_sheet: false,
            authored: false,
            form: false,
        }
    }

    const fn rows(self, rows: &'static str) -> Write {
        Write { rows, ..self }
    }

    const fn beyond_sheet(self) -> Write {
        Write {
            beyond_sheet: true,
            ..self
        }
    }

    const fn authored(self) -> Write {
        Write {
            authored: true,
            ..self
        }
    }

    const fn form(self) -> Write {
        Write { form: true, ..self }
    }
}

const LOG: &str = "/api/v1/support-logs";
const LOG_ENTRY: &str = "/api/v1/support-logs/{id}";

/// The writes checked relationship by relationship.
const WRITES: &[Write] = &[
    Write::new("POST", LOG, "person", Action::Create),
    Write::new("POST", LOG, "household", Action::Create).beyond_sheet(),
    Write::new("PUT", LOG_ENTRY, "support_log", Action::Update)
        .beyond_sheet()
        .authored(),
    Write::new("POST", LOG, "person", Action::Create).form(),
    Write::new("PUT", LOG_ENTRY, "support_log", Action::Update)
        .beyond_sheet()
        .authored()
        .form(),
    Write::new("PUT", "/api/v1/persons/{id}", "person", Action::Update),
    Write::new(
        "POST",
        "/api/v1/persons/{id}/consents",
        "person",
        Action::Create,
    ),
    Write::new(
        "POST",
        "/api/v1/consents/{id}/withdraw",
        "consent",
        Action::Update,
    )
    .rows("withdrawn_at IS NULL")
    .beyond_sheet(),
    Write::new(
        "POST",
        "/api/v1/persons/{id}/referrals",
        "person",
        Action::Create,
    ),
    Write::new("PUT", "/api/v1/intakes/{id}", "intake", Action::Update)
        .beyond_sheet()
        .authored(),
    Write::new(
        "POST",
        "/api/v1/cases/{id}/assessments",
        "cases",
        Action::Create,
    ),
    Write::new(
        "POST",
        "/api/v1/cases/{id}/support-plans",
        "cases",
        Action::Create,
    ),
    Write::new(
        "POST",
        "/api/v1/cases/{id}/consents",
        "cases",
        Action::Create,
    )
    .rows("person_id IS NOT NULL"),
];

/// How a relationship is named when the caller's agency is not the record's author.
const NOT_AUTHOR: &str = ", not its author";

/// The demo, then generated situations.
const ROUNDS: usize = 8;

/// What the rule answers a write, as the API says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    Forbidden,
    NotFound,
}

/// What `actor`'s write `w` on a record with these facts must answer (the facts of each
/// subject the record is on, in the order the use case decides them).
fn expected(
    actor: &Actor,
    w: &Write,
    facts: &[PersonFacts],
    author: bool,
    today: chrono::NaiveDate,
) -> Outcome {
    for f in facts {
        match decide(actor, w.action, &Subject::Person(f), today) {
            Decision::Allow(_) => {}
            Decision::Deny(d) if d.is_not_found() => return Outcome::NotFound,
            Decision::Deny(_) => {
                let read = decide(actor, Action::Read, &Subject::Person(f), today);
                return if w.beyond_sheet && read.view() == Some(View::ReferralSheet) {
                    Outcome::NotFound
                } else {
                    Outcome::Forbidden
                };
            }
        }
    }
    if w.authored && !author {
        Outcome::Forbidden
    } else {
        Outcome::Done
    }
}

/// The caller's relationship to a record with these facts (of its first subject), named
/// for the report and to sample one write per relationship.
fn relationship(
    actor: &Actor,
    f: &PersonFacts,
    off_agenda: bool,
    today: chrono::NaiveDate,
) -> &'static str {
    if f.municipality_id != actor.municipality_id {
        return "another municipality";
    }
    let agency = actor.agency_id;
    match decide(actor, Action::Read, &Subject::Person(f), today).grant() {
        Some(g) => match (g.basis, g.view) {
            (Basis::Involvement, View::Full) => "own agency involved",
            (Basis::Involvement, _) => "own agency once involved",
            (Basis::Coordination, _) => "coordinator",
            (Basis::Consent, _) => "consent in force",
            (Basis::SupportMeeting, _) => "支援会議 member, on the agenda",
            (Basis::ReferralPending, _) => "pending referral",
            _ => "another basis",
        },
        None => {
            let named = |c: &&kasane_domain::access::ConsentFact| c.agencies.contains(&agency);
            if f.consents.iter().filter(named).any(|c| c.withdrawn) {
                "consent withdrawn"
            } else if f
                .consents
                .iter()
                .filter(named)
                .any(|c| !c.is_in_force(today))
            {
                "consent expired"
            } else if off_agenda
                || f.support_meetings
                    .iter()
                    .any(|m| m.member_agencies.contains(&agency))
            {
                "支援会議 member, off the agenda (or the case closed)"
            } else if !f.involvements.is_empty() {
                "another agency involved"
            } else {
                "none"
            }
        }
    }
}

/// (agency, case, its person) of every 支援会議 line an acknowledged member's case has left:
/// the rule's facts no longer hold it, so it is read here to name the relationship.
async fn left_agenda(app: &TestApp) -> BTreeSet<(i64, i64, i64)> {
    let sql = "SELECT mm.agency_id, c.id, COALESCE(c.person_id, 0) FROM meeting_agenda ma \
               JOIN meeting mt ON mt.id = ma.meeting_id \
               JOIN meeting_member mm ON mm.meeting_id = ma.meeting_id \
               JOIN cases c ON c.id = ma.case_id \
               WHERE ma.removed_at IS NOT NULL AND mt.kind = 'support_meeting' \
               AND mm.acknowledged_at IS NOT NULL";
    let rows: Vec<(i64, i64, i64)> = on_test_db!(app, |pool| sqlx::query_as(sql)
        .fetch_all(&pool)
        .await
        .unwrap());
    rows.into_iter().collect()
}

/// Whether `agency` is a member of a 支援会議 that record `id` of `table` (a case, a person)
/// has left the agenda of.
fn off_agenda(left: &BTreeSet<(i64, i64, i64)>, agency: i64, table: &str, id: i64) -> bool {
    left.iter().any(|&(a, case, person)| {
        a == agency && ((table == "cases" && case == id) || (table == "person" && person == id))
    })
}

/// Counts of every table these writes add to, and of withdrawn consents: a refused write
/// must leave them as they were, a granted one must change them.
async fn fingerprint(app: &TestApp) -> String {
    const TABLES: [&str; 10] = [
        "support_log",
        "support_log_version",
        "person_version",
        "intake_version",
        "consent",
        "referral",
        "assessment",
        "support_plan",
        "household_member",
        "intake_escalation",
    ];
    let counts: Vec<String> = TABLES
        .iter()
        .map(|t| format!("(SELECT COUNT(*) FROM {t})"))
        .chain(["(SELECT COUNT(*) FROM consent WHERE withdrawn_at IS NOT NULL)".to_string()])
        .collect();
    app.text(&format!("SELECT {}", counts.join(" || ',' || ")))
        .await
}

fn consent_body(agency: i64, today: chrono::NaiveDate) -> Value {
    json!({
        "consenter": "person",
        "consented_on": today.to_string(),
        "method": "written",
        "agencies": [agency],
        "meeting_kinds": ["multilayer_meeting"],
        "information": "氏名・生年月日・住所・連絡先、相談の内容",
    })
}

/// The path and a valid body of write `w` on record `id` (`text`: a new text each time, so
/// that every write changes something). Consents and referrals name 子ども支援課, where no
/// user probes from, so that they change no prober's relationship.
async fn request(app: &TestApp, w: &Write, id: i64, text: &str, to: i64) -> (String, Value) {
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let path = concrete(w.route, id);
    let body = match (w.method, w.route, w.on) {
        ("POST", LOG, on) => {
            let mut body =
                json!({ "occurred_on": today.to_string(), "kind": "visit", "body": text });
            body[format!("{on}_id")] = json!(id);
            body
        }
        ("PUT", LOG_ENTRY, _) => {
            let sql = format!(
                "SELECT CAST(MAX(version) AS BIGINT) FROM support_log_version \
                 WHERE support_log_id = {id}"
            );
            json!({ "version": app.scalar(&sql).await, "occurred_on": today.to_string(),
                    "kind": "visit", "body": text })
        }
        ("PUT", "/api/v1/persons/{id}", _) => {
            let p = app.store.person_any(id).await.unwrap().unwrap();
            let text_of = |s: Option<String>| s.unwrap_or_default();
            json!({
                "version": p.version, "name": p.name, "furigana": text_of(p.furigana),
                "birth_date": p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                "sex": text_of(p.sex), "address": p.address, "district": text_of(p.district_code),
                "phone": text_of(p.phone), "note": text, "external_id": text_of(p.external_id),
            })
        }
        (_, "/api/v1/persons/{id}/consents" | "/api/v1/cases/{id}/consents", _) => {
            consent_body(to, today)
        }
        (_, "/api/v1/consents/{id}/withdraw", _) => json!({ "note": text }),
        (_, "/api/v1/persons/{id}/referrals", _) => json!({ "to_agency_id": to, "reason": text }),
        ("PUT", "/api/v1/intakes/{id}", _) => {
            let i = app.store.intake_any(id).await.unwrap().unwrap();
            let yesterday = today - chrono::TimeDelta::days(1);
            json!({
                "version": i.version, "received_at": format!("{yesterday}T10:00"),
                "channel": "phone", "consulter_kind": "person", "issues": ["debt"],
                "summary": text, "urgency": "normal",
            })
        }
        (_, "/api/v1/cases/{id}/assessments", _) => {
            let sql = format!(
                "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM assessment WHERE case_id = {id}"
            );
            json!({ "version": app.scalar(&sql).await, "wishes": text })
        }
        (_, "/api/v1/cases/{id}/support-plans", _) => {
            let sql = format!(
                "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM support_plan WHERE case_id = {id}"
            );
            let newest = app.scalar(&sql).await;
            json!({
                "revises": if newest == 0 { Value::Null } else { json!(newest) },
                "person_goal": text, "long_term_goal": "家で暮らし続ける",
                "short_term_goal": "生活を整える", "period_start": today.to_string(),
                "period_end": (today + chrono::TimeDelta::days(180)).to_string(),
                "monitoring_dates": [(today + chrono::TimeDelta::days(60)).to_string()],
                "actions": [{ "what": "訪問による見守り", "agency_id": to, "staff_name": "",
                              "by_when": "" }],
            })
        }
        _ => panic!("no body for {} {}", w.method, w.route),
    };
    (path, body)
}

/// Whether the caller's agency recorded record `id` of `table` (for the writes only its
/// author makes).
async fn authored_by(app: &TestApp, table: &str, id: i64, agency: i64) -> bool {
    match table {
        "support_log" => {
            app.store
                .support_log_any(id)
                .await
                .unwrap()
                .unwrap()
                .agency_id
                == agency
        }
        "intake" => {
            app.store
                .intake_any(id)
                .await
                .unwrap()
                .unwrap()
                .receiving_agency_id
                == agency
        }
        _ => true,
    }
}

async fn writes_follow_the_rule_for_every_relationship(app: TestApp) {
    let store = &app.store;
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let daisen = store.municipality_by_code("daisen").await.unwrap().id;
    let yuzawa = store.municipality_by_code("yuzawa").await.unwrap().id;
    let kodomo = app.agency_id("daisen", "kodomo_shien_ka").await;
    // One user per role and agency of 大仙市 that may see person data.
    let mut users = Vec::new();
    for user in store.users(Some(daisen)).await.unwrap() {
        let (_, actor) = crate::access_twins::viewer_and_actor(store, &user, today).await;
        if kasane_domain::access::may_see_person_data(&actor) && !user.disabled {
            assert_ne!(
                actor.agency_id, kodomo,
                "子ども支援課 is nobody's agency here"
            );
            let token = app.token(&user.username).await;
            let page = app.login(&user.username).await;
            let csrf = app.page_csrf(&page, "/").await;
            users.push((user.username, actor, token, page, csrf));
        }
    }
    let mut situations = crate::access_twins::Situations::of(&app).await;
    // Each write's relationships probed, with what they answered.
    let mut probed: BTreeMap<(usize, String), Outcome> = BTreeMap::new();
    let mut tally = BTreeMap::<&str, usize>::new();
    let mut n = 0;
    for round in 0..ROUNDS {
        if round > 0 {
            situations.next(&app).await;
        }
        for (wi, w) in WRITES.iter().enumerate() {
            let sql = format!(
                "SELECT id FROM {} WHERE municipality_id IN ({daisen}, {yuzawa}) AND {} ORDER BY id",
                w.on, w.rows
            );
            let ids: Vec<i64> = on_test_db!(app, |pool| sqlx::query_scalar(&sql)
                .fetch_all(&pool)
                .await
                .unwrap());
            let left = left_agenda(&app).await;
            let mut records = Vec::new();
            for id in ids {
                if let Some((facts, _)) = subjects(store, w.on, id).await {
                    records.push((id, facts));
                }
            }
            for (username, actor, token, page, csrf) in &users {
                for (id, facts) in &records {
                    let id = *id;
                    let off = off_agenda(&left, actor.agency_id, w.on, id);
                    if probed.contains_key(&(wi, relationship(actor, &facts[0], off, today).into()))
                    {
                        // Not worth reading again (an authored write's label may differ).
                        if !w.authored {
                            continue;
                        }
                    }
                    // Read again just before the write: an earlier one may have changed them.
                    let Some((facts, _)) = subjects(store, w.on, id).await else {
                        continue;
                    };
                    let author = authored_by(&app, w.on, id, actor.agency_id).await;
                    let mut label = relationship(actor, &facts[0], off, today).to_string();
                    if w.authored && !author {
                        label += NOT_AUTHOR;
                    }
                    if probed.contains_key(&(wi, label.clone())) {
                        continue;
                    }
                    n += 1;
                    let text = format!("書き込みの確認 {n}");
                    let (path, body) = request(&app, w, id, &text, kodomo).await;
                    let want = expected(actor, w, &facts, author, today);
                    let before = (
                        fingerprint(&app).await,
                        denials(&app, username, daisen).await,
                    );
                    let (status, v) = if w.form {
                        let path = path.trim_start_matches("/api/v1").to_string();
                        let mut fields = vec![("csrf".to_string(), csrf.clone())];
                        for (k, v) in body.as_object().unwrap() {
                            match v {
                                Value::Null => {}
                                Value::String(s) => fields.push((k.clone(), s.clone())),
                                other => fields.push((k.clone(), other.to_string())),
                            }
                        }
                        let res = page
                            .post(app.url(&path))
                            .form(&fields)
                            .send()
                            .await
                            .unwrap();
                        (res.status(), Value::String(crate::common::location(&res)))
                    } else {
                        let method: Method = w.method.parse().unwrap();
                        app.api_send(token, method, &path, Some(body)).await
                    };
                    let after = (
                        fingerprint(&app).await,
                        denials(&app, username, daisen).await,
                    );
                    let via = if w.form { "form" } else { "API" };
                    let what = format!(
                        "{username} {} {path} ({via}) on {} {id} ({label}), round {round}: \
                         {status} {v} ({facts:?})",
                        w.method, w.on
                    );
                    match want {
                        Outcome::Done => {
                            assert!(
                                status.is_success() || (w.form && status == StatusCode::SEE_OTHER),
                                "{what}: the rule grants it"
                            );
                            assert_ne!(after.0, before.0, "{what}: the write took effect");
                        }
                        Outcome::Forbidden | Outcome::NotFound => {
                            let code = if want == Outcome::NotFound {
                                StatusCode::NOT_FOUND
                            } else {
                                StatusCode::FORBIDDEN
                            };
                            assert_eq!(status, code, "{what}");
                            assert_eq!(
                                after.0, before.0,
                                "{what}: a refused write changed nothing"
                            );
                            assert!(after.1.0 > before.1.0, "{what}: the refusal is audited");
                            let other = facts[0].municipality_id != actor.municipality_id;
                            assert_eq!(
                                after.1.1 > before.1.1,
                                other,
                                "{what}: in the operator's chain exactly when it is another \
                                 municipality's"
                            );
                        }
                    }
                    *tally
                        .entry(match want {
                            Outcome::Done => "done",
                            Outcome::Forbidden => "403",
                            Outcome::NotFound => "404",
                        })
                        .or_default() += 1;
                    probed.insert((wi, label), want);
                }
            }
        }
    }
    let relationships: BTreeSet<&str> = probed
        .keys()
        .map(|(_, l)| l.trim_end_matches(NOT_AUTHOR))
        .collect();
    eprintln!(
        "authorisation of writes ({:?}): {} writes × {} staff users × {} relationships \
         ({relationships:?}): {} probes ({tally:?}), each as the rule says",
        app.engine,
        WRITES.len(),
        users.len(),
        relationships.len(),
        probed.len(),
    );
    // Every write met the relationships that decide it.
    for (wi, w) in WRITES.iter().enumerate() {
        let met: BTreeSet<&str> = probed
            .keys()
            .filter(|(i, _)| *i == wi)
            .map(|(_, l)| l.as_str())
            .collect();
        for needed in [
            "own agency involved",
            "another municipality",
            "another agency involved",
        ] {
            assert!(
                met.iter().any(|l| l.starts_with(needed)),
                "{} {}: {needed} not met ({met:?})",
                w.method,
                w.route
            );
        }
        let outcomes: BTreeSet<_> = probed
            .iter()
            .filter(|((i, _), _)| *i == wi)
            .map(|(_, o)| format!("{o:?}"))
            .collect();
        assert_eq!(
            outcomes.len(),
            3,
            "{} {} answered {outcomes:?}",
            w.method,
            w.route
        );
    }
}
