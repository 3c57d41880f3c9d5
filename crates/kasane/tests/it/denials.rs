//! Every refused read is on record (both engines): for each page and API route that reads a
//! person, household, intake, referral, support log, case, consent, meeting, plan,
//! monitoring round, 名寄せ確認依頼 or outreach case (its attempts, its notes), a caller with no basis gets 404 and exactly one
//! `denied` audit entry — whether the record is another municipality's, or of the caller's
//! own municipality but none of their agency's business, or does not exist at all. An
//! attempt on another municipality's record is also in the operator's chain (and only that
//! kind). So does a part of a record the rule let the caller act on, when the part is not
//! there: an agenda line or a role of another meeting, a member that is not one, an
//! involvement that is not, a つなぎ that was not declined.

use kasane_store::audit::AuditFilter;
use kasane_store::case::NewCase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

both_engines!(
    every_refused_read_leaves_one_denied_entry,
    a_part_not_found_once_the_rule_allowed_leaves_one_denied_entry
);

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
    ("/meetings/{}/edit", "meeting"),
    ("/api/v1/meetings/{}/versions", "meeting"),
    ("/meetings/{}/roles/1/edit", "meeting"),
    ("/api/v1/meetings/{}/roles/1/versions", "meeting"),
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

/// A request on a part of a record, by `who`, and the part's audit name.
struct Probe {
    who: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    part: &'static str,
}

/// A write the rule allows on the record it names (a meeting the caller runs, a case they
/// manage, a つなぎ they sent), on a part the use case then does not find: 404, and exactly
/// one `denied` entry on that part — an agenda line or a role of another meeting (minutes,
/// their history, taking it off the agenda, correcting the role), 守秘義務の確認 for an
/// agency that is not a member, 関与を終了 for an agency that is not involved, and 受領確認
/// of a つなぎ that was not declined.
async fn a_part_not_found_once_the_rule_allowed_leaves_one_denied_entry(app: TestApp) {
    let daisen = app.store.municipality_by_code("daisen").await.unwrap().id;
    let houkatsu_agency = app.agency_id("daisen", "houkatsu").await;
    let kikan = app.agency_id("daisen", "kikan_sodan").await;
    let jiritsu = app.agency_id("daisen", "jiritsu_sodan").await;
    let shakyo = app.agency_id("daisen", "shakyo").await;
    let houkatsu = app.token("daisen.houkatsu").await;
    let coordinator = app.token("daisen.coordinator").await;
    let send = async |token: &str, method: Method, path: &str, body: Option<Value>| {
        app.api_send(token, method, path, body).await
    };
    let created = async |token: &str, path: &str, body: Value| {
        let (status, v) = send(token, Method::POST, path, Some(body)).await;
        assert!(status.is_success(), "{path}: {status} {v}");
        v["id"].as_i64().unwrap_or_default()
    };

    // A person of 地域包括 with an open case it leads; two 支援会議 run by the coordinator
    // (its agency an acknowledged member), the case on both agendas, a role at the second.
    let v = app
        .intake_of_new_person(&houkatsu, "部分 欠子", "ブブン カケコ")
        .await;
    let person = v["person_id"].as_i64().unwrap();
    let user = app.user("daisen.houkatsu").await;
    let case = app
        .store
        .create_case(&NewCase {
            municipality_id: daisen,
            person_id: Some(person),
            household_id: None,
            lead_agency_id: houkatsu_agency,
            intake_id: v["intake_id"].as_i64(),
            kinds: &["collaboration"],
            summary: "複合課題",
            user_id: user.id,
            agency_id: houkatsu_agency,
        })
        .await
        .unwrap();
    let today = kasane_app::Clock::today(&kasane_app::SystemClock).to_string();
    let mut agenda = Vec::new();
    for _ in 0..2 {
        let body = json!({ "kind": "support_meeting", "held_on": today, "place": "会議室" });
        let meeting = created(&coordinator, "/api/v1/meetings", body).await;
        let members = format!("/api/v1/meetings/{meeting}/members");
        let body = json!({ "agency_id": shakyo, "attendee_name": "担当者" });
        created(&coordinator, &members, body).await;
        let ack = format!("{members}/{shakyo}/acknowledge");
        created(&coordinator, &ack, json!({})).await;
        let on = format!("/api/v1/meetings/{meeting}/agenda");
        let item = created(&coordinator, &on, json!({ "case_id": case })).await;
        agenda.push((meeting, item));
    }
    let [(meeting, _), (other, theirs)] = agenda[..] else {
        unreachable!()
    };
    let role_body = json!({ "case_id": case, "agency_id": kikan, "task": "見守り" });
    let role = created(
        &coordinator,
        &format!("/api/v1/meetings/{other}/roles"),
        role_body,
    )
    .await;
    // The sender's つなぎ, still waiting for its answer.
    let body = json!({ "to_agency_id": jiritsu, "reason": "家計の相談" });
    let referral = created(
        &houkatsu,
        &format!("/api/v1/persons/{person}/referrals"),
        body,
    )
    .await;

    let item_of_other = format!("/api/v1/meetings/{meeting}/agenda/{theirs}");
    let probes = [
        Probe {
            who: "daisen.coordinator",
            method: Method::PUT,
            path: format!("{item_of_other}/minutes"),
            body: Some(json!({ "version": 0, "discussion": "協議", "decisions": "" })),
            part: "meeting_agenda",
        },
        Probe {
            who: "daisen.coordinator",
            method: Method::GET,
            path: format!("{item_of_other}/minutes/versions"),
            body: None,
            part: "meeting_agenda",
        },
        Probe {
            who: "daisen.coordinator",
            method: Method::DELETE,
            path: item_of_other.clone(),
            body: None,
            part: "meeting_agenda",
        },
        Probe {
            who: "daisen.coordinator",
            method: Method::PUT,
            path: format!("/api/v1/meetings/{meeting}/roles/{role}"),
            body: Some(json!({ "version": 1, "agency_id": kikan, "task": "訪問" })),
            part: "role_assignment",
        },
        Probe {
            who: "daisen.coordinator",
            method: Method::GET,
            path: format!("/api/v1/meetings/{meeting}/roles/{role}/versions"),
            body: None,
            part: "role_assignment",
        },
        Probe {
            who: "daisen.coordinator",
            method: Method::POST,
            path: format!("/api/v1/meetings/{meeting}/members/{kikan}/acknowledge"),
            body: Some(json!({})),
            part: "meeting_member",
        },
        Probe {
            who: "daisen.houkatsu",
            method: Method::DELETE,
            path: format!("/api/v1/cases/{case}/agencies/{kikan}"),
            body: Some(json!({ "reason": "支援の終了" })),
            part: "case_agency",
        },
        Probe {
            who: "daisen.houkatsu",
            method: Method::POST,
            path: format!("/api/v1/referrals/{referral}/acknowledge"),
            body: None,
            part: "referral",
        },
    ];
    for Probe {
        who,
        method,
        path,
        body,
        part,
    } in probes
    {
        let token = if who == "daisen.houkatsu" {
            &houkatsu
        } else {
            &coordinator
        };
        let before = denied(&app, who).await;
        let (status, v) = send(token, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {v}");
        assert_eq!(
            denied(&app, who).await - before,
            1,
            "{method} {path} leaves exactly one denied entry"
        );
        let newest = app
            .text(
                "SELECT object_type FROM audit_log WHERE action = 'denied' \
                 ORDER BY id DESC LIMIT 1",
            )
            .await;
        assert_eq!(newest, part, "{method} {path}: the denial names the part");
    }
}
