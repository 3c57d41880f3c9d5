//! Every refused read is on record (both engines): for each page and API route that reads a
//! person, household, intake, referral, support log, case, consent, meeting, plan,
//! monitoring round, 名寄せ確認依頼 or outreach case (its attempts, its notes), a caller with no basis gets 404 and exactly one
//! `denied` audit entry — whether the record is another municipality's, or of the caller's
//! own municipality but none of their agency's business, or does not exist at all. An
//! attempt on another municipality's record is also in the operator's chain (and only that
//! kind).

use kasane_store::audit::AuditFilter;
use reqwest::StatusCode;

use crate::common::TestApp;

both_engines!(every_refused_read_leaves_one_denied_entry);

/// The routes that read one record, with the table its id comes from.
const ROUTES: &[(&str, &str)] = &[
    ("/persons/{}", "person"),
    ("/api/v1/persons/{}", "person"),
    ("/api/v1/persons/{}/timeline", "person"),
    ("/api/v1/persons/{}/consents", "person"),
    ("/households/{}", "household"),
    ("/api/v1/households/{}", "household"),
    ("/intakes/{}", "intake"),
    ("/api/v1/intakes/{}", "intake"),
    ("/intakes/{}/escalate", "intake"),
    ("/api/v1/intakes/{}/escalation", "intake"),
    ("/referrals/{}", "referral"),
    ("/api/v1/referrals/{}", "referral"),
    ("/support-logs/{}", "support_log"),
    ("/api/v1/support-logs/{}", "support_log"),
    ("/cases/{}", "cases"),
    ("/cases/{}/assessment", "cases"),
    ("/cases/{}/assessment/versions", "cases"),
    ("/cases/{}/assessment/print", "cases"),
    ("/cases/{}/support-plans", "cases"),
    ("/api/v1/cases/{}", "cases"),
    ("/api/v1/cases/{}/consents", "cases"),
    ("/api/v1/cases/{}/support-plans", "cases"),
    ("/consents/{}/print", "consent"),
    ("/api/v1/consents/{}", "consent"),
    ("/meetings/{}", "meeting"),
    ("/meetings/{}/print", "meeting"),
    ("/api/v1/meetings/{}", "meeting"),
    ("/support-plans/{}", "support_plan"),
    ("/support-plans/{}/print", "support_plan"),
    ("/support-plans/{}/evaluation", "support_plan"),
    ("/api/v1/support-plans/{}", "support_plan"),
    ("/api/v1/support-plans/{}/monitoring", "support_plan"),
    ("/monitoring/{}", "monitoring"),
    ("/match-reviews/{}", "match_review"),
    ("/api/v1/match-reviews/{}", "match_review"),
    ("/outreach/{}", "outreach_case"),
    ("/outreach/{}/attempts/new", "outreach_case"),
    ("/api/v1/outreach/{}", "outreach_case"),
    ("/api/v1/outreach/{}/contact-attempts", "outreach_case"),
    ("/api/v1/outreach/{}/notes", "outreach_case"),
];

async fn denied(app: &TestApp, username: &str) -> i64 {
    let user = app.store.user_by_username(username).await.unwrap().unwrap();
    app.store
        .audit_entries(&AuditFilter {
            municipality_id: user.municipality_id,
            username: Some(username.into()),
            action: Some("denied".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .1
}

/// Denials in the operator's chain (chain 0, outside any tenant).
async fn operator_denied(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM audit_log WHERE chain_id = 0 AND action = 'denied'")
        .await
}

/// Requests every route for record `id` of its table as `username` and checks the answer
/// and the audit trail; `crossing` says whether the records are another municipality's.
async fn probe(
    app: &TestApp,
    username: &str,
    ids: &dyn Fn(&str) -> Option<i64>,
    why: &str,
    crossing: bool,
) {
    let page = app.login(username).await;
    let token = app.token(username).await;
    for (route, table) in ROUTES {
        let Some(id) = ids(table) else { continue };
        let path = route.replace("{}", &id.to_string());
        let before = denied(app, username).await;
        let operator_before = operator_denied(app).await;
        let status = if path.starts_with("/api/") {
            app.api_get(&token, &path).await.status()
        } else {
            page.get(app.url(&path)).send().await.unwrap().status()
        };
        assert_eq!(status, StatusCode::NOT_FOUND, "{why}: {path}");
        assert_eq!(
            denied(app, username).await - before,
            1,
            "{why}: {path} leaves exactly one denied entry"
        );
        assert_eq!(
            operator_denied(app).await - operator_before,
            i64::from(crossing),
            "{why}: {path} in the operator's chain"
        );
    }
}

async fn every_refused_read_leaves_one_denied_entry(app: TestApp) {
    let daisen = app.store.municipality_by_code("daisen").await.unwrap().id;
    let mut ids = std::collections::HashMap::new();
    for (_, table) in ROUTES {
        let id = app
            .scalar(&format!(
                "SELECT MIN(id) FROM {table} WHERE municipality_id = {daisen}"
            ))
            .await;
        ids.insert(*table, id);
    }
    // Another municipality's records: 湯沢市's window asks for 大仙市's.
    let theirs = |t: &str| ids.get(t).copied();
    probe(
        &app,
        "yuzawa.houkatsu",
        &theirs,
        "another municipality",
        true,
    )
    .await;
    // Records that do not exist.
    probe(
        &app,
        "daisen.houkatsu",
        &|_| Some(999_999),
        "no such record",
        false,
    )
    .await;
    // A new person of 大仙市 whom only the 高齢者包括支援センター has seen: the 自立相談支援
    // window of the same city has no basis for the person, their household or the intake.
    let token = app.token("daisen.houkatsu").await;
    let v = app
        .intake_of_new_person(&token, "根拠 無子", "コンキョ ナイコ")
        .await;
    let fresh = |t: &str| match t {
        "person" => v["person_id"].as_i64(),
        "household" => v["household_id"].as_i64(),
        "intake" => v["intake_id"].as_i64(),
        _ => None,
    };
    probe(
        &app,
        "daisen.jiritsu",
        &fresh,
        "same municipality, no basis",
        false,
    )
    .await;
}
