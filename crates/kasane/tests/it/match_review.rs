//! 名寄せ確認依頼 (#11), on both engines: a window whose new person resembles a record
//! another window holds is told only that it may be known elsewhere (no agency, audited),
//! registers the consultation and asks the coordinator in the same request; the
//! coordinator sees the pair's identity fields only, on the `match_review` basis while the
//! review is pending, links them or marks them distinct; the requester is told the outcome
//! without the other agency; the candidate stage already flags 複合課題の可能性.

use kasane_domain::match_review::REQUESTED_NOTICE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

both_engines!(
    a_review_round_trip_ends_linked_and_the_requester_is_told,
    a_review_marked_distinct_is_told_too,
);

fn intake(name: &str, kana: &str, birth: &str, confirm: bool) -> Value {
    json!({
        "channel": "phone", "consulter_kind": "person", "issues": ["care"],
        "consent_to_share": true, "summary": "電話で相談。", "urgency": "normal",
        "outcome": "handled", "confirm_new_person": confirm,
        "person": { "name": name, "furigana": kana, "birth_date": birth, "address": "大曲通町1-1" },
    })
}

async fn post(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.api_send(token, Method::POST, "/api/v1/intakes", Some(body))
        .await
}

/// 佐々木 健一 reaches the 包括, then 佐佐木 健一 the 基幹: the 基幹 is told only that he may be
/// known elsewhere, and its confirmed intake sends a review. The two person ids and the
/// review's id.
async fn request(app: &TestApp, kana: &str, birth: &str) -> (i64, i64, i64) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let kikan = app.token("daisen.kikan").await;
    let (status, v) = post(app, &houkatsu, intake("佐々木 健一", kana, birth, false)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let candidate = v["person_id"].as_i64().unwrap();
    assert_eq!(v["match_review_requested"], false);

    let checks = "SELECT COUNT(*) FROM audit_log WHERE object_type = 'person_match'";
    let before = app.scalar(checks).await;
    let (status, v) = post(app, &kikan, intake("佐佐木 健一", kana, birth, false)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    let text = v.to_string();
    assert!(
        !text.contains("センター") && !text.contains("佐々木"),
        "{v}"
    );
    assert_eq!(v["candidates"][0]["kind"], "elsewhere", "{v}");
    assert_eq!(app.scalar(checks).await, before + 1, "the check is audited");

    // The intake page says the same and no more.
    let client = app.login("daisen.kikan").await;
    let csrf = app.page_csrf(&client, "/intakes/new").await;
    let fields = [
        ("name", "佐佐木 健一"),
        ("furigana", kana),
        ("birth_date", birth),
        ("channel", "phone"),
        ("consulter_kind", "person"),
        ("issues", "care"),
        ("consent_to_share", "yes"),
        ("summary", "窓口で相談。"),
        ("urgency", "normal"),
        ("outcome", "handled"),
    ];
    let res = app.post_form(&client, "/intakes/new", &csrf, &fields).await;
    let html = res.text().await.unwrap();
    // (The form lists every agency as a つなぎ先; the candidates' part names none.)
    let at = html
        .find("card candidates")
        .unwrap_or_else(|| panic!("{html}"));
    let part = &html[at..at + html[at..].find("</section>").unwrap()];
    assert!(
        part.contains("他の窓口で把握されている可能性があります"),
        "{part}"
    );
    assert!(
        !part.contains("センター") && !html.contains("佐々木 健一"),
        "{part}"
    );

    let (status, v) = post(app, &kikan, intake("佐佐木 健一", kana, birth, true)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["match_review_requested"], true, "{v}");
    assert_eq!(v["notice"], REQUESTED_NOTICE);
    let requested = v["person_id"].as_i64().unwrap();
    let id = app
        .scalar(&format!(
            "SELECT id FROM match_review WHERE requested_person_id = {requested}"
        ))
        .await;
    (candidate, requested, id)
}

/// The coordinator's view of review `id`: identity fields only.
async fn coordinator_sees_identity_only(app: &TestApp, id: i64) {
    let coordinator = app.token("daisen.coordinator").await;
    let (status, v) = app
        .api_send(&coordinator, Method::GET, "/api/v1/match-reviews", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(
        v["items"].as_array().unwrap().iter().any(|r| r["id"] == id),
        "{v}"
    );
    let path = format!("/api/v1/match-reviews/{id}");
    let (status, v) = app.api_send(&coordinator, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    for side in ["requested", "candidate"] {
        let mut keys: Vec<&str> = v[side]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["address", "birth_date", "furigana", "name"], "{v}");
    }
    let text = v.to_string();
    for absent in [
        "センター",
        "電話で相談",
        "care",
        "intake",
        "issue",
        "agency",
    ] {
        assert!(!text.contains(absent), "{absent} in {v}");
    }
    let client = app.login("daisen.coordinator").await;
    let (status, html) = app.get_text(&client, &format!("/match-reviews/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("佐々木 健一") && html.contains("佐佐木 健一"),
        "{html}"
    );
    assert!(
        !html.contains("高齢者包括支援センター") && !html.contains("電話で相談"),
        "{html}"
    );
}

/// Anyone but the coordinator gets 404 on the review, each refusal audited.
async fn others_get_not_found(app: &TestApp, id: i64) {
    let denied = "SELECT COUNT(*) FROM audit_log WHERE action = 'denied'";
    for user in ["daisen.kikan", "daisen.houkatsu", "daisen.admin"] {
        let token = app.token(user).await;
        let before = app.scalar(denied).await;
        let path = format!("/api/v1/match-reviews/{id}");
        let (status, v) = app.api_send(&token, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{user}: {v}");
        assert_eq!(app.scalar(denied).await, before + 1, "{user}");
        let (status, _) = app
            .api_send(&token, Method::POST, &format!("{path}/link"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{user}");
    }
}

/// The requester's outcome on its worklist and on the page of the person it asked about
/// (`person`: the canonical record after the decision), with none of the other agency's
/// name there.
async fn requester_told(app: &TestApp, person: i64, outcome: &str) {
    let client = app.login("daisen.kikan").await;
    let (status, html) = app.get_text(&client, "/").await;
    assert_eq!(status, StatusCode::OK);
    let part = |html: &str, from: &str, to: &str| {
        let at = html.find(from).unwrap_or_else(|| panic!("{from}: {html}"));
        html[at..html[at..].find(to).map_or(html.len(), |e| at + e)].to_string()
    };
    let section = part(&html, "名寄せ確認依頼の結果", "</ul>");
    assert!(section.contains(outcome), "{section}");
    assert!(!section.contains("センター"), "{section}");
    let (status, html) = app.get_text(&client, &format!("/persons/{person}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let section = part(&html, "id=\"match-reviews\"", "</section>");
    assert!(section.contains(outcome), "{section}");
    assert!(!section.contains("センター"), "{section}");
}

async fn a_review_round_trip_ends_linked_and_the_requester_is_told(app: TestApp) {
    let (candidate, requested, id) = request(&app, "ササキ ケンイチ", "S49.7.3").await;
    coordinator_sees_identity_only(&app, id).await;
    others_get_not_found(&app, id).await;

    // The candidate stage's early warning, before any link: two windows within 12 months.
    let client = app.login("daisen.coordinator").await;
    let (_, home) = app.get_text(&client, "/").await;
    assert!(
        home.contains("複合課題の可能性(名寄せ確認中の有力候補)"),
        "{home}"
    );
    assert!(home.contains(&format!("名寄せ確認依頼 #{id}")), "{home}");

    // The basis reaches the identity view only: not the person's record.
    let coordinator = app.token("daisen.coordinator").await;
    let person = format!("/api/v1/persons/{candidate}");
    let (status, _) = app.api_send(&coordinator, Method::GET, &person, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let link = format!("/api/v1/match-reviews/{id}/link");
    let (status, v) = app.api_send(&coordinator, Method::POST, &link, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    let linked = app
        .scalar(&format!(
            "SELECT linked_to_person_id FROM person WHERE id = {requested}"
        ))
        .await;
    assert_eq!(linked, candidate);

    // Decided: the basis has ended, and no other basis shows the pair.
    let review = format!("/api/v1/match-reviews/{id}");
    let (status, _) = app.api_send(&coordinator, Method::GET, &review, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.api_send(&coordinator, Method::GET, &person, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.api_send(&coordinator, Method::POST, &link, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "decided once");
    let (_, home) = app.get_text(&client, "/").await;
    assert!(!home.contains(&format!("名寄せ確認依頼 #{id}")), "{home}");

    requester_told(&app, candidate, "同一人物として名寄せされました").await;
    // The other window reads the group now, but the request was not its own.
    let houkatsu = app.login("daisen.houkatsu").await;
    let (status, html) = app
        .get_text(&houkatsu, &format!("/persons/{candidate}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("id=\"match-reviews\""), "{html}");
}

async fn a_review_marked_distinct_is_told_too(app: TestApp) {
    let (candidate, requested, id) = request(&app, "ササキ ケンイチ", "1974-07-03").await;
    // The candidate stage's early warning is not raised again for a person already in an
    // open 多機関協働 case (flagged there).
    let warning = format!("名寄せ確認依頼 #{id}");
    let client = app.login("daisen.coordinator").await;
    let (_, home) = app.get_text(&client, "/").await;
    assert!(home.contains(&warning), "{home}");
    let user = app.user("daisen.houkatsu").await;
    app.store
        .create_case(&kasane_store::case::NewCase {
            municipality_id: user.municipality_id,
            person_id: Some(candidate),
            household_id: None,
            lead_agency_id: user.agency_id,
            intake_id: None,
            kinds: &["collaboration"],
            summary: "多機関協働で支援中",
            user_id: user.id,
            agency_id: user.agency_id,
        })
        .await
        .unwrap();
    let (_, home) = app.get_text(&client, "/").await;
    assert!(!home.contains(&warning), "{home}");
    assert!(
        home.contains(&format!("/match-reviews/{id}")),
        "still to review: {home}"
    );
    let coordinator = app.token("daisen.coordinator").await;
    let path = format!("/api/v1/match-reviews/{id}/distinct");
    let (status, v) = app
        .api_send(
            &coordinator,
            Method::POST,
            &path,
            Some(json!({ "reason": "nonsense" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let body = json!({ "reason": "address", "note": "別世帯と確認" });
    let (status, v) = app
        .api_send(&coordinator, Method::POST, &path, Some(body))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    let (lo, hi) = (candidate.min(requested), candidate.max(requested));
    let distinct = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM person_distinct WHERE person_a = {lo} AND person_b = {hi}"
        ))
        .await;
    assert_eq!(distinct, 1);
    let (status, _) = app
        .api_send(
            &coordinator,
            Method::GET,
            &format!("/api/v1/match-reviews/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    requester_told(&app, requested, "別人と確認されました").await;
}
