//! The つなぐシート carries what the sender recorded (both engines): after an intake with
//! 課題 介護・社会的孤立, お困りごと with a ◎ and the consent to share, a つなぎ — from the
//! intake itself, or sent later from the person's page — shows the receiving agency those
//! 課題, the お困りごと with ◎ first, the household outline and the consent as the
//! intake's (not as a 本人同意), on the page and in the API; the person page shows the
//! intake-time consent apart from the formal 本人同意 records.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

both_engines!(referral_sheet_carries_the_senders_intake);

fn intake(outcome: &str) -> Value {
    json!({
        "channel": "phone", "consulter_kind": "family", "consulter_name": "長女",
        "issues": ["care", "isolation"],
        "concerns": ["care", "community_relations", "income"],
        "most_pressing": "income",
        "consent_to_share": true,
        "summary": "一人暮らしの母の介護と孤立について長女から電話。",
        "urgency": "normal", "outcome": outcome,
        "person": { "name": "寺田 キヨ", "furigana": "テラダ キヨ", "birth_date": "S12.3.4",
                    "district": "omagari" },
        "confirm_new_person": true, "new_household": true,
    })
}

async fn check_sheet(app: &TestApp, referral: i64, who: &str) {
    let token = app.token(who).await;
    let (status, v) = app
        .api_send(
            &token,
            Method::GET,
            &format!("/api/v1/referrals/{referral}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"], "referral_sheet", "{v}");
    let codes = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes("issues"), ["care", "isolation"], "{v}");
    assert_eq!(
        codes("concerns"),
        ["income", "community_relations", "care"],
        "{v}"
    );
    assert_eq!(v["most_pressing"], "income");
    assert_eq!(v["consent_to_share"], true);
    assert!(v["sheet_intake_id"].as_i64().is_some(), "{v}");
    assert_eq!(v["household"][0]["relationship"]["code"], "head", "{v}");

    let client = app.login(who).await;
    let (status, html) = app
        .get_text(&client, &format!("/referrals/{referral}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "介護",
        "社会的孤立",
        "◎ 収入・生活費",
        "相談受付時の情報共有への同意",
        "関係機関との情報共有に同意あり",
        "正式な本人同意",
        "世帯主",
    ] {
        assert!(html.contains(shown), "sheet lacks {shown}");
    }
    assert!(!html.contains("相談受付の記録なし"));
    // ◎ comes first among the お困りごと.
    let pressing = html.find("◎ 収入・生活費").unwrap();
    assert!(pressing < html.find("地域との関係").unwrap());
}

async fn referral_sheet_carries_the_senders_intake(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let kikan = app.agency_id("daisen", "kikan_sodan").await;
    let jiritsu = app.agency_id("daisen", "jiritsu_sodan").await;

    // 1. The つなぎ is the intake's outcome.
    let mut body = intake("referred");
    body["referred_to_agency_id"] = json!(kikan);
    body["referral_reason"] = json!("障がい福祉サービスの相談");
    let (status, v) = app
        .api_send(&houkatsu, Method::POST, "/api/v1/intakes", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let person = v["person_id"].as_i64().unwrap();
    let intake_id = v["intake_id"].as_i64().unwrap();
    let first = app
        .scalar(&format!(
            "SELECT id FROM referral WHERE intake_id = {intake_id}"
        ))
        .await;
    check_sheet(&app, first, "daisen.kikan").await;

    // 2. A つなぎ sent later from the person's page carries the sender's latest intake.
    let (status, v) = app
        .api_send(
            &houkatsu,
            Method::POST,
            &format!("/api/v1/persons/{person}/referrals"),
            Some(json!({ "to_agency_id": jiritsu, "reason": "生活費の相談" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let second = v["id"].as_i64().unwrap();
    check_sheet(&app, second, "daisen.jiritsu").await;

    // The person page: the intake-time consent, apart from the formal 本人同意.
    let client = app.login("daisen.houkatsu").await;
    let (status, html) = app.get_text(&client, &format!("/persons/{person}")).await;
    assert_eq!(status, StatusCode::OK);
    let consents = html.find("本人同意は記録されていません").unwrap();
    let at_intake = html.find("相談受付時の情報共有への同意").unwrap();
    assert!(at_intake > consents, "its own section, after the 本人同意");
    assert!(html[at_intake..].contains("同意あり"));
    assert!(html[at_intake..].contains(&format!("href=\"/intakes/{intake_id}\"")));
}
