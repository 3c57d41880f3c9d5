//! When an agency given a plan action or a role loses the basis it read the case on (a
//! 本人同意 withdrawn), the coordinator's worklist says so (both engines); once the agency
//! is involved in the case again, the line goes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

both_engines!(a_plan_agency_that_loses_its_consent_is_on_the_coordinators_worklist);

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let (status, v) = app.api_send(token, method, path, Some(body)).await;
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

async fn basis_lost(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, w) = app
        .api_send(token, Method::GET, "/api/v1/worklist?list=basis_lost", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{w}");
    w["basis_lost"].as_array().unwrap().clone()
}

async fn a_plan_agency_that_loses_its_consent_is_on_the_coordinators_worklist(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let coordinator = app.token("daisen.coordinator").await;
    let kikan = app.token("daisen.kikan").await;
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await;
    let v = app
        .intake_of_new_person(&houkatsu, "協働 失効", "キョウドウ シッコウ")
        .await;
    let intake = v["intake_id"].as_i64().unwrap();
    send(
        &app,
        &houkatsu,
        Method::POST,
        &format!("/api/v1/intakes/{intake}/escalation"),
        json!({ "reason": "複合課題" }),
    )
    .await;
    let case = send(
        &app,
        &coordinator,
        Method::POST,
        "/api/v1/cases",
        json!({ "intake_id": intake, "summary": "8050" }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let consent = send(
        &app,
        &coordinator,
        Method::POST,
        &format!("/api/v1/cases/{case}/consents"),
        json!({
            "consenter": "person", "consented_on": "2026-11-01", "method": "written",
            "agencies": [kikan_id], "meeting_kinds": ["multilayer_meeting"],
            "information": "氏名・相談の内容",
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    send(
        &app,
        &coordinator,
        Method::POST,
        &format!("/api/v1/cases/{case}/support-plans"),
        json!({
            "person_goal": "家の外に出る", "long_term_goal": "就労", "short_term_goal": "通院",
            "period_start": "2026-12-01", "period_end": "2027-03-31",
            "monitoring_dates": ["2027-01-15"],
            "actions": [{ "what": "障害福祉サービスの調整", "agency_id": kikan_id }],
        }),
    )
    .await;

    // The consent names the agency: it reads the case, nothing to say.
    let (status, _) = app
        .api_send(&kikan, Method::GET, &format!("/api/v1/cases/{case}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(basis_lost(&app, &coordinator).await.is_empty());

    send(
        &app,
        &coordinator,
        Method::POST,
        &format!("/api/v1/consents/{consent}/withdraw"),
        json!({ "note": "本人が電話で撤回" }),
    )
    .await;
    let (status, _) = app
        .api_send(&kikan, Method::GET, &format!("/api/v1/cases/{case}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let lines = basis_lost(&app, &coordinator).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["case_id"], case);
    assert_eq!(lines[0]["agency_id"], kikan_id);
    assert_eq!(lines[0]["source"], "plan_action");
    assert_eq!(lines[0]["task"], "障害福祉サービスの調整");
    // On the page too, for the coordinator only.
    let client = app.login("daisen.coordinator").await;
    let (_, home) = app.get_text(&client, "/").await;
    assert!(
        home.contains("担当機関が閲覧できなくなった役割・支援内容"),
        "{home}"
    );
    assert!(basis_lost(&app, &houkatsu).await.is_empty());

    // Involved in the case: its access no longer rests on the consent.
    send(
        &app,
        &coordinator,
        Method::POST,
        &format!("/api/v1/cases/{case}/agencies"),
        json!({ "agency_id": kikan_id }),
    )
    .await;
    assert!(basis_lost(&app, &coordinator).await.is_empty());
}
