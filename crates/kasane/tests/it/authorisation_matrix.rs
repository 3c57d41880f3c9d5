//! The authorisation matrix, generated from the router (both engines): every route the
//! router answers — found in kasane-web's route declarations and confirmed, with its
//! methods, by the router's own `Allow` header — must be listed in [`MATRIX`] with what it
//! touches, so no later route can skip this test. Then every listed route is requested by
//! every role (admin, auditor, community worker, a window's staff, the coordinator) against
//! the rule's table:
//! - without a login: every route but the open ones answers 401 (API) or goes to the login;
//! - another municipality's record is answered exactly like a record that does not exist
//!   (same status, never a success), and a refused read leaves one `denied` entry in the
//!   caller's chain — and, for another municipality's record, one in the operator's chain;
//! - every 403 — a role gate's too (a meeting for a role without person data, a case or a
//!   名寄せ split for one who is not the coordinator, an export) — leaves its `denied` entry;
//! - admin and auditor never read personal data (refused and audited);
//! - the audit log is the auditor's only; configuration is every user's;
//! - relationship by relationship (involved, another agency, a pending referral, a consent,
//!   a 支援会議 agenda, the coordinator, none — whatever the demo holds), a person's and a
//!   case's page and API answer 200 exactly when `access::decide` allows the read, else 404
//!   with its `denied` entry.
//!
//! The writes, relationship by relationship, are checked in `authorisation_writes`.

use std::collections::BTreeSet;

use kasane_store::audit::AuditFilter;
use reqwest::{Client, Method, StatusCode};

use crate::common::TestApp;

both_engines!(
    every_route_answers_as_the_rule_says,
    reads_follow_the_rule_for_every_relationship
);

/// What a route touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    /// No login needed (the login form, health, assets, the OpenAPI document).
    Open,
    /// The caller's own lists, forms and worklists (their rows filtered by the rule).
    Caller,
    /// The municipality's configuration: every user of it reads.
    Config,
    /// The audit log: the auditor only.
    Audit,
    /// One record of this table: the path's `{id}`.
    Record(&'static str),
}

use On::{Audit, Caller, Config, Open, Record};

/// Every route (method, path) the router answers, and what it touches. HEAD goes with GET.
const MATRIX: &[(&str, &str, On)] = &[
    ("GET", "/", Caller),
    ("GET", "/agencies/{id}", Record("agency")),
    ("GET", "/api/openapi.json", Open),
    ("GET", "/api/v1/agencies", Config),
    ("GET", "/api/v1/agencies/{id}", Record("agency")),
    ("GET", "/api/v1/audit", Audit),
    ("GET", "/api/v1/cases", Caller),
    ("POST", "/api/v1/cases", Caller),
    ("GET", "/api/v1/cases/{id}", Record("cases")),
    ("POST", "/api/v1/cases/{id}/agencies", Record("cases")),
    (
        "DELETE",
        "/api/v1/cases/{id}/agencies/{agency_id}",
        Record("cases"),
    ),
    ("GET", "/api/v1/cases/{id}/assessments", Record("cases")),
    ("POST", "/api/v1/cases/{id}/assessments", Record("cases")),
    ("GET", "/api/v1/cases/{id}/consents", Record("cases")),
    ("POST", "/api/v1/cases/{id}/consents", Record("cases")),
    ("POST", "/api/v1/cases/{id}/events", Record("cases")),
    ("POST", "/api/v1/cases/{id}/handover", Record("cases")),
    ("PUT", "/api/v1/cases/{id}/lead", Record("cases")),
    ("GET", "/api/v1/cases/{id}/support-plans", Record("cases")),
    ("POST", "/api/v1/cases/{id}/support-plans", Record("cases")),
    ("GET", "/api/v1/consents/{id}", Record("consent")),
    ("POST", "/api/v1/consents/{id}/withdraw", Record("consent")),
    ("POST", "/api/v1/households", Caller),
    ("GET", "/api/v1/households/{id}", Record("household")),
    (
        "POST",
        "/api/v1/households/{id}/members",
        Record("household"),
    ),
    (
        "POST",
        "/api/v1/households/{id}/members/{member_id}/end",
        Record("household"),
    ),
    ("GET", "/api/v1/intakes", Caller),
    ("POST", "/api/v1/intakes", Caller),
    ("GET", "/api/v1/intakes/export.csv", Caller),
    ("GET", "/api/v1/intakes/export.xlsx", Caller),
    ("GET", "/api/v1/intakes/{id}", Record("intake")),
    ("PUT", "/api/v1/intakes/{id}", Record("intake")),
    ("GET", "/api/v1/intakes/{id}/escalation", Record("intake")),
    ("POST", "/api/v1/intakes/{id}/escalation", Record("intake")),
    ("GET", "/api/v1/intakes/{id}/versions", Record("intake")),
    ("GET", "/api/v1/me", Caller),
    ("GET", "/api/v1/meetings", Caller),
    ("POST", "/api/v1/meetings", Caller),
    ("GET", "/api/v1/meetings/{id}", Record("meeting")),
    ("PUT", "/api/v1/meetings/{id}", Record("meeting")),
    ("POST", "/api/v1/meetings/{id}/agenda", Record("meeting")),
    (
        "DELETE",
        "/api/v1/meetings/{id}/agenda/{item_id}",
        Record("meeting"),
    ),
    (
        "PUT",
        "/api/v1/meetings/{id}/agenda/{item_id}/minutes",
        Record("meeting"),
    ),
    (
        "GET",
        "/api/v1/meetings/{id}/agenda/{item_id}/minutes/versions",
        Record("meeting"),
    ),
    ("POST", "/api/v1/meetings/{id}/members", Record("meeting")),
    (
        "POST",
        "/api/v1/meetings/{id}/members/{agency_id}/acknowledge",
        Record("meeting"),
    ),
    ("GET", "/api/v1/meetings/{id}/versions", Record("meeting")),
    ("POST", "/api/v1/meetings/{id}/roles", Record("meeting")),
    (
        "PUT",
        "/api/v1/meetings/{id}/roles/{role_id}",
        Record("meeting"),
    ),
    (
        "GET",
        "/api/v1/meetings/{id}/roles/{role_id}/versions",
        Record("meeting"),
    ),
    ("GET", "/api/v1/monitoring/due", Caller),
    ("POST", "/api/v1/monitoring/{id}", Record("monitoring")),
    ("GET", "/api/v1/municipality", Config),
    ("GET", "/api/v1/outreach", Caller),
    ("POST", "/api/v1/outreach", Caller),
    ("GET", "/api/v1/outreach/{id}", Record("outreach_case")),
    (
        "POST",
        "/api/v1/outreach/{id}/accompaniments",
        Record("outreach_case"),
    ),
    (
        "GET",
        "/api/v1/outreach/{id}/contact-attempts",
        Record("outreach_case"),
    ),
    (
        "POST",
        "/api/v1/outreach/{id}/contact-attempts",
        Record("outreach_case"),
    ),
    (
        "POST",
        "/api/v1/outreach/{id}/handover",
        Record("outreach_case"),
    ),
    (
        "PUT",
        "/api/v1/outreach/{id}/interval",
        Record("outreach_case"),
    ),
    (
        "GET",
        "/api/v1/outreach/{id}/notes",
        Record("outreach_case"),
    ),
    (
        "POST",
        "/api/v1/outreach/{id}/notes",
        Record("outreach_case"),
    ),
    (
        "POST",
        "/api/v1/outreach/{id}/stage",
        Record("outreach_case"),
    ),
    ("GET", "/api/v1/persons", Caller),
    ("GET", "/api/v1/persons/{id}", Record("person")),
    ("PUT", "/api/v1/persons/{id}", Record("person")),
    ("GET", "/api/v1/persons/{id}/consents", Record("person")),
    ("POST", "/api/v1/persons/{id}/consents", Record("person")),
    ("POST", "/api/v1/persons/{id}/links", Record("person")),
    (
        "DELETE",
        "/api/v1/persons/{id}/links/{other_id}",
        Record("person"),
    ),
    ("POST", "/api/v1/persons/{id}/referrals", Record("person")),
    ("GET", "/api/v1/persons/{id}/timeline", Record("person")),
    ("GET", "/api/v1/persons/{id}/versions", Record("person")),
    ("GET", "/api/v1/referrals/{id}", Record("referral")),
    ("POST", "/api/v1/referrals/{id}/accept", Record("referral")),
    (
        "POST",
        "/api/v1/referrals/{id}/acknowledge",
        Record("referral"),
    ),
    (
        "POST",
        "/api/v1/referrals/{id}/complete",
        Record("referral"),
    ),
    ("POST", "/api/v1/referrals/{id}/decline", Record("referral")),
    ("POST", "/api/v1/support-logs", Caller),
    ("GET", "/api/v1/staff", Caller),
    ("POST", "/api/v1/staff", Caller),
    ("GET", "/api/v1/staff/{id}", Record("app_user")),
    ("PUT", "/api/v1/staff/{id}", Record("app_user")),
    ("POST", "/api/v1/staff/{id}/disable", Record("app_user")),
    ("POST", "/api/v1/staff/{id}/enable", Record("app_user")),
    ("POST", "/api/v1/staff/{id}/password", Record("app_user")),
    ("GET", "/api/v1/staff/{id}/tokens", Record("app_user")),
    (
        "POST",
        "/api/v1/staff/{id}/tokens/{token_id}/revoke",
        Record("app_user"),
    ),
    ("GET", "/api/v1/support-logs/{id}", Record("support_log")),
    ("PUT", "/api/v1/support-logs/{id}", Record("support_log")),
    ("GET", "/api/v1/support-plans/{id}", Record("support_plan")),
    (
        "POST",
        "/api/v1/support-plans/{id}/approve",
        Record("support_plan"),
    ),
    (
        "POST",
        "/api/v1/support-plans/{id}/evaluation",
        Record("support_plan"),
    ),
    (
        "GET",
        "/api/v1/support-plans/{id}/monitoring",
        Record("support_plan"),
    ),
    ("GET", "/api/v1/worklist", Caller),
    ("GET", "/api/v1/match-reviews", Caller),
    ("GET", "/api/v1/match-reviews/{id}", Record("match_review")),
    (
        "POST",
        "/api/v1/match-reviews/{id}/link",
        Record("match_review"),
    ),
    (
        "POST",
        "/api/v1/match-reviews/{id}/distinct",
        Record("match_review"),
    ),
    ("GET", "/assets/kasane.css", Open),
    ("GET", "/assets/kasane.js", Open),
    ("GET", "/audit", Audit),
    ("GET", "/cases/new", Caller),
    ("POST", "/cases/new", Caller),
    ("GET", "/cases/{id}", Record("cases")),
    ("POST", "/cases/{id}/agencies", Record("cases")),
    (
        "GET",
        "/cases/{id}/agencies/{agency_id}/end",
        Record("cases"),
    ),
    (
        "POST",
        "/cases/{id}/agencies/{agency_id}/end",
        Record("cases"),
    ),
    ("GET", "/cases/{id}/assessment", Record("cases")),
    ("POST", "/cases/{id}/assessment", Record("cases")),
    ("GET", "/cases/{id}/assessment/print", Record("cases")),
    ("GET", "/cases/{id}/assessment/versions", Record("cases")),
    ("GET", "/cases/{id}/consents/new", Record("cases")),
    ("POST", "/cases/{id}/consents/new", Record("cases")),
    ("POST", "/cases/{id}/events", Record("cases")),
    ("POST", "/cases/{id}/handover", Record("cases")),
    ("POST", "/cases/{id}/lead", Record("cases")),
    ("GET", "/cases/{id}/move-to-multilayer", Record("cases")),
    ("POST", "/cases/{id}/move-to-multilayer", Record("cases")),
    ("GET", "/cases/{id}/support-plans", Record("cases")),
    ("GET", "/cases/{id}/support-plans/new", Record("cases")),
    ("POST", "/cases/{id}/support-plans/new", Record("cases")),
    ("GET", "/collaboration", Caller),
    ("GET", "/community", Caller),
    ("GET", "/consents/{id}/print", Record("consent")),
    ("POST", "/consents/{id}/withdraw", Record("consent")),
    ("GET", "/consultation", Caller),
    ("GET", "/consultation/intakes.csv", Caller),
    ("GET", "/consultation/intakes.xlsx", Caller),
    ("GET", "/healthz", Open),
    ("POST", "/households", Caller),
    ("GET", "/households/{id}", Record("household")),
    ("POST", "/households/{id}/members", Record("household")),
    (
        "GET",
        "/households/{id}/members/{member_id}/end",
        Record("household"),
    ),
    (
        "POST",
        "/households/{id}/members/{member_id}/end",
        Record("household"),
    ),
    ("GET", "/intakes/new", Caller),
    ("POST", "/intakes/new", Caller),
    ("GET", "/intakes/{id}", Record("intake")),
    ("GET", "/intakes/{id}/edit", Record("intake")),
    ("GET", "/intakes/{id}/escalate", Record("intake")),
    ("POST", "/intakes/{id}/escalate", Record("intake")),
    ("POST", "/intakes/{id}/edit", Record("intake")),
    ("GET", "/login", Open),
    ("POST", "/login", Open),
    ("POST", "/logout", Caller),
    ("POST", "/session/extend", Caller),
    ("GET", "/staff", Caller),
    ("GET", "/staff/new", Caller),
    ("POST", "/staff/new", Caller),
    ("GET", "/staff/{id}", Record("app_user")),
    ("POST", "/staff/{id}", Record("app_user")),
    ("POST", "/staff/{id}/disable", Record("app_user")),
    ("POST", "/staff/{id}/enable", Record("app_user")),
    ("POST", "/staff/{id}/password", Record("app_user")),
    (
        "POST",
        "/staff/{id}/tokens/{token_id}/revoke",
        Record("app_user"),
    ),
    ("GET", "/meetings", Caller),
    ("GET", "/meetings/new", Caller),
    ("POST", "/meetings/new", Caller),
    ("GET", "/meetings/{id}", Record("meeting")),
    ("POST", "/meetings/{id}/agenda", Record("meeting")),
    ("GET", "/meetings/{id}/edit", Record("meeting")),
    ("POST", "/meetings/{id}/edit", Record("meeting")),
    (
        "POST",
        "/meetings/{id}/agenda/{item}/minutes",
        Record("meeting"),
    ),
    (
        "GET",
        "/meetings/{id}/agenda/{item}/minutes/versions",
        Record("meeting"),
    ),
    (
        "POST",
        "/meetings/{id}/agenda/{item}/remove",
        Record("meeting"),
    ),
    ("POST", "/meetings/{id}/members", Record("meeting")),
    (
        "POST",
        "/meetings/{id}/members/{agency_id}/acknowledge",
        Record("meeting"),
    ),
    ("GET", "/meetings/{id}/print", Record("meeting")),
    ("POST", "/meetings/{id}/roles", Record("meeting")),
    (
        "GET",
        "/meetings/{id}/roles/{role_id}/edit",
        Record("meeting"),
    ),
    (
        "POST",
        "/meetings/{id}/roles/{role_id}/edit",
        Record("meeting"),
    ),
    ("GET", "/monitoring/{id}", Record("monitoring")),
    ("POST", "/monitoring/{id}", Record("monitoring")),
    ("GET", "/municipality", Config),
    ("GET", "/outreach", Caller),
    ("GET", "/outreach/new", Caller),
    ("POST", "/outreach/new", Caller),
    ("GET", "/outreach/schedule", Caller),
    ("GET", "/outreach/{id}", Record("outreach_case")),
    (
        "POST",
        "/outreach/{id}/accompaniments",
        Record("outreach_case"),
    ),
    (
        "GET",
        "/outreach/{id}/attempts/new",
        Record("outreach_case"),
    ),
    (
        "POST",
        "/outreach/{id}/attempts/new",
        Record("outreach_case"),
    ),
    ("POST", "/outreach/{id}/handover", Record("outreach_case")),
    ("POST", "/outreach/{id}/interval", Record("outreach_case")),
    ("POST", "/outreach/{id}/notes", Record("outreach_case")),
    ("POST", "/outreach/{id}/stage", Record("outreach_case")),
    ("GET", "/participation", Caller),
    ("GET", "/persons", Caller),
    ("GET", "/persons/pick", Caller),
    ("GET", "/persons/{id}", Record("person")),
    ("GET", "/persons/{id}/consents/new", Record("person")),
    ("POST", "/persons/{id}/consents/new", Record("person")),
    ("GET", "/persons/{id}/edit", Record("person")),
    ("POST", "/persons/{id}/edit", Record("person")),
    ("POST", "/persons/{id}/link", Record("person")),
    ("POST", "/persons/{id}/referrals", Record("person")),
    ("POST", "/persons/{id}/split", Record("person")),
    ("GET", "/referrals/{id}", Record("referral")),
    ("POST", "/referrals/{id}/accept", Record("referral")),
    ("POST", "/referrals/{id}/acknowledge", Record("referral")),
    ("POST", "/referrals/{id}/complete", Record("referral")),
    ("POST", "/referrals/{id}/decline", Record("referral")),
    ("GET", "/statistics", Caller),
    ("POST", "/support-logs", Caller),
    ("GET", "/support-logs/{id}", Record("support_log")),
    ("POST", "/support-logs/{id}", Record("support_log")),
    ("GET", "/support-plans/{id}", Record("support_plan")),
    (
        "POST",
        "/support-plans/{id}/approve",
        Record("support_plan"),
    ),
    (
        "GET",
        "/support-plans/{id}/evaluation",
        Record("support_plan"),
    ),
    (
        "POST",
        "/support-plans/{id}/evaluation",
        Record("support_plan"),
    ),
    ("GET", "/support-plans/{id}/print", Record("support_plan")),
    ("GET", "/worklist/{list}", Caller),
    ("GET", "/match-reviews/{id}", Record("match_review")),
    ("POST", "/match-reviews/{id}/link", Record("match_review")),
    (
        "POST",
        "/match-reviews/{id}/distinct",
        Record("match_review"),
    ),
];

/// The roles, one user each (大仙市).
const USERS: [&str; 5] = [
    "daisen.admin",
    "daisen.auditor",
    "daisen.community",
    "daisen.houkatsu",
    "daisen.coordinator",
];

/// A record that does not exist.
const NONE: i64 = 999_999;

/// Paths declared in kasane-web (`.route("…"`), with the API's prefix.
fn declared_paths() -> BTreeSet<String> {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/../kasane-web/src");
    let mut paths = BTreeSet::new();
    let mut dirs = vec![std::path::PathBuf::from(src)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let in_api =
                path.components().any(|c| c.as_os_str() == "api") && !path.ends_with("openapi.rs");
            for part in text.split(".route(").skip(1) {
                let literal = part.trim_start().trim_start_matches('"');
                let route = literal.split('"').next().unwrap();
                paths.insert(if in_api {
                    format!("/api/v1{route}")
                } else {
                    route.to_string()
                });
            }
        }
    }
    paths
}

/// `path` with every `{param}` replaced by `id` (the first) or 1 (the others).
pub(crate) fn concrete(path: &str, id: i64) -> String {
    concrete_with(path, &[id])
}

/// `path` with its `{param}`s replaced by `ids` in order, and by 1 beyond them.
pub(crate) fn concrete_with(path: &str, ids: &[i64]) -> String {
    let mut out = String::new();
    let mut ids = ids.iter();
    for part in path.split('{') {
        match part.split_once('}') {
            Some((_, rest)) => {
                out += &ids.next().copied().unwrap_or(1).to_string();
                out += rest;
            }
            None => out += part,
        }
    }
    out
}

/// The methods the router answers on `path`, from its 405's `Allow` header.
async fn allowed(app: &TestApp, path: &str) -> BTreeSet<String> {
    let res = Client::new()
        .request(Method::TRACE, app.url(&concrete(path, 1)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
    res.headers()["allow"]
        .to_str()
        .unwrap()
        .split(',')
        .map(|m| m.trim().to_string())
        .filter(|m| m != "HEAD")
        .collect()
}

/// A user's sessions: a page client with its CSRF token, and an API token.
struct Who {
    name: &'static str,
    page: Client,
    csrf: String,
    token: String,
}

impl Who {
    async fn send(&self, app: &TestApp, method: &str, path: &str) -> StatusCode {
        let method: Method = method.parse().unwrap();
        let url = app.url(path);
        let req = if path.starts_with("/api/") {
            let req = Client::new()
                .request(method.clone(), url)
                .bearer_auth(&self.token);
            if method == Method::POST || method == Method::PUT {
                req.json(&serde_json::json!({}))
            } else {
                req
            }
        } else {
            let req = self.page.request(method.clone(), url);
            if method == Method::POST {
                req.form(&[("csrf", self.csrf.as_str())])
            } else {
                req
            }
        };
        req.send().await.unwrap().status()
    }
}

/// The caller's `denied` entries, and the operator chain's length.
pub(crate) async fn denials(app: &TestApp, username: &str, municipality_id: i64) -> (i64, i64) {
    let (_, mine) = app
        .store
        .audit_entries(&AuditFilter {
            municipality_id,
            username: Some(username.into()),
            action: Some("denied".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let operator = app
        .store
        .operator_audit_entries(1)
        .await
        .unwrap()
        .first()
        .map_or(0, |e| e.seq);
    (mine, operator)
}

/// A refusal (403) leaves its `denied` entry in the caller's chain (`denied`: their count
/// before and after), like every refusal of the rule's — a role gate's too.
fn refusal_audited(status: StatusCode, denied: (i64, i64), what: &str) {
    if status == StatusCode::FORBIDDEN {
        assert!(denied.1 > denied.0, "{what}: the refusal is audited");
    }
}

fn success(status: StatusCode) -> bool {
    status.is_success() || status == StatusCode::SEE_OTHER
}

async fn every_route_answers_as_the_rule_says(app: TestApp) {
    // The router and the matrix list the same routes.
    let mut answered = BTreeSet::new();
    for path in declared_paths() {
        for method in allowed(&app, &path).await {
            answered.insert((method, path.clone()));
        }
    }
    let listed: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        answered.difference(&listed).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes the matrix does not list"
    );
    assert_eq!(
        listed.difference(&answered).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "listed routes the router does not answer"
    );

    let daisen = app.store.municipality_by_code("daisen").await.unwrap().id;
    let yuzawa = app.store.municipality_by_code("yuzawa").await.unwrap().id;
    // One record of each table per municipality, read once.
    let mut records = std::collections::HashMap::new();
    for &(_, _, on) in MATRIX {
        if let Record(table) = on {
            for m in [daisen, yuzawa] {
                let sql =
                    format!("SELECT COALESCE(MIN(id), 0) FROM {table} WHERE municipality_id = {m}");
                let id = app.scalar(&sql).await;
                records.insert((table, m), id);
            }
        }
    }
    let record_of = |table: &'static str, m: i64| records[&(table, m)];
    let mut who = Vec::new();
    for name in USERS {
        let page = app.login(name).await;
        let csrf = app.page_csrf(&page, "/").await;
        let token = app.token(name).await;
        who.push(Who {
            name,
            page,
            csrf,
            token,
        });
    }
    let anonymous = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let mut probes = 0;
    for &(method, path, on) in MATRIX {
        // Without a login.
        let status = anonymous
            .request(method.parse().unwrap(), app.url(&concrete(path, 1)))
            .send()
            .await
            .unwrap()
            .status();
        probes += 1;
        if on == Open {
            assert!(!status.is_server_error(), "{method} {path}: {status}");
            continue;
        }
        if path.starts_with("/api/") {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} without a login"
            );
        } else {
            assert!(
                status == StatusCode::SEE_OTHER || status == StatusCode::FORBIDDEN,
                "{method} {path} without a login: {status}"
            );
        }
        // Logging out ends the sessions the other probes use (foundation.rs tests it).
        if path == "/logout" {
            continue;
        }
        for w in &who {
            match on {
                Open => {}
                Caller | Config => {
                    let before = denials(&app, w.name, daisen).await.0;
                    let status = w.send(&app, method, &concrete(path, 1)).await;
                    let after = denials(&app, w.name, daisen).await.0;
                    probes += 1;
                    assert!(
                        !status.is_server_error(),
                        "{} {method} {path}: {status}",
                        w.name
                    );
                    let what = format!("{} {method} {path}", w.name);
                    refusal_audited(status, (before, after), &what);
                    if on == Config && method == "GET" {
                        assert_eq!(status, StatusCode::OK, "{} {method} {path}", w.name);
                    }
                }
                Audit => {
                    let before = denials(&app, w.name, daisen).await.0;
                    let status = w.send(&app, method, path).await;
                    let after = denials(&app, w.name, daisen).await.0;
                    refusal_audited(status, (before, after), &format!("{} {path}", w.name));
                    probes += 1;
                    let auditor = w.name == "daisen.auditor";
                    assert_eq!(
                        status == StatusCode::OK,
                        auditor,
                        "{} {method} {path}: {status}",
                        w.name
                    );
                }
                Record(table) => {
                    let theirs = record_of(table, yuzawa);
                    assert!(theirs > 0, "湯沢市 has a {table}");
                    let before = denials(&app, w.name, daisen).await;
                    let other = w.send(&app, method, &concrete(path, theirs)).await;
                    let after_other = denials(&app, w.name, daisen).await;
                    let missing = w.send(&app, method, &concrete(path, NONE)).await;
                    let after_missing = denials(&app, w.name, daisen).await;
                    probes += 2;
                    let what = format!("{} {method} {path}", w.name);
                    assert_eq!(
                        other, missing,
                        "{what}: another municipality's record is answered like a missing one"
                    );
                    assert!(
                        !success(other) && !other.is_server_error(),
                        "{what}: {other}"
                    );
                    refusal_audited(other, (before.0, after_other.0), &what);
                    refusal_audited(missing, (after_other.0, after_missing.0), &what);
                    if method == "GET" {
                        assert_eq!(other, StatusCode::NOT_FOUND, "{what}");
                    }
                    if other == StatusCode::NOT_FOUND {
                        assert_eq!(
                            after_other.0 - before.0,
                            1,
                            "{what}: the refusal is audited"
                        );
                        assert_eq!(
                            after_other.1 - before.1,
                            1,
                            "{what}: and in the operator's chain"
                        );
                        assert_eq!(
                            after_missing.0 - after_other.0,
                            1,
                            "{what}: a missing record's refusal is audited"
                        );
                        assert_eq!(
                            after_missing.1, after_other.1,
                            "{what}: not in the operator's chain"
                        );
                    }
                    // Admin and auditor never read personal data, the configuration and
                    // the staff (the admin's) aside.
                    let no_person_data = matches!(w.name, "daisen.admin" | "daisen.auditor");
                    let not_personal = matches!(table, "agency" | "app_user");
                    if method == "GET" && !not_personal && no_person_data {
                        let ours = record_of(table, daisen);
                        let status = w.send(&app, method, &concrete(path, ours)).await;
                        let after = denials(&app, w.name, daisen).await;
                        probes += 1;
                        assert!(
                            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
                            "{what} on 大仙市's own {table} {ours}: {status}"
                        );
                        assert_eq!(
                            after.0 - after_missing.0,
                            1,
                            "{what}: the refusal is audited"
                        );
                    }
                }
            }
        }
    }
    eprintln!(
        "authorisation matrix ({:?}): {} routes × {} roles (+ no login), {probes} requests",
        app.engine,
        MATRIX.len(),
        USERS.len()
    );
}

/// The person and case reads (page and API) for every staff user of 大仙市 and every
/// person and case of it: 200 exactly when the rule allows, else 404 and audited — over
/// the demo, then over generated situations (consents in force, withdrawn or expired,
/// agenda lines current or left, cases and referrals in every status).
async fn reads_follow_the_rule_for_every_relationship(app: TestApp) {
    referral_pending_at_a_window(&app).await;
    let mut situations = crate::access_twins::Situations::of(&app).await;
    let mut totals = (0, 0, 0);
    for round in 0..3 {
        if round > 0 {
            situations.next(&app).await;
        }
        let (allowed, refused, sheet_only) = reads_follow_the_rule(&app).await;
        totals = (
            totals.0 + allowed,
            totals.1 + refused,
            totals.2 + sheet_only,
        );
    }
    let (allowed, refused, sheet_only) = totals;
    assert!(
        allowed > 150 && refused > 150 && sheet_only > 0,
        "{allowed} allowed, {refused} refused, {sheet_only} on the つなぐシート only"
    );
}

/// A person whose only tie to 自立相談支援機関 is a つなぎ awaiting its answer: 地域包括
/// recorded the consultation (referred to 子ども支援課) with a new household, a support-log
/// entry and a consent for 子ども支援課, then sent the つなぎ. The window's staff read the
/// つなぐシート only, never the intake, the household, the support log, the consent or the
/// other つなぎ behind it.
pub(crate) async fn referral_pending_at_a_window(app: &TestApp) {
    let jiritsu = app.agency_id("daisen", "jiritsu_sodan").await;
    let kodomo = app.agency_id("daisen", "kodomo_shien_ka").await;
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let token = app.token("daisen.houkatsu").await;
    let send = async |path: String, body: serde_json::Value| {
        let (status, v) = app.api_send(&token, Method::POST, &path, Some(body)).await;
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    };
    let intake = send(
        "/api/v1/intakes".into(),
        serde_json::json!({
            "channel": "phone", "consulter_kind": "person", "summary": "家計の相談。",
            "urgency": "normal", "outcome": "referred", "issues": ["debt"],
            "referred_to_agency_id": kodomo, "referral_reason": "子どもの学習支援",
            "consent_to_share": true, "new_household": true, "confirm_new_person": true,
            "person": { "name": "照会 待子", "furigana": "ショウカイ マチコ",
                        "birth_date": "S45.1.1", "district": "omagari" },
        }),
    )
    .await;
    let person = intake["person_id"].as_i64().unwrap();
    send(
        "/api/v1/support-logs".into(),
        serde_json::json!({ "person_id": person, "occurred_on": today.to_string(),
                            "kind": "phone", "body": "家計の状況を聞き取った。" }),
    )
    .await;
    send(
        format!("/api/v1/persons/{person}/consents"),
        consent_body(kodomo, today),
    )
    .await;
    send(
        format!("/api/v1/persons/{person}/referrals"),
        serde_json::json!({ "to_agency_id": jiritsu, "reason": "家計改善の支援" }),
    )
    .await;
}

/// A consent to share with `agency`, given in writing today, covering the 重層的支援会議.
pub(crate) fn consent_body(agency: i64, today: chrono::NaiveDate) -> serde_json::Value {
    serde_json::json!({
        "consenter": "person",
        "consented_on": today.to_string(),
        "method": "written",
        "agencies": [agency],
        "meeting_kinds": ["multilayer_meeting"],
        "information": "氏名・生年月日・住所・連絡先、相談の内容",
    })
}

/// The record reads checked relationship by relationship: table, page and API route.
const READS: [(&str, [&str; 2]); 5] = [
    ("person", ["/persons/{id}", "/api/v1/persons/{id}"]),
    ("cases", ["/cases/{id}", "/api/v1/cases/{id}"]),
    ("household", ["/households/{id}", "/api/v1/households/{id}"]),
    ("intake", ["/intakes/{id}", "/api/v1/intakes/{id}"]),
    (
        "support_log",
        ["/support-logs/{id}", "/api/v1/support-logs/{id}"],
    ),
];

/// What the rule decides a read (or a write, `authorisation_writes`) of record `id` of
/// `table` on: the facts of each subject it is on, and whether the read needs more than the
/// つなぐシート (an intake, a support-log entry, a consent or another agency's referral does).
/// `None` for a linked person record (it answers as its canonical one).
pub(crate) async fn subjects(
    store: &kasane_store::Store,
    table: &str,
    id: i64,
) -> Option<(Vec<kasane_domain::access::PersonFacts>, bool)> {
    let person = async |pid: i64| {
        let p = store.person_any(pid).await.unwrap().unwrap();
        store.person_facts(p.municipality_id, pid).await.unwrap()
    };
    let household = async |hid: i64| {
        let h = store.household_any(hid).await.unwrap().unwrap();
        store.household_facts(h.municipality_id, hid).await.unwrap()
    };
    Some(match table {
        "person" => {
            let p = store.person_any(id).await.unwrap().unwrap();
            if p.linked_to_person_id.is_some() {
                return None;
            }
            (vec![person(id).await], false)
        }
        "cases" => {
            let case = store.case_any(id).await.unwrap().unwrap();
            (vec![store.case_facts(&case).await.unwrap()], false)
        }
        "household" => (vec![household(id).await], true),
        "intake" => {
            let intake = store.intake_any(id).await.unwrap().unwrap();
            (vec![person(intake.person_id).await], true)
        }
        "consent" => {
            let c = store.consent_any(id).await.unwrap().unwrap();
            (vec![person(c.person_id).await], true)
        }
        "referral" => {
            let r = store.referral_any(id).await.unwrap().unwrap();
            (vec![person(r.person_id).await], true)
        }
        _ => {
            let e = store.support_log_any(id).await.unwrap().unwrap();
            let mut facts = Vec::new();
            if let Some(p) = e.person_id {
                facts.push(person(p).await);
            }
            if let Some(h) = e.household_id {
                facts.push(household(h).await);
            }
            (facts, true)
        }
    })
}

async fn reads_follow_the_rule(app: &TestApp) -> (usize, usize, usize) {
    use kasane_domain::access::{Action, Subject, View, decide, may_see_person_data};
    let store = &app.store;
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let daisen = store.municipality_by_code("daisen").await.unwrap().id;
    let mut records = Vec::new();
    for (table, routes) in READS {
        for id in crate::access_twins::ids_where(app, table, daisen).await {
            if let Some(subjects) = subjects(store, table, id).await {
                records.push((routes, id, subjects));
            }
        }
    }
    let (mut allowed, mut refused, mut sheet_only) = (0, 0, 0);
    for user in store.users(Some(daisen)).await.unwrap() {
        let (_, actor) = crate::access_twins::viewer_and_actor(store, &user, today).await;
        if !may_see_person_data(&actor) || user.disabled {
            continue;
        }
        let page = app.login(&user.username).await;
        let token = app.token(&user.username).await;
        for (routes, id, (facts, beyond_sheet)) in &records {
            // Every subject the record is on must be readable — beyond the つなぐシート for
            // a record that is not the person's or the case's own page.
            if *beyond_sheet
                && facts.iter().any(|f| {
                    decide(&actor, Action::Read, &Subject::Person(f), today).view()
                        == Some(View::ReferralSheet)
                })
            {
                sheet_only += 1;
            }
            let may = facts.iter().all(|f| {
                decide(&actor, Action::Read, &Subject::Person(f), today)
                    .view()
                    .is_some_and(|v| !beyond_sheet || v != View::ReferralSheet)
            });
            for route in routes.iter() {
                let path = concrete(route, *id);
                let before = denials(app, &user.username, daisen).await.0;
                let status = if path.starts_with("/api/") {
                    app.api_get(&token, &path).await.status()
                } else {
                    page.get(app.url(&path)).send().await.unwrap().status()
                };
                let after = denials(app, &user.username, daisen).await.0;
                let what = format!("{} {path} ({facts:?})", user.username);
                if may {
                    assert_eq!(status, StatusCode::OK, "{what}");
                    allowed += 1;
                } else {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
                    assert!(after > before, "{what}: the refusal is audited");
                    refused += 1;
                }
            }
        }
    }
    eprintln!(
        "authorisation by relationship ({:?}): {allowed} reads allowed, {refused} refused \
         ({sheet_only} records on the つなぐシート only), as the rule says",
        app.engine
    );
    (allowed, refused, sheet_only)
}
