//! Step 8 (アウトリーチ): outreach cases through the real API and pages, on both engines —
//! the engagement stage's history and its evidence rule (no forward move without a
//! recorded contact that reached someone since the last move: 422; back only with a
//! reason), who sees the case (an uninvolved agency: 404 and a denial) and a volunteer's
//! information (the outreach team only: an agency reading the case on another basis gets
//! 404 and a denial), the forms (422 with marked fields, 「記録しました」), each alert raised
//! and cleared on the worklist, the team's list and the 訪問予定表, 伴走支援 on the
//! timeline, the hand-over, the statistics hooks and the demo.

use chrono::TimeDelta;
use kasane_store::audit::AuditFilter;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Engine, TestApp, hidden_csrf, location};

both_engines!(
    stages_move_forward_only_on_evidence_and_back_with_a_reason,
    an_uninvolved_agency_gets_404_and_a_volunteers_note_stays_in_the_team,
    forms_refuse_with_422_and_saves_say_recorded,
    each_alert_is_raised_and_cleared,
    the_team_sees_its_cases_most_overdue_first,
    a_hand_over_links_a_referral_or_a_case,
    statistics_count_stages_movements_and_attempts,
    the_demo_has_outreach_at_every_stage_in_both_municipalities,
);

const COORDINATOR: &str = "daisen.coordinator";
const HOUKATSU: &str = "daisen.houkatsu";
const KIKAN: &str = "daisen.kikan";
const JIRITSU: &str = "daisen.jiritsu";

/// A caller of the JSON API.
struct Api<'a> {
    app: &'a TestApp,
    token: String,
    username: &'static str,
}

impl<'a> Api<'a> {
    async fn of(app: &'a TestApp, username: &'static str) -> Api<'a> {
        Api {
            app,
            token: app.token(username).await,
            username,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.app.api_send(&self.token, method, path, body).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// The caller's `denied` audit entries.
    async fn denials(&self) -> i64 {
        let user = self.app.user(self.username).await;
        self.app
            .store
            .audit_entries(&AuditFilter {
                municipality_id: user.municipality_id,
                username: Some(self.username.into()),
                action: Some("denied".into()),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .1
    }

    async fn user_id(&self) -> i64 {
        self.app.user(self.username).await.id
    }

    /// Records an attempt on `case` `days_ago` days ago; `met`: person, family or nobody.
    async fn attempt(
        &self,
        case: i64,
        days_ago: i64,
        met: &str,
        concern: bool,
    ) -> (StatusCode, Value) {
        // Today's is a minute ahead: a minute is what the field keeps, and it must fall
        // after a stage move made a moment ago.
        let ahead = if days_ago == 0 {
            TimeDelta::minutes(1)
        } else {
            TimeDelta::zero()
        };
        let at = (chrono::Utc::now() + TimeDelta::hours(9) - TimeDelta::days(days_ago) + ahead)
            .format("%Y-%m-%d %H:%M")
            .to_string();
        let outcome = if met == "nobody" { "not_met" } else { "met" };
        let body = json!({
            "attempted_at": at, "method": "visit", "staff": [self.user_id().await],
            "met": met, "outcome": outcome, "left_behind": "手紙",
            "observations": "玄関の様子を確認した。", "safety_concern": concern,
        });
        self.post(&format!("/api/v1/outreach/{case}/contact-attempts"), body)
            .await
    }

    async fn stage(&self, case: i64, to: &str, reason: &str) -> (StatusCode, Value) {
        self.post(
            &format!("/api/v1/outreach/{case}/stage"),
            json!({ "to": to, "reason": reason }),
        )
        .await
    }

    async fn detail(&self, case: i64) -> Value {
        let (status, v) = self.get(&format!("/api/v1/outreach/{case}")).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }
}

/// A person 地域包括 registered from a 民生委員's call, and the outreach case it opened
/// for them, led by 社会福祉協議会 (the coordinator's agency, the outreach team) with
/// 基幹相談支援センター on the team: (person, case).
async fn opened(app: &TestApp, name: &str, furigana: &str) -> (i64, i64) {
    let houkatsu = Api::of(app, HOUKATSU).await;
    let v = app
        .intake_of_new_person(&houkatsu.token, name, furigana)
        .await;
    let shakyo = app.agency_id("daisen", "shakyo").await;
    let kikan = app.agency_id("daisen", "kikan_sodan").await;
    let (status, c) = houkatsu
        .post(
            "/api/v1/outreach",
            json!({
                "intake_id": v["intake_id"], "lead_agency_id": shakyo, "agencies": [kikan],
                "informant_kind": "minsei_iin", "informant": "地区の民生委員(○○さん)",
                "known": "昼も雨戸が閉まったまま。母の死後、一人暮らし。",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    (v["person_id"].as_i64().unwrap(), c["id"].as_i64().unwrap())
}

async fn stages_move_forward_only_on_evidence_and_back_with_a_reason(app: TestApp) {
    let (_, case) = opened(&app, "外出 無太", "ガイシュツ ムタ").await;
    let team = Api::of(&app, COORDINATOR).await;
    let d = team.detail(case).await;
    assert_eq!(d["stage"]["code"], "unreached");
    assert_eq!(d["informant_kind"]["code"], "minsei_iin");
    assert_eq!(d["evidence_attempt_id"], Value::Null);

    // No contact at all, then one reaching nobody: no forward move.
    let (status, v) = team.stage(case, "contacted", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v.to_string().contains("会えた接触の記録がありません"),
        "{v}"
    );
    let (status, _) = team.attempt(case, 3, "nobody", false).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = team.stage(case, "contacted", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // One reaching the person: forward, one step, resting on that attempt.
    let (_, reached) = team.attempt(case, 2, "person", false).await;
    let reached = reached["id"].as_i64().unwrap();
    let (status, _) = team.stage(case, "rapport", "").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "two steps at once"
    );
    let (status, v) = team.stage(case, "contacted", "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["stage"]["code"], "contacted");
    // The same attempt does not carry the next move.
    let (status, _) = team.stage(case, "rapport", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Back (関係が途切れた) needs a reason.
    let (status, v) = team.stage(case, "unreached", " ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v.to_string().contains("理由"), "{v}");
    let (status, _) = team
        .stage(case, "unreached", "転居の噂。3回続けて不在。")
        .await;
    assert_eq!(status, StatusCode::OK);
    // A contact recorded as made before that move is no evidence after it.
    let (_, old) = team.attempt(case, 1, "family", false).await;
    assert!(old["id"].is_i64());
    let (status, _) = team.stage(case, "contacted", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, again) = team.attempt(case, 0, "family", false).await;
    let again = again["id"].as_i64().unwrap();
    let (status, _) = team.stage(case, "contacted", "").await;
    assert_eq!(status, StatusCode::OK);

    let d = team.detail(case).await;
    let events = d["stage_events"].as_array().unwrap();
    let moves: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["from_stage"]["code"].as_str().unwrap(),
                e["to_stage"]["code"].as_str().unwrap(),
                e["direction"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("unreached", "contacted", "forward"),
            ("contacted", "unreached", "back"),
            ("unreached", "contacted", "forward"),
        ]
    );
    assert_eq!(events[0]["evidence_attempt_id"], reached);
    assert_eq!(events[1]["evidence_attempt_id"], Value::Null);
    assert_eq!(events[1]["reason"], "転居の噂。3回続けて不在。");
    assert_eq!(events[2]["evidence_attempt_id"], again);
    assert_eq!(events[0]["user_name"], "佐々木 美穂");
    assert_eq!(d["contact_attempts"].as_array().unwrap().len(), 4);

    // 基幹 visits with the team (it records attempts) but the lead moves the stage: 403,
    // on record.
    let kikan = Api::of(&app, KIKAN).await;
    let (status, _) = kikan.attempt(case, 0, "person", false).await;
    assert_eq!(status, StatusCode::CREATED);
    let before = kikan.denials().await;
    let (status, _) = kikan.stage(case, "rapport", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(kikan.denials().await - before, 1);

    // Two staff of two agencies on one attempt; a third is refused, and so is a user of
    // another municipality.
    let both = json!([team.user_id().await, kikan.user_id().await]);
    let body = |staff: Value| {
        json!({ "attempted_at": "", "method": "phone", "staff": staff, "met": "nobody",
                "outcome": "not_met" })
    };
    let mut now = body(both.clone());
    now["attempted_at"] = json!(
        (chrono::Utc::now() + TimeDelta::hours(9))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    );
    let (status, v) = team
        .post(
            &format!("/api/v1/outreach/{case}/contact-attempts"),
            now.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, list) = team
        .get(&format!("/api/v1/outreach/{case}/contact-attempts"))
        .await;
    let visit = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == v["id"])
        .unwrap();
    let agencies: Vec<&str> = visit["staff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["agency_name"].as_str().unwrap())
        .collect();
    assert_eq!(agencies.len(), 2, "{visit}");
    assert!(agencies.contains(&"基幹相談支援センター"), "{agencies:?}");
    let yuzawa = app.user("yuzawa.kikan").await.id;
    now["staff"] = json!([yuzawa]);
    let (status, v) = team
        .post(
            &format!("/api/v1/outreach/{case}/contact-attempts"),
            now.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    now["staff"] = json!([1, 2, 3]);
    let (status, _) = team
        .post(&format!("/api/v1/outreach/{case}/contact-attempts"), now)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn an_uninvolved_agency_gets_404_and_a_volunteers_note_stays_in_the_team(app: TestApp) {
    let (person, case) = opened(&app, "見守 花子", "ミマモリ ハナコ").await;
    let team = Api::of(&app, COORDINATOR).await;
    let (status, v) = team
        .post(
            &format!("/api/v1/outreach/{case}/notes"),
            json!({ "noted_on": "R7.4.1", "source_kind": "minsei_iin",
                    "source": "民生委員の○○さん(090-0000-0000)",
                    "body": "夜には台所の明かりがつく。" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");

    // The team reads it: the lead's coordinator and 基幹 (involved).
    for who in [COORDINATOR, KIKAN] {
        let api = Api::of(&app, who).await;
        let (status, notes) = api.get(&format!("/api/v1/outreach/{case}/notes")).await;
        assert_eq!(status, StatusCode::OK, "{who}");
        assert_eq!(
            notes[0]["source"], "民生委員の○○さん(090-0000-0000)",
            "{who}"
        );
        assert!(
            api.detail(case).await["information_notes"].is_array(),
            "{who}"
        );
    }
    // 地域包括 recorded the intake and opened the case: it reads the case (its intake makes
    // it involved with the person), never the team's information — 404, on record.
    let houkatsu = Api::of(&app, HOUKATSU).await;
    let d = houkatsu.detail(case).await;
    assert_eq!(d["information_notes"], Value::Null);
    assert!(!d.to_string().contains("090-0000-0000"));
    let before = houkatsu.denials().await;
    let (status, _) = houkatsu
        .get(&format!("/api/v1/outreach/{case}/notes"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = houkatsu
        .post(
            &format!("/api/v1/outreach/{case}/notes"),
            json!({ "noted_on": "R7.4.1", "source_kind": "agency", "source": "包括", "body": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(houkatsu.denials().await - before, 2);
    let page = app.login(HOUKATSU).await;
    let (status, html) = app.get_text(&page, &format!("/outreach/{case}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("夜には台所の明かり"), "{html}");

    // 自立相談支援機関 has no basis at all: the case, its attempts, its notes and its forms
    // do not exist for it, and every refusal is on record.
    let jiritsu = Api::of(&app, JIRITSU).await;
    let page = app.login(JIRITSU).await;
    for path in [
        format!("/api/v1/outreach/{case}"),
        format!("/api/v1/outreach/{case}/contact-attempts"),
        format!("/api/v1/outreach/{case}/notes"),
    ] {
        let before = jiritsu.denials().await;
        let (status, _) = jiritsu.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(jiritsu.denials().await - before, 1, "{path}");
    }
    for path in [
        format!("/outreach/{case}"),
        format!("/outreach/{case}/attempts/new"),
    ] {
        let before = jiritsu.denials().await;
        let (status, _) = app.get_text(&page, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(jiritsu.denials().await - before, 1, "{path}");
    }
    let before = jiritsu.denials().await;
    let (status, _) = jiritsu.attempt(case, 0, "person", false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = jiritsu.stage(case, "contacted", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(jiritsu.denials().await - before, 2);
    // Nor may it open one on the person.
    let (status, _) = jiritsu
        .post(
            "/api/v1/outreach",
            json!({ "person_id": person, "informant_kind": "neighbour", "informant": "x", "known": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Another municipality's: 404 as well.
    let yuzawa = Api::of(&app, "yuzawa.coordinator").await;
    let (status, _) = yuzawa.get(&format!("/api/v1/outreach/{case}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A case that is not an outreach case is not one here either.
    let plain = app
        .scalar("SELECT MIN(c.id) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM outreach_case o WHERE o.id = c.id)")
        .await;
    let before = team.denials().await;
    let (status, _) = team.get(&format!("/api/v1/outreach/{plain}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(team.denials().await - before, 1);
}

async fn forms_refuse_with_422_and_saves_say_recorded(app: TestApp) {
    let houkatsu = Api::of(&app, HOUKATSU).await;
    let v = app
        .intake_of_new_person(&houkatsu.token, "様子 見太", "ヨウス ミタ")
        .await;
    let person = v["person_id"].as_i64().unwrap();
    let page = app.login(HOUKATSU).await;
    // The person page and the intake page offer it.
    let (_, html) = app.get_text(&page, &format!("/persons/{person}")).await;
    assert!(
        html.contains(&format!("/outreach/new?person_id={person}")),
        "{html}"
    );
    let (_, html) = app
        .get_text(&page, &format!("/intakes/{}", v["intake_id"]))
        .await;
    assert!(html.contains("この相談からアウトリーチを始める"));
    let path = format!("/outreach/new?intake_id={}", v["intake_id"]);
    let csrf = app.page_csrf(&page, &path).await;
    let shakyo = app.agency_id("daisen", "shakyo").await.to_string();
    let res = app
        .post_form(
            &page,
            "/outreach/new",
            &csrf,
            &[
                ("person_id", person.to_string().as_str()),
                ("informant_kind", ""),
                ("known", "雨戸が閉まったまま"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("情報提供者の種別: 選んでください"), "{html}");
    assert!(
        html.contains(r#"name="informant_kind" required aria-invalid="true""#),
        "{html}"
    );
    assert!(
        html.contains("雨戸が閉まったまま"),
        "what was typed stays: {html}"
    );
    let res = app
        .post_form(
            &page,
            "/outreach/new",
            &csrf,
            &[
                ("person_id", person.to_string().as_str()),
                ("intake_id", v["intake_id"].to_string().as_str()),
                ("lead_agency_id", shakyo.as_str()),
                ("informant_kind", "minsei_iin"),
                ("informant", "地区の民生委員"),
                ("known", "雨戸が閉まったまま"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.ends_with("?saved=1"), "{to}");
    let case: i64 = to
        .trim_start_matches("/outreach/")
        .trim_end_matches("?saved=1")
        .parse()
        .unwrap();
    let (_, html) = app.get_text(&page, &to).await;
    assert!(html.contains("記録しました"), "{html}");
    // The intake's page now links the case instead of offering another.
    let (_, html) = app
        .get_text(&page, &format!("/intakes/{}", v["intake_id"]))
        .await;
    assert!(
        html.contains(&format!("href=\"/outreach/{case}\"")),
        "{html}"
    );
    assert!(!html.contains("この相談からアウトリーチを始める"));

    // The attempt form: a story that does not hold comes back marked, then it saves.
    let attempt_path = format!("/outreach/{case}/attempts/new");
    let (status, html) = app.get_text(&page, &attempt_path).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = hidden_csrf(&html);
    let me = app.user(HOUKATSU).await.id.to_string();
    let mut fields = vec![
        ("attempted_at", "R7.4.1 10:00".to_string()),
        ("method", "visit".into()),
        ("staff", me.clone()),
        ("met", "nobody".into()),
        ("outcome", "met".into()),
        ("observations", "郵便受けにチラシ".into()),
    ];
    let res = app.post_form(&page, &attempt_path, &csrf, &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("結果: 誰にも会えなかったときの結果は「会えなかった」です"),
        "{html}"
    );
    assert!(html.contains("郵便受けにチラシ"), "{html}");
    assert!(
        html.contains(r#"<fieldset aria-invalid="true"><legend>結果"#),
        "{html}"
    );
    fields[4].1 = "not_met".into();
    let res = app.post_form(&page, &attempt_path, &csrf, &fields).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    // 地域包括 opened it but does not lead it: no stage form. The coordinator moves it, and
    // a move without a contact that reached someone comes back on the page (422).
    let (_, html) = app.get_text(&page, &format!("/outreach/{case}")).await;
    assert!(!html.contains("段階を記録する"));
    let coord = app.login(COORDINATOR).await;
    let csrf = app.page_csrf(&coord, &format!("/outreach/{case}")).await;
    let res = app
        .post_form(
            &coord,
            &format!("/outreach/{case}/stage"),
            &csrf,
            &[("to", "contacted"), ("reason", "様子を見に")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("先に接触を記録してください"), "{html}");
    assert!(
        html.contains(r#"name="to" required aria-invalid="true""#),
        "{html}"
    );
    assert!(html.contains("様子を見に"), "{html}");
    // Notes and 伴走支援 save to 「記録しました」; a blank one is marked.
    let res = app
        .post_form(
            &coord,
            &format!("/outreach/{case}/notes"),
            &csrf,
            &[
                ("noted_on", "R7.4.1"),
                ("source_kind", "neighbour"),
                ("source", ""),
                ("body", "夜に明かり"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"name="source" value="" required aria-invalid="true""#),
        "{html}"
    );
    for (path, body) in [
        (
            "notes",
            vec![
                ("noted_on", "R7.4.1"),
                ("source_kind", "neighbour"),
                ("source", "隣家の方"),
                ("body", "夜に明かり"),
            ],
        ),
        (
            "accompaniments",
            vec![
                ("occurred_on", "R7.4.1"),
                ("kind", "clinic"),
                ("body", "内科の受診に同行"),
            ],
        ),
        ("interval", vec![("interval_days", "14")]),
    ] {
        let res = app
            .post_form(&coord, &format!("/outreach/{case}/{path}"), &csrf, &body)
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&res).contains("?saved=1"), "{path}");
    }
    let (_, html) = app.get_text(&coord, &format!("/outreach/{case}")).await;
    assert!(html.contains("14日"), "{html}");
    // 伴走支援 is on the person's timeline.
    let (status, timeline) = houkatsu
        .get(&format!("/api/v1/persons/{person}/timeline"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        timeline.to_string().contains("内科の受診に同行"),
        "{timeline}"
    );
}

/// The coordinator's worklist's alerts on case `case`, as served on `on`.
async fn alerts_of(on: &TestApp, token: &str, case: i64) -> Vec<String> {
    let (status, w) = on
        .api_send(token, Method::GET, "/api/v1/worklist?list=outreach", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{w}");
    w["outreach"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == case)
        .flat_map(|c| c["alerts"].as_array().unwrap().clone())
        .map(|a| a["kind"]["code"].as_str().unwrap().to_string())
        .collect()
}

async fn each_alert_is_raised_and_cleared(app: TestApp) {
    let (_, case) = opened(&app, "警報 太郎", "ケイホウ タロウ").await;
    let team = Api::of(&app, COORDINATOR).await;
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    assert!(alerts_of(&app, &team.token, case).await.is_empty());

    // Overdue: nothing in the 30 days after the opening; an attempt ends it.
    let later = app.on_day(today + TimeDelta::days(33)).await;
    let (_, w) = later
        .api_send(&team.token, Method::GET, "/api/v1/worklist", None)
        .await;
    let row = w["outreach"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == case)
        .unwrap_or_else(|| panic!("{w}"))
        .clone();
    assert_eq!(row["days_overdue"], 3, "{row}");
    assert_eq!(row["alerts"][0]["kind"]["code"], "overdue");
    // Not on the worklist of 基幹 (on the team, not its lead) nor of 地域包括.
    for who in [KIKAN, HOUKATSU] {
        let api = Api::of(&app, who).await;
        assert!(
            alerts_of(&later, &api.token, case).await.is_empty(),
            "{who}"
        );
    }
    let (status, _) = later
        .api_send(
            &team.token,
            Method::POST,
            &format!("/api/v1/outreach/{case}/contact-attempts"),
            Some(
                json!({ "attempted_at": format!("{} 10:00", today + TimeDelta::days(33)),
                         "method": "phone", "staff": [team.user_id().await],
                         "met": "family", "outcome": "partial" }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(alerts_of(&later, &team.token, case).await.is_empty());

    // Attempts reaching nobody, three in a row; one reaching someone ends it.
    let (_, fresh) = opened(&app, "不在 続子", "フザイ ツヅコ").await;
    for days_ago in [3, 2] {
        team.attempt(fresh, days_ago, "nobody", false).await;
    }
    assert!(alerts_of(&app, &team.token, fresh).await.is_empty());
    team.attempt(fresh, 1, "nobody", false).await;
    assert_eq!(alerts_of(&app, &team.token, fresh).await, ["unreached"]);
    team.attempt(fresh, 0, "person", false).await;
    assert!(alerts_of(&app, &team.token, fresh).await.is_empty());

    // A 安否 concern; the next attempt ends it.
    team.attempt(fresh, 0, "family", true).await;
    assert_eq!(alerts_of(&app, &team.token, fresh).await, ["safety"]);
    let d = team.detail(fresh).await;
    assert_eq!(d["alerts"][0]["kind"]["code"], "safety");
    team.attempt(fresh, 0, "family", false).await;
    assert!(alerts_of(&app, &team.token, fresh).await.is_empty());

    // A stage that has not moved for six months (and the visits stopped): the next attempt
    // ends it.
    let (status, _) = team.stage(fresh, "contacted", "").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = team
        .call(
            Method::PUT,
            &format!("/api/v1/outreach/{fresh}/interval"),
            Some(json!({ "interval_days": 365 })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let half_year = app
        .on_day(today.checked_add_months(chrono::Months::new(6)).unwrap() + TimeDelta::days(1))
        .await;
    assert_eq!(alerts_of(&half_year, &team.token, fresh).await, ["stalled"]);
    let (status, _) = half_year
        .api_send(
            &team.token,
            Method::POST,
            &format!("/api/v1/outreach/{fresh}/contact-attempts"),
            Some(json!({ "attempted_at": format!("{} 10:00", today.checked_add_months(chrono::Months::new(6)).unwrap()),
                         "method": "letter", "staff": [team.user_id().await],
                         "met": "nobody", "outcome": "not_met" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(alerts_of(&half_year, &team.token, fresh).await.is_empty());
    // The home page shows the list too.
    let coord = app.login(COORDINATOR).await;
    let (_, home) = app.get_text(&coord, "/").await;
    assert!(
        home.contains("アウトリーチ(接触の予定・安否の確認)"),
        "{home}"
    );
}

async fn the_team_sees_its_cases_most_overdue_first(app: TestApp) {
    let (_, case) = opened(&app, "予定 表子", "ヨテイ ヒョウコ").await;
    let team = Api::of(&app, COORDINATOR).await;
    let (status, list) = team.get("/api/v1/outreach").await;
    assert_eq!(status, StatusCode::OK);
    let cases = list["cases"].as_array().unwrap();
    assert!(cases.iter().any(|c| c["id"] == case), "{list}");
    let overdue: Vec<i64> = cases
        .iter()
        .map(|c| c["days_overdue"].as_i64().unwrap())
        .collect();
    let mut sorted = overdue.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(overdue, sorted, "most overdue first");
    assert!(overdue[0] > 0, "the demo has an overdue case: {list}");
    // 基幹 sees the case (on its team); 自立相談 sees only the demo's cases it is on.
    let kikan = Api::of(&app, KIKAN).await;
    let (_, list) = kikan.get("/api/v1/outreach").await;
    assert!(
        list["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == case)
    );
    let jiritsu = Api::of(&app, JIRITSU).await;
    let (_, list) = jiritsu.get("/api/v1/outreach").await;
    assert!(
        !list["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == case)
    );
    // The page and the 訪問予定表: whom, where, when — never what is known.
    let page = app.login(COORDINATOR).await;
    let (status, html) = app.get_text(&page, "/outreach").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("予定 表子"), "{html}");
    assert!(html.contains("訪問予定表"), "{html}");
    let (status, html) = app.get_text(&page, "/outreach/schedule").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("予定 表子") && html.contains("print-sheet"),
        "{html}"
    );
    assert!(
        !html.contains("昼も雨戸が閉まったまま"),
        "what is known stays off the sheet"
    );
    assert!(!html.contains("民生委員(○○さん)"), "so does the informant");
    // A role without person data sees the tab's plan, not the cases.
    let community = app.login("daisen.community").await;
    let (status, html) = app.get_text(&community, "/outreach").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("予定 表子"));
}

async fn a_hand_over_links_a_referral_or_a_case(app: TestApp) {
    let (person, case) = opened(&app, "引継 守", "ヒキツギ マモル").await;
    let team = Api::of(&app, COORDINATOR).await;
    let jiritsu = app.agency_id("daisen", "jiritsu_sodan").await;
    let (status, r) = team
        .post(
            &format!("/api/v1/persons/{person}/referrals"),
            json!({ "to_agency_id": jiritsu, "reason": "家計の相談" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let referral = r["id"].as_i64().unwrap();
    let path = format!("/api/v1/outreach/{case}/handover");
    let handover = |body: Value| team.post(&path, body);
    // Before the person accepts support: refused.
    let (status, v) = handover(json!({ "referral_id": referral })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    for to in ["contacted", "rapport", "accepting_support"] {
        team.attempt(case, 0, "person", false).await;
        let (status, v) = team.stage(case, to, "").await;
        assert_eq!(status, StatusCode::OK, "{to}: {v}");
    }
    // Someone else's つなぎ, or both targets, or none: refused.
    let other = app
        .scalar(&format!(
            "SELECT MIN(id) FROM referral WHERE person_id <> {person}"
        ))
        .await;
    for body in [
        json!({ "referral_id": other }),
        json!({ "referral_id": referral, "case_id": 1 }),
        json!({ "case_id": case }),
        json!({}),
    ] {
        let (status, v) = handover(body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    let (status, v) =
        handover(json!({ "referral_id": referral, "note": "家計は自立相談へ" })).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    // A case: the coordinator's collaboration case on the person.
    let (status, c) = team
        .post(
            "/api/v1/cases",
            json!({ "person_id": person, "summary": "多機関で" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (status, _) = handover(json!({ "case_id": c["id"], "note": "多機関協働へ" })).await;
    assert_eq!(status, StatusCode::CREATED);
    let d = team.detail(case).await;
    let links: Vec<(Value, Value)> = d["handovers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["referral_id"].clone(), h["case_id"].clone()))
        .collect();
    assert_eq!(
        links,
        [
            (json!(referral), Value::Null),
            (Value::Null, c["id"].clone())
        ]
    );
    assert_eq!(
        d["handovers"][0]["referral_agency_name"],
        "自立相談支援機関"
    );
    // A case the caller may not read is not one to hand over to.
    let yuzawa_case = app
        .scalar("SELECT MIN(c.id) FROM cases c JOIN municipality m ON m.id = c.municipality_id WHERE m.code = 'yuzawa'")
        .await;
    let (status, _) = handover(json!({ "case_id": yuzawa_case })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn statistics_count_stages_movements_and_attempts(app: TestApp) {
    let (_, case) = opened(&app, "統計 数子", "トウケイ カズコ").await;
    let team = Api::of(&app, COORDINATOR).await;
    team.attempt(case, 0, "nobody", false).await;
    team.attempt(case, 0, "person", false).await;
    team.stage(case, "contacted", "").await;
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let year = kasane_domain::fiscal_year::FiscalYear::of(today);
    let before = app
        .store
        .outreach_counts(m.id, (year.start(), year.end()))
        .await
        .unwrap();
    let count = |list: &[kasane_store::outreach::Count], code: &str| {
        list.iter().find(|c| c.code == code).map_or(0, |c| c.n)
    };
    assert!(before.opened >= 1, "{before:?}");
    assert!(
        count(&before.movements, "unreached→contacted") >= 1,
        "{before:?}"
    );
    assert!(
        count(&before.attempts_by_method, "visit") >= 2,
        "{before:?}"
    );
    assert!(
        count(&before.attempts_by_outcome, "not_met") >= 1,
        "{before:?}"
    );
    assert!(count(&before.by_stage, "contacted") >= 1, "{before:?}");
    team.attempt(case, 0, "nobody", false).await;
    let after = app
        .store
        .outreach_counts(m.id, (year.start(), year.end()))
        .await
        .unwrap();
    assert_eq!(
        count(&after.attempts_by_outcome, "not_met"),
        count(&before.attempts_by_outcome, "not_met") + 1
    );
    // Another 年度 counts nothing of this one's, and another municipality nothing of ours.
    let next = year.next().unwrap();
    let empty = app
        .store
        .outreach_counts(m.id, (next.start(), next.end()))
        .await
        .unwrap();
    assert_eq!(empty.opened, 0);
    assert!(empty.attempts_by_method.is_empty());
}

async fn the_demo_has_outreach_at_every_stage_in_both_municipalities(app: TestApp) {
    use kasane_domain::outreach::EngagementStage;
    for (code, coordinator) in [("daisen", COORDINATOR), ("yuzawa", "yuzawa.coordinator")] {
        let stages: std::collections::BTreeSet<String> = on_test_db!(app, |pool| {
            sqlx::query_scalar(&format!(
                "SELECT o.stage FROM outreach_case o JOIN municipality m ON m.id = o.municipality_id \
                 WHERE m.code = '{code}'"
            ))
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .collect()
        });
        let all: std::collections::BTreeSet<String> = EngagementStage::ALL
            .iter()
            .map(|s| s.code().to_string())
            .collect();
        assert_eq!(stages, all, "{code}");
        let api = Api::of(&app, coordinator).await;
        let (_, w) = api.get("/api/v1/worklist").await;
        let kinds: Vec<&str> = w["outreach"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["alerts"].as_array().unwrap())
            .map(|a| a["kind"]["code"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"overdue"), "{code}: {w}");
    }
    // 大仙市 shows every kind of alert.
    let api = Api::of(&app, COORDINATOR).await;
    let (_, w) = api.get("/api/v1/worklist").await;
    for kind in ["overdue", "unreached", "stalled", "safety"] {
        assert!(
            w.to_string().contains(&format!("\"code\":\"{kind}\"")),
            "{kind}: {w}"
        );
    }
}
