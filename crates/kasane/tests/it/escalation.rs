//! 多機関協働へつなぐ, later (both engines): the receiving window escalates its ongoing
//! consultation with a reason and no new intake; the coordinator's queue and basis follow;
//! only the receiving window may, once, and not while the person is in an open case.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestApp, location};

both_engines!(
    an_ongoing_consultation_is_escalated_without_a_new_intake,
    only_the_receiving_window_escalates_once_with_a_reason,
    escalation_from_the_pages
);

const HOUKATSU: &str = "daisen.houkatsu";
const COORDINATOR: &str = "daisen.coordinator";

async fn new_intake(app: &TestApp, token: &str) -> (i64, i64) {
    let v = app
        .intake_of_new_person(token, "仙北 継続", "センボク ケイゾク")
        .await;
    (
        v["person_id"].as_i64().unwrap(),
        v["intake_id"].as_i64().unwrap(),
    )
}

async fn escalate(app: &TestApp, token: &str, intake: i64, reason: &str) -> (StatusCode, Value) {
    app.api_send(
        token,
        Method::POST,
        &format!("/api/v1/intakes/{intake}/escalation"),
        Some(json!({ "reason": reason })),
    )
    .await
}

async fn an_ongoing_consultation_is_escalated_without_a_new_intake(app: TestApp) {
    let token = app.token(HOUKATSU).await;
    let coordinator = app.token(COORDINATOR).await;
    let (person, intake) = new_intake(&app, &token).await;
    let intakes = app.scalar("SELECT COUNT(*) FROM intake").await;
    // Before: the coordinator has no basis on this person and nothing waits.
    let (status, _) = app
        .api_send(
            &coordinator,
            Method::GET,
            &format!("/api/v1/persons/{person}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, v) = escalate(&app, &token, intake, "母の介護と本人の就労が重なった").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["previous_outcome"], "handled");
    assert_eq!(v["reason"], "母の介護と本人の就労が重なった");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM intake").await, intakes);
    let (_, read) = app
        .api_send(
            &token,
            Method::GET,
            &format!("/api/v1/intakes/{intake}"),
            None,
        )
        .await;
    assert_eq!(read["outcome"], "escalated", "{read}");

    // The coordinator's queue and basis follow from the outcome.
    let (_, w) = app
        .api_send(&coordinator, Method::GET, "/api/v1/worklist", None)
        .await;
    assert!(
        w["escalations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["intake_id"] == intake),
        "{w}"
    );
    let (status, v) = app
        .api_send(
            &coordinator,
            Method::GET,
            &format!("/api/v1/intakes/{intake}/escalation"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = app
        .api_send(
            &coordinator,
            Method::POST,
            "/api/v1/cases",
            Some(json!({ "intake_id": intake, "summary": "8050" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");

    // Audited as an update of the intake, without the reason's text.
    let entries = app
        .text(&format!(
            "SELECT COALESCE(MAX(reason), '') FROM audit_log WHERE object_type = 'intake' \
             AND object_id = '{intake}' AND action = 'update'"
        ))
        .await;
    assert_eq!(entries, "escalate");
    let leaked = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE reason LIKE '%就労%'")
        .await;
    assert_eq!(leaked, 0);
}

async fn only_the_receiving_window_escalates_once_with_a_reason(app: TestApp) {
    let token = app.token(HOUKATSU).await;
    let (person, intake) = new_intake(&app, &token).await;

    let (status, v) = escalate(&app, &token, intake, "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, _) = app
        .api_send(
            &token,
            Method::GET,
            &format!("/api/v1/intakes/{intake}/escalation"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Another window with no basis: 404, like a missing intake.
    let kikan = app.token("daisen.kikan").await;
    let (status, _) = escalate(&app, &kikan, intake, "理由").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = escalate(&app, &token, 999_999, "理由").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A window that reads the person (a referral accepted) but did not receive the intake.
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await;
    let (status, r) = app
        .api_send(
            &token,
            Method::POST,
            &format!("/api/v1/persons/{person}/referrals"),
            Some(json!({ "to_agency_id": kikan_id, "reason": "障害の相談" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let referral = r["id"].as_i64().unwrap();
    let (status, v) = app
        .api_send(
            &kikan,
            Method::POST,
            &format!("/api/v1/referrals/{referral}/accept"),
            Some(json!({})),
        )
        .await;
    assert!(status.is_success(), "{status} {v}");
    let (status, v) = escalate(&app, &kikan, intake, "理由").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");

    let (status, _) = escalate(&app, &token, intake, "複合課題").await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, v) = escalate(&app, &token, intake, "もう一度").await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");

    // In an open case already: a later intake of the same window is not escalated again.
    let coordinator = app.token(COORDINATOR).await;
    let (status, v) = app
        .api_send(
            &coordinator,
            Method::POST,
            "/api/v1/cases",
            Some(json!({ "intake_id": intake, "summary": "8050" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = app
        .api_send(
            &token,
            Method::POST,
            "/api/v1/intakes",
            Some(json!({
                "channel": "phone", "consulter_kind": "person", "summary": "再度の電話。",
                "urgency": "normal", "outcome": "handled", "issues": ["care"],
                "consent_to_share": false, "person_id": person,
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let later = v["intake_id"].as_i64().unwrap();
    let (status, v) = escalate(&app, &token, later, "理由").await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert!(v.to_string().contains("ケースで支援中"), "{v}");
}

async fn escalation_from_the_pages(app: TestApp) {
    let token = app.token(HOUKATSU).await;
    let (person, intake) = new_intake(&app, &token).await;
    let client = app.login(HOUKATSU).await;
    let escalate_path = format!("/intakes/{intake}/escalate");

    // The person page and the intake page offer it.
    let (_, page) = app.get_text(&client, &format!("/persons/{person}")).await;
    assert!(page.contains(&escalate_path), "{page}");
    let (_, page) = app.get_text(&client, &format!("/intakes/{intake}")).await;
    assert!(page.contains(&escalate_path), "{page}");

    // No reason: the form again, 422, nothing changed.
    let csrf = app.page_csrf(&client, &escalate_path).await;
    let res = app
        .post_form(&client, &escalate_path, &csrf, &[("reason", "")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("理由を入力してください"), "{html}");
    assert!(html.contains("name=\"reason\""), "{html}");

    let res = app
        .post_form(&client, &escalate_path, &csrf, &[("reason", "債務と介護")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/intakes/{intake}?saved=1"));
    let (_, page) = app
        .get_text(&client, &format!("/intakes/{intake}?saved=1"))
        .await;
    assert!(page.contains("記録しました"), "{page}");
    assert!(page.contains("多機関協働へつないだ記録"), "{page}");
    assert!(page.contains("債務と介護"), "{page}");
    assert!(!page.contains(&escalate_path), "{page}");
    // Offered nowhere once escalated.
    let (_, page) = app.get_text(&client, &format!("/persons/{person}")).await;
    assert!(!page.contains(&escalate_path), "{page}");
}
