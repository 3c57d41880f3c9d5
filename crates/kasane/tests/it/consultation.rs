//! Step 2 (相談支援) end to end through the real pages, on both engines: intake at any
//! window, 名寄せ candidates (visible or only "known to another window"), link and split,
//! the referral closed loop with its overdue and declined paths, 支援経過記録 versions,
//! derived household signals, the cross-window early warning, isolation of search and
//! pages, and the audit of person reads.

use crate::common::{TestApp, location};
use chrono::{SecondsFormat, TimeDelta, Utc};
use kasane_domain::audit::AuditEntry;
use kasane_store::audit::AuditFilter;
use reqwest::{Client, Response, StatusCode};

both_engines!(
    intake_of_a_new_person_shows_on_the_person_page,
    invalid_intake_keeps_what_was_typed,
    received_at_is_wareki_text_defaulting_to_now,
    abuse_or_suicide_needs_the_immediate_action,
    intake_form_records_the_household,
    variant_at_another_window_is_only_known_elsewhere,
    visible_candidate_has_score_and_reasons_and_can_be_chosen,
    coordinator_links_and_splits_records,
    split_pair_is_linked_again_only_when_confirmed,
    referral_is_accepted_and_completed,
    declined_referral_returns_to_the_sender,
    overdue_referral_shows_on_every_worklist,
    support_log_edits_keep_every_version,
    household_signals_are_derived_and_moves_keep_history,
    early_warning_lists_evidence_for_the_coordinator,
    search_is_variant_tolerant_and_isolated,
    other_municipality_and_non_staff_get_not_found,
    person_reads_are_audited_with_their_basis,
    imported_persons_are_visible_to_the_importing_agency_only,
);

const HOUKATSU: &str = "daisen.houkatsu";
const KIKAN: &str = "daisen.kikan";
const COORDINATOR: &str = "daisen.coordinator";

/// The person of most tests, as the 高齢者包括支援センター records her.
const SAITO: [(&str, &str); 7] = [
    ("name", "斎藤 雪江"),
    ("furigana", "サイトウ ユキエ"),
    ("birth_date", "S20.5.6"),
    ("phone", "0187-63-1234"),
    ("address", "大仙市大曲通町1-23"),
    ("district", "omagari"),
    ("note", "長男と二人暮らし"),
];

/// The same person as another window writes her: 旧字体 and half-width カナ, ISO date.
const SAITO_VARIANT: [(&str, &str); 3] = [
    ("name", "齋藤 雪江"),
    ("furigana", "ｻｲﾄｳ ﾕｷｴ"),
    ("birth_date", "1945-05-06"),
];

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Posts a form with the session's CSRF token added.
async fn post(app: &TestApp, client: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
    let token = app.page_csrf(client, "/").await;
    app.post_form(client, path, &token, fields).await
}

/// Asserts a redirect and returns where to.
async fn redirected(res: Response) -> String {
    let status = res.status();
    let to = location(&res);
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "expected a redirect, got: {}",
        res.text().await.unwrap()
    );
    to
}

/// The id at the end of a redirect such as `/persons/12`.
async fn redirected_id(res: Response, prefix: &str) -> i64 {
    let to = redirected(res).await;
    // (A save's redirect may carry `?saved=1`, for its 「記録しました」.)
    to.strip_prefix(prefix)
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("redirect to {to}, expected {prefix}<id>"))
}

/// The intake form with sensible defaults for whatever `fields` leaves out. A field given
/// (even empty) replaces its default; repeated fields (`issues`, `concerns`) collect.
async fn post_intake(app: &TestApp, client: &Client, fields: &[(&str, &str)]) -> Response {
    let token = app.page_csrf(client, "/intakes/new").await;
    let defaults = [
        ("channel", "visit_in"),
        ("consulter_kind", "person"),
        ("urgency", "normal"),
        ("outcome", "handled"),
        ("consent_to_share", "yes"),
        ("summary", "生活全般について相談したい"),
    ];
    let mut pairs: Vec<(&str, &str)> = defaults
        .iter()
        .filter(|(k, _)| !fields.iter().any(|(f, _)| f == k))
        .copied()
        .collect();
    pairs.extend_from_slice(fields);
    // The single checklist ticks each 課題's 相談内容 too, so several 課題 need a ◎: the
    // first 課題's, unless the test chose one.
    let main = fields
        .iter()
        .find(|(k, _)| *k == "issues")
        .map(|(_, v)| format!("issue-{v}"));
    if let Some(main) = &main
        && !fields.iter().any(|(k, _)| *k == "most_pressing")
    {
        pairs.push(("most_pressing", main));
    }
    app.post_form(client, "/intakes/new", &token, &pairs).await
}

/// Records an intake about a new person (no 名寄せ candidate expected); the person's id.
async fn new_person(app: &TestApp, client: &Client, fields: &[(&str, &str)]) -> i64 {
    let res = post_intake(app, client, fields).await;
    if res.status() != StatusCode::OK {
        return redirected_id(res, "/persons/").await;
    }
    // A candidate held by another window: saved, a 名寄せ確認依頼 sent, and the page says
    // so (no redirect) with the link to the new record.
    let html = res.text().await.unwrap();
    assert!(
        html.contains("相談支援包括化推進員に確認を依頼しました"),
        "expected the saved intake: {html}"
    );
    let link = "href=\"/persons/";
    let at = html.find(link).expect("the new record's link") + link.len();
    html[at..]
        .split('"')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("a person id")
}

/// Records an intake (about care) of a new person who starts a new household with it;
/// the person's and the household's ids.
async fn new_person_with_household(
    app: &TestApp,
    client: &Client,
    fields: &[(&str, &str)],
) -> (i64, i64) {
    let fields = with(fields, &[("new_household", "1"), ("issues", "care")]);
    let person = new_person(app, client, &fields).await;
    let intakes = app.store.intakes_of(person).await.unwrap();
    let household = intakes[0]
        .household_id
        .expect("recorded on the new household");
    (person, household)
}

fn with<'a>(base: &[(&'a str, &'a str)], more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = base.to_vec();
    v.extend_from_slice(more);
    v
}

async fn referral_of(app: &TestApp, person_id: i64) -> i64 {
    let referrals = app.store.referrals_of(person_id).await.unwrap();
    assert_eq!(referrals.len(), 1, "{referrals:?}");
    referrals[0].id
}

/// 斎藤 雪江 recorded at the 包括, referred to the 基幹相談支援センター by the intake.
async fn saito_referred_to_kikan(app: &TestApp, houkatsu: &Client) -> (i64, i64) {
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await.to_string();
    let person = new_person(
        app,
        houkatsu,
        &with(
            &SAITO,
            &[
                ("issues", "care"),
                ("issues", "disability"),
                ("concerns", "care"),
                (
                    "summary",
                    "長男に障がいがあり、母の介護と合わせて相談したい",
                ),
                ("outcome", "referred"),
                ("referred_to_agency_id", &kikan_id),
                ("referral_reason", "長男の障がい福祉サービスの利用について"),
            ],
        ),
    )
    .await;
    let referral = referral_of(app, person).await;
    (person, referral)
}

/// Posts a つなぎ step on a referral: `accept`, `decline`, `complete` or `acknowledge`.
async fn on_referral(
    app: &TestApp,
    client: &Client,
    referral: i64,
    step: &str,
    fields: &[(&str, &str)],
) -> Response {
    post(
        app,
        client,
        &format!("/referrals/{referral}/{step}"),
        fields,
    )
    .await
}

/// The 名寄せ form of person `on`: links record `other`, with `more` fields.
async fn link(
    app: &TestApp,
    client: &Client,
    on: i64,
    other: i64,
    more: &[(&str, &str)],
) -> Response {
    let other = other.to_string();
    let fields = with(&[("other", &other)], more);
    post(app, client, &format!("/persons/{on}/link"), &fields).await
}

/// Undoes the link of record `other` to person `on`.
async fn split(app: &TestApp, client: &Client, on: i64, other: i64) -> Response {
    let other = other.to_string();
    post(
        app,
        client,
        &format!("/persons/{on}/split"),
        &[("other", &other)],
    )
    .await
}

/// The canonical record a record is linked to, if any.
async fn linked_to(app: &TestApp, id: i64) -> Option<i64> {
    app.store
        .person_any(id)
        .await
        .unwrap()
        .unwrap()
        .linked_to_person_id
}

/// The audit entries of 大仙市 about one kind of object (newest first), and their total.
async fn audited(app: &TestApp, object_type: &str) -> (Vec<AuditEntry>, i64) {
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    app.store
        .audit_entries(&AuditFilter {
            municipality_id: m.id,
            object_type: Some(object_type.into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
}

/// The `<li>` of a page that contains `needle` (a worklist line).
fn li_with<'a>(html: &'a str, needle: &str) -> &'a str {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not on the page: {html}"));
    let start = html[..at].rfind("<li>").unwrap();
    let end = at + html[at..].find("</li>").unwrap();
    &html[start..end]
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// A date (JST) `days` ago, as ISO.
fn days_ago_jst(days: i64) -> String {
    (Utc::now() + TimeDelta::hours(9) - TimeDelta::days(days))
        .date_naive()
        .to_string()
}

// ---------------------------------------------------------------------------
// Intake
// ---------------------------------------------------------------------------

async fn intake_of_a_new_person_shows_on_the_person_page(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let (status, form) = app.get_text(&houkatsu, "/intakes/new").await;
    assert_eq!(status, StatusCode::OK);
    // Sensible defaults: the user's agency, 来所, 本人, 通常, 単独対応.
    assert!(form.contains("高齢者包括支援センター"));
    assert!(form.contains(r#"value="visit_in" selected"#), "{form}");
    assert!(form.contains(r#"value="handled" selected"#));
    let person = new_person(
        &app,
        &houkatsu,
        &with(
            &SAITO,
            &[
                ("channel", "phone"),
                ("consulter_kind", "family"),
                ("consulter_name", "斎藤 一郎"),
                ("consulter_relation", "長男"),
                ("issues", "care"),
                ("issues", "isolation"),
                ("concerns", "care"),
                ("concerns", "community_relations"),
                ("most_pressing", "care"),
                ("summary", "母の物忘れが増え、介護保険の申請を相談したい"),
            ],
        ),
    )
    .await;
    let (status, page) = app.get_text(&houkatsu, &format!("/persons/{person}")).await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "斎藤 雪江",
        "サイトウ ユキエ",
        "昭和20年5月6日",
        "大仙市大曲通町1-23",
        "大曲",
        "0187-63-1234",
        "長男と二人暮らし",
        "関与機関",
        "相談受付",
        "母の物忘れが増え、介護保険の申請を相談したい",
    ] {
        assert!(page.contains(shown), "person page lacks {shown}: {page}");
    }
    let intakes = app.store.intakes_of(person).await.unwrap();
    assert_eq!(intakes.len(), 1);
    assert!(page.contains(&format!("/intakes/{}", intakes[0].id)));
    let (status, intake) = app
        .get_text(&houkatsu, &format!("/intakes/{}", intakes[0].id))
        .await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "高齢者包括支援センター",
        "電話",
        "家族",
        "斎藤 一郎",
        "長男",
        "介護",
        "社会的孤立",
        "◎介護",
        "地域との関係",
        "同意あり",
        "単独対応",
    ] {
        assert!(
            intake.contains(shown),
            "intake page lacks {shown}: {intake}"
        );
    }
}

/// 受付日時 is typed as 和暦 text, prefilled with now; ISO is still read; a time that cannot
/// be read is a 422 with the field's Japanese message and nothing lost.
async fn received_at_is_wareki_text_defaulting_to_now(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let (_, form) = app.get_text(&houkatsu, "/intakes/new").await;
    assert!(
        form.contains(r#"type="text" name="received_at" value="令和"#),
        "{form}"
    );
    let bad = with(
        &SAITO,
        &[("received_at", "R7.4.1 25:00"), ("issues", "care")],
    );
    let res = post_intake(&app, &houkatsu, &bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("「R7.4.1 25:00」を受付日時として読み取れません"),
        "{html}"
    );
    assert!(html.contains(r#"name="summary""#) && html.contains("斎藤 雪江"));
    // Yesterday at 10:00 (JST), in 和暦 and in ISO.
    let yesterday = (chrono::Utc::now() + chrono::TimeDelta::hours(9)).date_naive()
        - chrono::TimeDelta::days(1);
    let wareki = format!(
        "{} 10:00",
        kasane_domain::wareki::format_wareki_short(yesterday)
    );
    let iso = format!("{yesterday}T10:00");
    for (name, at) in [("和暦 太郎", wareki.as_str()), ("西暦 次郎", iso.as_str())] {
        let person = new_person(
            &app,
            &houkatsu,
            &[("name", name), ("received_at", at), ("issues", "care")],
        )
        .await;
        let intakes = app.store.intakes_of(person).await.unwrap();
        let jst = intakes[0].received_at + chrono::TimeDelta::hours(9);
        assert_eq!(jst.date_naive(), yesterday, "{at}");
    }
}

async fn invalid_intake_keeps_what_was_typed(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let typed = with(
        &SAITO,
        &[
            ("consulter_kind", "community_volunteer"),
            ("consulter_name", "民生委員の佐藤"),
            ("issues", "housing"),
            ("issues", "poverty"),
            ("concerns", "housing"),
            ("concerns", "income"),
            ("summary", ""),
            ("consent_to_share", ""),
            ("most_pressing", ""),
        ],
    );
    // 平成31年5月1日 does not exist (令和元年5月1日).
    let mut bad = typed.clone();
    bad.retain(|(k, _)| *k != "birth_date");
    bad.push(("birth_date", "平成31年5月1日"));
    let res = post_intake(&app, &houkatsu, &bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    for message in [
        "入力内容を確認してください(入力した内容は残っています)",
        "平成31年5月1日は存在しません",
        "相談内容の要旨を入力してください",
        "本人同意の有無を選んでください",
        "最も困っていること(◎)を1つ選んでください",
    ] {
        assert!(html.contains(message), "missing message {message}: {html}");
    }
    for kept in [
        r#"name="name" value="斎藤 雪江""#,
        r#"name="furigana" value="サイトウ ユキエ""#,
        r#"name="birth_date" value="平成31年5月1日""#,
        r#"name="phone" value="0187-63-1234""#,
        r#"name="address" value="大仙市大曲通町1-23""#,
        r#"value="omagari" selected"#,
        r#"value="community_volunteer" selected"#,
        r#"name="consulter_name" value="民生委員の佐藤""#,
        r#"name="issues" value="housing" checked"#,
        r#"name="issues" value="poverty" checked"#,
        "長男と二人暮らし",
    ] {
        assert!(html.contains(kept), "lost {kept}: {html}");
    }
    // One checklist: 住まい and 収入・生活費 are the 課題's rows, not a second box each.
    assert!(!html.contains(r#"name="concerns" value="housing""#));
    assert!(!html.contains(r#"name="concerns" value="income""#));
    assert!(!html.contains(r#"name="issues" value="care" checked"#));
    // Nothing was saved.
    let (_, found) = app.get_text(&houkatsu, "/persons?q=雪江").await;
    assert!(!found.contains("斎藤 雪江"), "{found}");
    // Corrected, it saves.
    let mut good = typed;
    good.retain(|(k, _)| !matches!(*k, "summary" | "consent_to_share"));
    good.extend([
        ("summary", "家賃を滞納している"),
        ("consent_to_share", "no"),
        ("most_pressing", "housing"),
    ]);
    let person = new_person(&app, &houkatsu, &good).await;
    let intake = &app.store.intakes_of(person).await.unwrap()[0];
    assert!(!intake.consent_to_share);
    assert_eq!(intake.most_pressing.as_deref(), Some("housing"));
}

async fn abuse_or_suicide_needs_the_immediate_action(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let person = [
        ("name", "小野寺 ミツ"),
        ("furigana", "オノデラ ミツ"),
        ("birth_date", "昭和10年2月3日"),
    ];
    const MESSAGE: &str =
        "虐待・DV・自殺の課題があるときは、すでに行った緊急対応の内容を記入してください";
    for issue in ["abuse", "suicide"] {
        let res = post_intake(
            &app,
            &houkatsu,
            &with(
                &person,
                &[
                    ("issues", issue),
                    ("urgency", "emergency"),
                    ("summary", "近隣から通報があった"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{issue}");
        let html = res.text().await.unwrap();
        assert!(html.contains(MESSAGE), "{issue}: {html}");
        assert!(html.contains("近隣から通報があった"), "summary kept");
    }
    let (_, found) = app.get_text(&houkatsu, "/persons?q=ミツ").await;
    assert!(!found.contains("小野寺 ミツ"), "{found}");
    let id = new_person(
        &app,
        &houkatsu,
        &with(
            &person,
            &[
                ("issues", "abuse"),
                ("issues", "suicide"),
                ("urgency", "emergency"),
                ("summary", "近隣から通報があった"),
                (
                    "immediate_action",
                    "同日訪問し安否を確認、高齢福祉担当へ通報済み",
                ),
            ],
        ),
    )
    .await;
    let intake = &app.store.intakes_of(id).await.unwrap()[0];
    let (status, html) = app
        .get_text(&houkatsu, &format!("/intakes/{}", intake.id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("緊急対応"));
    assert!(html.contains("同日訪問し安否を確認、高齢福祉担当へ通報済み"));
    assert!(html.contains("虐待") && html.contains("自殺・自殺念慮"));
}

async fn intake_form_records_the_household(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    // A new person: unchecked by default; checked, the household starts with them as head.
    let (_, form) = app.get_text(&houkatsu, "/intakes/new").await;
    assert!(
        form.contains("この方を世帯主として新しい世帯を作る"),
        "{form}"
    );
    assert!(
        form.contains(r#"name="new_household" value="1">"#),
        "{form}"
    );
    let (person, household) = new_person_with_household(&app, &houkatsu, &SAITO).await;
    let intakes = app.store.intakes_of(person).await.unwrap();
    let members = app.store.household_members(household, true).await.unwrap();
    assert_eq!(members.len(), 1, "{members:?}");
    assert_eq!(members[0].person_id, person);
    assert!(members[0].is_head);
    let (_, page) = app.get_text(&houkatsu, &format!("/persons/{person}")).await;
    assert!(page.contains(&format!("/households/{household}")), "{page}");
    let (_, page) = app
        .get_text(&houkatsu, &format!("/intakes/{}", intakes[0].id))
        .await;
    assert!(page.contains(&format!("/households/{household}")), "{page}");

    // A known person with one current household: it is preselected.
    let known_form = format!("/intakes/new?person_id={person}");
    let (_, form) = app.get_text(&houkatsu, &known_form).await;
    assert!(form.contains(r#"<select name="household_id">"#), "{form}");
    assert!(
        form.contains(r#"<option value="">世帯を指定しない</option>"#),
        "{form}"
    );
    assert!(
        form.contains(&format!(
            r#"<option value="{household}" selected>斎藤さんの世帯"#
        )),
        "{form}"
    );
    assert!(!form.contains(r#"name="new_household""#), "{form}");
    let on_household = |household: String, summary: &'static str| {
        let (app, houkatsu) = (&app, &houkatsu);
        async move {
            let person = person.to_string();
            let fields = [
                ("person_id", person.as_str()),
                ("household_id", household.as_str()),
                ("issues", "care"),
                ("summary", summary),
            ];
            post_intake(app, houkatsu, &fields).await
        }
    };
    redirected(on_household(household.to_string(), "世帯の二回目").await).await;
    redirected(on_household(String::new(), "本人のみの相談").await).await;
    let recorded: Vec<(String, Option<i64>)> = app
        .store
        .intakes_of(person)
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.summary, i.household_id))
        .collect();
    assert!(
        recorded.contains(&("世帯の二回目".into(), Some(household))),
        "{recorded:?}"
    );
    assert!(
        recorded.contains(&("本人のみの相談".into(), None)),
        "{recorded:?}"
    );

    // Another person's household, and another municipality's: refused, input kept.
    let chiba = [("name", "千葉 正男"), ("birth_date", "S30.8.1")];
    let (_, others) = new_person_with_household(&app, &houkatsu, &chiba).await;
    let yuzawa = app.login("yuzawa.houkatsu").await;
    let sato = [("name", "佐藤 花子"), ("birth_date", "S40.1.1")];
    let (_, yuzawas) = new_person_with_household(&app, &yuzawa, &sato).await;
    for wrong in [others, yuzawas] {
        let res = on_household(wrong.to_string(), "違う世帯への記録").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("指定された世帯は、この方が現在属している世帯ではありません。"),
            "{html}"
        );
        assert!(html.contains("違う世帯への記録"), "summary kept: {html}");
        assert!(html.contains(r#"name="household_id""#), "{html}");
        assert!(
            !html.contains("佐藤 花子") && !html.contains("千葉さんの世帯"),
            "{html}"
        );
    }
    assert_eq!(app.store.intakes_of(person).await.unwrap().len(), 3);

    // A new household asked for, then an existing record chosen among the candidates: the
    // worker chooses the household again, from that person's.
    let res = post_intake(
        &app,
        &houkatsu,
        &with(
            &SAITO_VARIANT,
            &[("new_household", "1"), ("issues", "care")],
        ),
    )
    .await;
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"name="person_choice" value="{person}""#)),
        "{html}"
    );
    assert!(
        html.contains(r#"name="new_household" value="1" checked"#),
        "kept: {html}"
    );
    let res = post_intake(
        &app,
        &houkatsu,
        &with(
            &SAITO_VARIANT,
            &[
                ("new_household", "1"),
                ("issues", "care"),
                ("person_choice", &person.to_string()),
            ],
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("新しい世帯は、新しく登録する方についてのみ作れます。"),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"<option value="{household}" selected>"#)),
        "{html}"
    );
    assert_eq!(app.store.intakes_of(person).await.unwrap().len(), 3);
}

// ---------------------------------------------------------------------------
// 名寄せ
// ---------------------------------------------------------------------------

async fn variant_at_another_window_is_only_known_elsewhere(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let a = new_person(
        &app,
        &houkatsu,
        &with(&SAITO, &[("issues", "care"), ("summary", "介護の相談")]),
    )
    .await;
    let kikan = app.login(KIKAN).await;
    let fields = with(
        &SAITO_VARIANT,
        &[
            ("issues", "disability"),
            ("summary", "障がい福祉サービスの相談"),
        ],
    );
    let res = post_intake(&app, &kikan, &fields).await;
    assert_eq!(res.status(), StatusCode::OK, "candidates are shown first");
    let html = res.text().await.unwrap();
    assert!(html.contains("同じ方かもしれない記録があります"), "{html}");
    // Only that another window may know the person: never which (its field would show).
    assert!(
        html.contains("他の窓口で把握されている可能性があります"),
        "{html}"
    );
    assert!(!html.contains("他の窓口(高齢者包括支援センター)"), "{html}");
    // Never the record: not its name, contact, note, id or a way to choose it.
    for hidden in [
        "斎藤 雪江",
        "サイトウ ユキエ",
        "0187-63-1234",
        "大曲通町",
        "長男と二人暮らし",
    ] {
        assert!(!html.contains(hidden), "leaked {hidden}: {html}");
    }
    assert!(!html.contains(&format!(r#"name="person_choice" value="{a}""#)));
    assert!(!html.contains(&format!("/persons/{a}")));
    // What kikan typed is still there, and it may register a new person.
    assert!(html.contains(r#"value="ｻｲﾄｳ ﾕｷｴ""#), "{html}");
    assert!(html.contains("障がい福祉サービスの相談"));
    assert!(html.contains(r#"name="person_choice" value="new""#));
    // A forged choice of the hidden record is refused like a missing one.
    let forged = post_intake(
        &app,
        &kikan,
        &with(&fields, &[("person_choice", &a.to_string())]),
    )
    .await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    let b = new_person(&app, &kikan, &with(&fields, &[("person_choice", "new")])).await;
    assert_ne!(a, b);
    let b_rec = app.store.person_any(b).await.unwrap().unwrap();
    assert_eq!(b_rec.name, "齋藤 雪江");
    assert_eq!(b_rec.linked_to_person_id, None);
    assert_eq!(
        app.get_text(&kikan, &format!("/persons/{a}")).await.0,
        StatusCode::NOT_FOUND
    );
}

async fn visible_candidate_has_score_and_reasons_and_can_be_chosen(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let (a, referral) = saito_referred_to_kikan(&app, &houkatsu).await;
    let kikan = app.login(KIKAN).await;
    let res = on_referral(&app, &kikan, referral, "accept", &[]).await;
    redirected(res).await;
    // kikan is now involved: the candidate is shown in full, with score and reasons.
    let fields = with(
        &SAITO_VARIANT,
        &[
            ("issues", "employment"),
            ("channel", "referral_in"),
            ("summary", "就労継続支援の利用を希望"),
        ],
    );
    let res = post_intake(&app, &kikan, &fields).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("同じ方かもしれない記録があります"), "{html}");
    assert!(
        html.contains(&format!(r#"name="person_choice" value="{a}""#)),
        "{html}"
    );
    assert!(html.contains("斎藤 雪江"));
    assert!(html.contains("昭和20年5月6日"));
    assert!(html.contains("一致度"));
    assert!(html.contains("生年月日一致"), "{html}");
    assert!(
        html.contains("フリガナ一致") && html.contains("異体字・表記ゆれ"),
        "{html}"
    );
    assert!(!html.contains("他の窓口("), "{html}");
    assert!(html.contains("新しい方として登録"));
    // Choosing the candidate attaches the intake to that person.
    let chosen = new_person(
        &app,
        &kikan,
        &with(&fields, &[("person_choice", &a.to_string())]),
    )
    .await;
    assert_eq!(chosen, a);
    let intakes = app.store.intakes_of(a).await.unwrap();
    assert_eq!(intakes.len(), 2);
    let (status, page) = app.get_text(&kikan, &format!("/persons/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("就労継続支援の利用を希望"));
    assert!(page.contains("長男に障がいがあり、母の介護と合わせて相談したい"));
    assert_eq!(count(&page, ">相談受付</a>"), 2, "{page}");
    // The name typed at kikan did not overwrite the record.
    assert_eq!(
        app.store.person_any(a).await.unwrap().unwrap().name,
        "斎藤 雪江"
    );
}

async fn coordinator_links_and_splits_records(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let a = new_person(
        &app,
        &houkatsu,
        &with(
            &SAITO,
            &[
                ("issues", "care"),
                ("summary", "包括で受けた相談"),
                ("outcome", "escalated"),
            ],
        ),
    )
    .await;
    let kikan = app.login(KIKAN).await;
    let b = new_person(
        &app,
        &kikan,
        &with(
            &SAITO_VARIANT,
            &[
                ("issues", "disability"),
                ("summary", "基幹で受けた相談"),
                ("outcome", "escalated"),
                ("person_choice", "new"),
            ],
        ),
    )
    .await;
    assert_ne!(a, b);
    // Only the coordinator links.
    let res = link(&app, &houkatsu, a, b, &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(linked_to(&app, b).await, None);

    let coordinator = app.login(COORDINATOR).await;
    let reason = ("reason", "本人に電話で確認し同一人物と判断");
    let res = link(&app, &coordinator, a, b, &[reason]).await;
    assert_eq!(redirected(res).await, format!("/persons/{a}?saved=1"));
    let (status, page) = app.get_text(&coordinator, &format!("/persons/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("記録 #{b}")), "{page}");
    assert!(page.contains("齋藤 雪江"));
    assert!(page.contains("包括で受けた相談") && page.contains("基幹で受けた相談"));
    assert!(page.contains("結び付けを解除(分離)"));
    // The linked record leads to the canonical one; both records stay.
    let res = coordinator
        .get(app.url(&format!("/persons/{b}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/persons/{a}"));
    assert!(app.store.person_any(b).await.unwrap().is_some());
    // Search shows the group once.
    let (_, found) = app.get_text(&coordinator, "/persons?q=さいとう").await;
    assert!(found.contains("1件"), "{found}");
    // One person now: kikan's involvement covers the whole group.
    let (status, page) = app.get_text(&kikan, &format!("/persons/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("包括で受けた相談"), "{page}");

    // Split: both stand alone again, and the pair is recorded as distinct.
    let res = split(&app, &coordinator, a, b).await;
    assert_eq!(redirected(res).await, format!("/persons/{a}?saved=1"));
    assert!(app.store.split_before(a, b).await.unwrap());
    assert!(app.store.split_before(b, a).await.unwrap());
    assert_eq!(linked_to(&app, b).await, None);
    let (status, page_b) = app.get_text(&coordinator, &format!("/persons/{b}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page_b.contains("基幹で受けた相談"));
    assert!(!page_b.contains("包括で受けた相談"), "{page_b}");
    let (_, page_a) = app.get_text(&coordinator, &format!("/persons/{a}")).await;
    assert!(page_a.contains("結び付けた記録はありません"), "{page_a}");
    assert!(!page_a.contains("基幹で受けた相談"));
    let (_, found) = app.get_text(&coordinator, "/persons?q=さいとう").await;
    assert!(found.contains("2件"), "{found}");
    // kikan no longer sees the 包括's record.
    assert_eq!(
        app.get_text(&kikan, &format!("/persons/{a}")).await.0,
        StatusCode::NOT_FOUND
    );
    // Link and split are in the audit trail with the coordinator's basis, and 包括's
    // refused link as a denial.
    for kind in ["person_link", "person_split"] {
        let (entries, _) = audited(&app, kind).await;
        let (denied, done): (Vec<_>, Vec<_>) = entries.iter().partition(|e| e.action == "denied");
        assert_eq!(done.len(), 1, "{kind}");
        assert_eq!(done[0].username, COORDINATOR);
        assert_eq!(done[0].basis, "coordination", "{kind}");
        let refused: Vec<&str> = denied.iter().map(|e| e.username.as_str()).collect();
        let want: &[&str] = if kind == "person_link" {
            &[HOUKATSU]
        } else {
            &[]
        };
        assert_eq!(refused, want, "{kind}");
    }
}

async fn split_pair_is_linked_again_only_when_confirmed(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let escalated = [("issues", "care"), ("outcome", "escalated")];
    let a = new_person(&app, &houkatsu, &with(&SAITO, &escalated)).await;
    let b = new_person(
        &app,
        &houkatsu,
        &with(
            &SAITO_VARIANT,
            &with(&escalated, &[("person_choice", "new")]),
        ),
    )
    .await;
    let coordinator = app.login(COORDINATOR).await;
    let reason = ("reason", "電話で再確認した");
    redirected(link(&app, &coordinator, a, b, &[reason]).await).await;
    redirected(split(&app, &coordinator, a, b).await).await;

    // Linking the pair again, either way round: refused, the form shown again with what
    // was typed and the confirmation.
    for (on, other) in [(a, b), (b, a)] {
        let res = link(&app, &coordinator, on, other, &[reason]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("この2件は以前に別人として解除されています。もう一度結び付けるには確認してください。"),
            "{html}"
        );
        assert!(html.contains(r#"name="confirm_distinct""#), "{html}");
        assert!(
            html.contains(&format!(r#"name="other" value="{other}""#)),
            "{html}"
        );
        assert!(
            html.contains(r#"name="reason" value="電話で再確認した""#),
            "{html}"
        );
        assert!(html.contains(&format!("/persons/{on}/link")), "{html}");
    }
    assert_eq!(linked_to(&app, b).await, None);
    assert_eq!(linked_to(&app, a).await, None);
    // The form without the split shows no confirmation.
    let (_, page) = app.get_text(&coordinator, &format!("/persons/{a}")).await;
    assert!(!page.contains("confirm_distinct"), "{page}");

    // Confirmed, it links, and the audit says it was a pair split before.
    let confirmed = [reason, ("confirm_distinct", "1")];
    let res = link(&app, &coordinator, a, b, &confirmed).await;
    assert_eq!(redirected(res).await, format!("/persons/{a}?saved=1"));
    assert_eq!(linked_to(&app, b).await, Some(a));
    let (entries, total) = audited(&app, "person_link").await;
    assert_eq!(
        total, 2,
        "the first link and the confirmed one: {entries:?}"
    );
    assert_eq!(entries[0].username, COORDINATOR);
    assert_eq!(entries[0].object_id, format!("{a}+{b}"));
    assert!(
        entries[0].reason.contains("以前に別人として解除")
            && entries[0].reason.contains("電話で再確認した"),
        "{entries:?}"
    );
    assert!(!entries[1].reason.contains("以前に別人として解除"));
}

// ---------------------------------------------------------------------------
// つなぎ
// ---------------------------------------------------------------------------

async fn referral_is_accepted_and_completed(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let (person, referral) = saito_referred_to_kikan(&app, &houkatsu).await;
    let intake = app.store.intakes_of(person).await.unwrap()[0].id;
    let kikan = app.login(KIKAN).await;

    // The receiver's worklist lists it.
    let (_, home) = app.get_text(&kikan, "/").await;
    assert!(home.contains("受信したつなぎ"), "{home}");
    assert!(home.contains("斎藤 雪江さん — 高齢者包括支援センターから"));
    assert!(home.contains(&format!("/referrals/{referral}")));
    assert!(!home.contains("受理期限切れ"));

    // The つなぐシート: what the sender may share, to decide.
    let (status, sheet) = app
        .get_text(&kikan, &format!("/referrals/{referral}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "つなぐシート",
        "送付済",
        "斎藤 雪江",
        "昭和20年5月6日",
        "0187-63-1234",
        "介護",
        "障がい",
        "高齢者包括支援センター",
        "基幹相談支援センター",
        "長男の障がい福祉サービスの利用について",
        "関係機関との情報共有に同意あり",
        "受理する",
        "辞退する",
    ] {
        assert!(sheet.contains(shown), "sheet lacks {shown}: {sheet}");
    }
    // …but before accepting, the person page is the limited view only.
    let (status, limited) = app.get_text(&kikan, &format!("/persons/{person}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(limited.contains("つなぎを受理するまでは、つなぐシートの項目のみ閲覧できます"));
    assert!(!limited.contains("基本情報"), "{limited}");
    assert!(!limited.contains("長男と二人暮らし"));
    assert!(!limited.contains("長男に障がいがあり"));
    assert_eq!(
        app.get_text(&kikan, &format!("/intakes/{intake}")).await.0,
        StatusCode::NOT_FOUND
    );
    // Completing needs acceptance first; the sender cannot answer for the receiver.
    let res = on_referral(
        &app,
        &kikan,
        referral,
        "complete",
        &[("provided", "面談した"), ("helped", "yes")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = on_referral(&app, &houkatsu, referral, "accept", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Accept → the full person page.
    let res = on_referral(&app, &kikan, referral, "accept", &[]).await;
    assert_eq!(
        redirected(res).await,
        format!("/referrals/{referral}?saved=1")
    );
    let (status, full) = app.get_text(&kikan, &format!("/persons/{person}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(full.contains("基本情報"));
    assert!(full.contains("長男と二人暮らし"));
    assert!(full.contains("長男に障がいがあり、母の介護と合わせて相談したい"));
    assert_eq!(
        app.get_text(&kikan, &format!("/intakes/{intake}")).await.0,
        StatusCode::OK
    );
    let (_, home) = app.get_text(&kikan, "/").await;
    assert!(
        home.contains("受理したつなぎ(支援の結果を記録してください)"),
        "{home}"
    );

    // Complete with what was provided and whether it helped.
    let res = on_referral(
        &app,
        &kikan,
        referral,
        "complete",
        &[
            ("provided", "障がい福祉サービスの申請に同行した"),
            ("helped", "yes"),
        ],
    )
    .await;
    redirected(res).await;
    let (_, sheet) = app
        .get_text(&houkatsu, &format!("/referrals/{referral}"))
        .await;
    for shown in [
        "完了",
        "提供した支援",
        "障がい福祉サービスの申請に同行した",
        "役立った",
        "高橋 健一",
        "伊藤 由美",
    ] {
        assert!(sheet.contains(shown), "sheet lacks {shown}: {sheet}");
    }
    let events = app.store.referral_events(referral).await.unwrap();
    let states: Vec<&str> = events.iter().map(|e| e.status.code()).collect();
    assert_eq!(states, ["sent", "accepted", "completed"]);
    let (_, home) = app.get_text(&kikan, "/").await;
    assert!(!home.contains(&format!("/referrals/{referral}")), "{home}");
    // The sender sees the loop closed on the person's timeline.
    let (_, page) = app.get_text(&houkatsu, &format!("/persons/{person}")).await;
    assert!(page.contains("【完了】"), "{page}");
    // A completed referral cannot move again.
    let res = on_referral(&app, &kikan, referral, "accept", &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

async fn declined_referral_returns_to_the_sender(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let person = new_person(
        &app,
        &houkatsu,
        &with(&SAITO, &[("issues", "care"), ("summary", "介護の相談")]),
    )
    .await;
    // Referred from the person page this time.
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await.to_string();
    let (_, page) = app.get_text(&houkatsu, &format!("/persons/{person}")).await;
    assert!(page.contains("つなぐシートを送る"));
    // Without a reason: the form again (422), the つなぎ先 still chosen, nothing sent.
    let res = post(
        &app,
        &houkatsu,
        &format!("/persons/{person}/referrals"),
        &[("to_agency_id", &kikan_id), ("reason", "  ")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("入力内容を確認してください"), "{html}");
    assert!(
        html.contains(&format!("<option value=\"{kikan_id}\" selected>")),
        "{html}"
    );
    let res = post(
        &app,
        &houkatsu,
        &format!("/persons/{person}/referrals"),
        &[
            ("to_agency_id", &kikan_id),
            ("reason", "障がいの有無について判断を仰ぎたい"),
        ],
    )
    .await;
    let referral = redirected_id(res, "/referrals/").await;

    let kikan = app.login(KIKAN).await;
    // A decline needs its reason: the sheet again (422), saying so, nothing changed.
    let res = on_referral(&app, &kikan, referral, "decline", &[("reason", "  ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("入力内容を確認してください") && html.contains("辞退の理由"),
        "{html}"
    );
    assert!(
        html.contains("つなぐシート") && html.contains("受理する"),
        "{html}"
    );
    let res = on_referral(
        &app,
        &kikan,
        referral,
        "decline",
        &[("reason", "障がいの診断がなく、当センターの対象外のため")],
    )
    .await;
    redirected(res).await;

    // Back on the sender's worklist as 辞退 — nobody is silently dropped.
    let (_, home) = app.get_text(&houkatsu, "/").await;
    assert!(home.contains("送ったつなぎで対応が必要なもの"), "{home}");
    assert!(home.contains("斎藤 雪江さん → 基幹相談支援センター"));
    assert!(home.contains("辞退されました(つなぎ直しが必要)"), "{home}");
    let (_, sheet) = app
        .get_text(&houkatsu, &format!("/referrals/{referral}"))
        .await;
    assert!(sheet.contains("辞退"));
    assert!(sheet.contains("辞退の理由"));
    assert!(sheet.contains("障がいの診断がなく、当センターの対象外のため"));
    assert!(sheet.contains("別の機関へつなぎ直す"));
    let (_, page) = app.get_text(&houkatsu, &format!("/persons/{person}")).await;
    assert!(page.contains("【辞退】"), "{page}");
    // The receiver has no basis any more; its worklist is clear.
    assert_eq!(
        app.get_text(&kikan, &format!("/persons/{person}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_text(&kikan, &format!("/referrals/{referral}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, home) = app.get_text(&kikan, "/").await;
    assert!(!home.contains(&format!("/referrals/{referral}")), "{home}");
    // A decline is final.
    let res = on_referral(&app, &kikan, referral, "accept", &[]).await;
    assert!(res.status().is_client_error());
    // The sender acknowledges; it leaves the worklist.
    let res = on_referral(&app, &houkatsu, referral, "acknowledge", &[]).await;
    assert_eq!(redirected(res).await, "/?saved=1");
    let (_, home) = app.get_text(&houkatsu, "/").await;
    assert!(!home.contains("辞退されました"), "{home}");
}

async fn overdue_referral_shows_on_every_worklist(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let (_, referral) = saito_referred_to_kikan(&app, &houkatsu).await;
    let kikan = app.login(KIKAN).await;
    let coordinator = app.login(COORDINATOR).await;
    // (The demo data has worklist items of its own: look at this referral's lines only.)
    let sheet_link = format!("/referrals/{referral}\"");
    let coordinator_line = format!("つなぎ #{referral}:");
    let (_, home) = app.get_text(&kikan, "/").await;
    assert!(
        !li_with(&home, &sheet_link).contains("受理期限切れ"),
        "{home}"
    );
    let (_, home) = app.get_text(&houkatsu, "/").await;
    assert!(
        !home.contains(&sheet_link),
        "not yet on the sender's: {home}"
    );
    let (_, home) = app.get_text(&coordinator, "/").await;
    assert!(!home.contains(&coordinator_line), "{home}");

    // Four days without an answer (the default limit is three).
    let sent = (Utc::now() - TimeDelta::days(4)).to_rfc3339_opts(SecondsFormat::Secs, false);
    app.raw_sql(&format!(
        "UPDATE referral SET sent_at = '{sent}' WHERE id = {referral}"
    ))
    .await;

    let (_, home) = app.get_text(&kikan, "/").await;
    assert!(home.contains("受信したつなぎ"));
    let line = li_with(&home, &sheet_link);
    assert!(line.contains("斎藤 雪江さん"), "receiver: {line}");
    assert!(line.contains("受理期限切れ"), "receiver: {line}");
    let (_, home) = app.get_text(&houkatsu, "/").await;
    assert!(
        home.contains("送ったつなぎで対応が必要なもの"),
        "sender: {home}"
    );
    let line = li_with(&home, &sheet_link);
    assert!(
        line.contains("斎藤 雪江さん → 基幹相談支援センター"),
        "{line}"
    );
    assert!(line.contains("未受理(期限超過)"), "sender: {line}");
    let (_, home) = app.get_text(&coordinator, "/").await;
    assert!(
        home.contains("受理期限を過ぎたつなぎ(市全体)"),
        "coordinator: {home}"
    );
    let line = li_with(&home, &coordinator_line);
    assert!(
        line.contains("高齢者包括支援センター → 基幹相談支援センター"),
        "{line}"
    );
    // The coordinator's municipality-wide list carries no name.
    assert!(!home.contains("斎藤 雪江"), "{home}");
    let (_, sheet) = app
        .get_text(&kikan, &format!("/referrals/{referral}"))
        .await;
    assert!(sheet.contains("受理期限切れ"));

    // Accepting takes it off the overdue lists.
    redirected(on_referral(&app, &kikan, referral, "accept", &[]).await).await;
    let (_, home) = app.get_text(&houkatsu, "/").await;
    assert!(!home.contains(&sheet_link), "{home}");
    let (_, home) = app.get_text(&coordinator, "/").await;
    assert!(!home.contains(&coordinator_line), "{home}");
}

// ---------------------------------------------------------------------------
// 支援経過記録
// ---------------------------------------------------------------------------

async fn support_log_edits_keep_every_version(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let (person, referral) = saito_referred_to_kikan(&app, &houkatsu).await;
    let kikan = app.login(KIKAN).await;
    redirected(on_referral(&app, &kikan, referral, "accept", &[]).await).await;

    let day = days_ago_jst(1);
    let res = post(
        &app,
        &houkatsu,
        "/support-logs",
        &[
            ("person_id", &person.to_string()),
            ("occurred_on", &day),
            ("kind", "visit"),
            ("body", "自宅を訪問。室内は片付いている"),
        ],
    )
    .await;
    assert_eq!(redirected(res).await, format!("/persons/{person}?saved=1"));
    let entries = app.store.support_logs_of_person(person).await.unwrap();
    assert_eq!(entries.len(), 1);
    // A refused entry comes back as the form holding what was typed, not an error page.
    let res = post(
        &app,
        &houkatsu,
        "/support-logs",
        &[
            ("person_id", &person.to_string()),
            ("occurred_on", "来週"),
            ("kind", "visit"),
            ("body", "再訪問の予定を伝えた"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("入力内容を確認してください"), "{html}");
    assert!(html.contains("再訪問の予定を伝えた"), "{html}");
    assert!(html.contains("action=\"/support-logs\""), "{html}");
    assert_eq!(
        app.store
            .support_logs_of_person(person)
            .await
            .unwrap()
            .len(),
        1
    );
    let id = entries[0].id;
    let (_, page) = app.get_text(&houkatsu, &format!("/persons/{person}")).await;
    assert!(page.contains("自宅を訪問。室内は片付いている"), "{page}");
    assert!(page.contains(&format!("/support-logs/{id}")));

    let (status, entry) = app
        .get_text(&houkatsu, &format!("/support-logs/{id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(entry.contains("第1版"), "{entry}");
    assert!(entry.contains(r#"name="version" value="1""#));
    let res = post(
        &app,
        &houkatsu,
        &format!("/support-logs/{id}"),
        &[
            ("version", "1"),
            ("occurred_on", &day),
            ("kind", "accompaniment"),
            ("body", "自宅を訪問し、長男と面談。受診に同行した"),
        ],
    )
    .await;
    assert_eq!(redirected(res).await, format!("/support-logs/{id}?saved=1"));
    let (_, entry) = app
        .get_text(&houkatsu, &format!("/support-logs/{id}"))
        .await;
    assert!(entry.contains("第2版"), "{entry}");
    assert!(entry.contains("修正履歴"));
    // Both versions, each with who and when.
    assert!(entry.contains("自宅を訪問。室内は片付いている"), "{entry}");
    assert!(entry.contains("自宅を訪問し、長男と面談。受診に同行した"));
    assert!(entry.contains("訪問") && entry.contains("同行"));
    assert!(count(&entry, "高橋 健一") >= 3, "{entry}");
    let versions = app.store.support_log_versions(id).await.unwrap();
    assert_eq!(versions.len(), 2);
    let first = versions.iter().find(|v| v.version == 1).unwrap();
    assert_eq!(first.body, "自宅を訪問。室内は片付いている");
    assert_eq!(first.kind.code(), "visit");
    let (_, page) = app.get_text(&houkatsu, &format!("/persons/{person}")).await;
    assert!(page.contains("(修正あり)"), "{page}");

    // A stale version is a conflict, not a silent overwrite.
    let res = post(
        &app,
        &houkatsu,
        &format!("/support-logs/{id}"),
        &[
            ("version", "1"),
            ("occurred_on", &day),
            ("kind", "visit"),
            ("body", "古い画面からの修正"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // The newest version beside what was sent, which stays in the form to reconcile.
    let html = res.text().await.unwrap();
    assert!(html.contains("最新の版"), "{html}");
    assert!(
        html.contains("自宅を訪問し、長男と面談。受診に同行した"),
        "{html}"
    );
    assert!(count(&html, "古い画面からの修正") >= 2, "{html}");
    assert!(html.contains(r#"name="version" value="2""#), "{html}");
    // Another agency (involved, so it reads the entry) cannot edit it.
    let (status, entry) = app.get_text(&kikan, &format!("/support-logs/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!entry.contains("修正を保存"));
    let res = post(
        &app,
        &kikan,
        &format!("/support-logs/{id}"),
        &[
            ("version", "2"),
            ("occurred_on", &day),
            ("kind", "note"),
            ("body", "基幹による書き換え"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("支援経過は記録した機関のみ修正できます")
    );
    assert_eq!(app.store.support_log_versions(id).await.unwrap().len(), 2);
}

// ---------------------------------------------------------------------------
// 世帯
// ---------------------------------------------------------------------------

async fn household_signals_are_derived_and_moves_keep_history(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let person = |name: &'static str, kana: &'static str, born: &'static str| {
        [("name", name), ("furigana", kana), ("birth_date", born)]
    };
    let parent = new_person(
        &app,
        &houkatsu,
        &with(
            &person("佐藤 トメ", "サトウ トメ", "1940-04-10"),
            &[("issues", "care")],
        ),
    )
    .await;
    let son = new_person(
        &app,
        &houkatsu,
        &with(
            &person("佐藤 誠", "サトウ マコト", "1975-06-01"),
            &[
                ("issues", "hikikomori"),
                ("summary", "20年以上自室から出ない"),
            ],
        ),
    )
    .await;
    let grandchild = new_person(
        &app,
        &houkatsu,
        &with(
            &person("佐藤 陽菜", "サトウ ヒナ", "2013-09-15"),
            &[("issues", "young_carer")],
        ),
    )
    .await;
    let alone = new_person(
        &app,
        &houkatsu,
        &with(
            &person("菅原 ハル", "スガワラ ハル", "1938-01-20"),
            &[("issues", "isolation")],
        ),
    )
    .await;

    let res = post(
        &app,
        &houkatsu,
        "/households",
        &[("person_id", &parent.to_string())],
    )
    .await;
    let household = redirected_id(res, "/households/").await;
    let add = |person: i64, relationship: &'static str, carer: bool, joined: &'static str| {
        let app = &app;
        let houkatsu = &houkatsu;
        async move {
            let person = person.to_string();
            let mut fields = vec![
                ("person_id", person.as_str()),
                ("relationship", relationship),
                ("joined_on", joined),
            ];
            if carer {
                fields.push(("is_carer", "1"));
            }
            post(
                app,
                houkatsu,
                &format!("/households/{household}/members"),
                &fields,
            )
            .await
        }
    };
    redirected(add(son, "child", false, "2000-04-01").await).await;
    let (status, html) = app
        .get_text(&houkatsu, &format!("/households/{household}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("8050世帯"), "{html}");
    assert!(html.contains("歳の子(引きこもり)が同居"), "{html}");
    assert!(!html.contains("ヤングケアラー"));
    // ヤングケアラー: a member under 18 recorded as a carer.
    redirected(add(grandchild, "grandchild", true, "2013-09-15").await).await;
    let (_, html) = app
        .get_text(&houkatsu, &format!("/households/{household}"))
        .await;
    assert!(html.contains("8050世帯"));
    assert!(html.contains("ヤングケアラー"), "{html}");
    assert!(
        html.contains("歳の孫が家族の介護・世話をしている"),
        "{html}"
    );
    assert!(html.contains("佐藤 トメ") && html.contains("(世帯主)"));
    // The household timeline merges the members' records.
    assert!(html.contains("20年以上自室から出ない"), "{html}");

    // 高齢独居.
    let res = post(
        &app,
        &houkatsu,
        "/households",
        &[("person_id", &alone.to_string())],
    )
    .await;
    let other = redirected_id(res, "/households/").await;
    let (_, html) = app
        .get_text(&houkatsu, &format!("/households/{other}"))
        .await;
    assert!(html.contains("高齢独居"), "{html}");
    assert!(html.contains("歳の単身世帯"));

    // The son moves in with 菅原さん: the old membership ends and stays as history.
    let res = post(
        &app,
        &houkatsu,
        &format!("/households/{other}/members"),
        &[
            ("person_id", &son.to_string()),
            ("relationship", "other"),
            ("joined_on", ""),
        ],
    )
    .await;
    redirected(res).await;
    let (_, html) = app
        .get_text(&houkatsu, &format!("/households/{household}"))
        .await;
    assert!(html.contains("転出した世帯員(履歴)"), "{html}");
    assert!(html.contains("佐藤 誠"));
    assert!(
        !html.contains("8050世帯"),
        "no longer living together: {html}"
    );
    assert!(html.contains("ヤングケアラー"));
    let (_, html) = app
        .get_text(&houkatsu, &format!("/households/{other}"))
        .await;
    assert!(!html.contains("高齢独居"), "{html}");
    let memberships = app.store.memberships_of(son).await.unwrap();
    assert_eq!(memberships.len(), 2, "{memberships:?}");
    let old = memberships
        .iter()
        .find(|m| m.household_id == household)
        .unwrap();
    assert!(old.left_on.is_some());
    let new = memberships
        .iter()
        .find(|m| m.household_id == other)
        .unwrap();
    assert!(new.left_on.is_none());
    let (_, page) = app.get_text(&houkatsu, &format!("/persons/{son}")).await;
    assert!(page.contains(&format!("/households/{household}")));
    assert!(page.contains(&format!("/households/{other}")));
    // A move on the day of joining: the ended membership never ends before it began.
    let res = post(
        &app,
        &houkatsu,
        &format!("/households/{household}/members"),
        &[
            ("person_id", &alone.to_string()),
            ("relationship", "other"),
            ("joined_on", ""),
        ],
    )
    .await;
    redirected(res).await;
    let memberships = app.store.memberships_of(alone).await.unwrap();
    assert_eq!(memberships.len(), 2, "{memberships:?}");
    for m in &memberships {
        assert!(
            m.left_on.is_none_or(|left| left >= m.joined_on),
            "left before joining: {m:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// 複合課題の可能性
// ---------------------------------------------------------------------------

async fn early_warning_lists_evidence_for_the_coordinator(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    // Two agencies: the 包括's intake and the 基幹's accepted referral.
    let (two_agencies, referral) = saito_referred_to_kikan(&app, &houkatsu).await;
    let kikan = app.login(KIKAN).await;
    redirected(on_referral(&app, &kikan, referral, "accept", &[]).await).await;
    // Three fields in one intake: 介護 (高齢), 障がい, 債務 (生活困窮).
    let three_fields = new_person(
        &app,
        &houkatsu,
        &with(
            &[
                ("name", "千葉 正男"),
                ("furigana", "チバ マサオ"),
                ("birth_date", "S30.8.1"),
            ],
            &[
                ("issues", "care"),
                ("issues", "disability"),
                ("issues", "debt"),
            ],
        ),
    )
    .await;
    // One window, one field: no warning.
    let quiet = new_person(
        &app,
        &houkatsu,
        &with(
            &[
                ("name", "熊谷 静子"),
                ("furigana", "クマガイ シズコ"),
                ("birth_date", "S25.3.3"),
            ],
            &[("issues", "care")],
        ),
    )
    .await;

    let coordinator = app.login(COORDINATOR).await;
    let (_, home) = app.get_text(&coordinator, "/").await;
    assert!(home.contains("複合課題の可能性"), "{home}");
    let section = &home[home.find("複合課題の可能性").unwrap()..];
    // One warning: from its marker to the end of its evidence list.
    let item = |id: i64| {
        let marker = format!("本人 #{id}(");
        let start = section
            .find(&marker)
            .unwrap_or_else(|| panic!("no warning for {id}: {section}"));
        let rest = &section[start..];
        rest[..rest.find("</ul>").unwrap()].to_string()
    };
    let w = item(two_agencies);
    assert!(w.contains("2機関("), "{w}");
    assert!(w.contains("高齢者包括支援センター"), "{w}");
    assert!(w.contains("基幹相談支援センター"), "{w}");
    assert!(w.contains("相談受付") && w.contains("つなぎ"), "{w}");
    let w = item(three_fields);
    assert!(w.contains("3分野("), "{w}");
    assert!(!section.contains(&format!("本人 #{quiet}")), "{section}");
    // The coordinator has no basis on these persons: no names.
    for name in ["斎藤 雪江", "千葉 正男", "熊谷 静子"] {
        assert!(!home.contains(name), "{name} leaked: {home}");
    }
    // Only the coordinator gets this list.
    let (_, home) = app.get_text(&houkatsu, "/").await;
    assert!(!home.contains("複合課題の可能性"), "{home}");
}

// ---------------------------------------------------------------------------
// Isolation and search
// ---------------------------------------------------------------------------

async fn search_is_variant_tolerant_and_isolated(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let person = new_person(
        &app,
        &houkatsu,
        &with(&SAITO, &[("issues", "care"), ("summary", "介護の相談")]),
    )
    .await;
    let link = format!("/persons/{person}");
    for q in [
        "q=斎藤",
        "q=齋藤",
        "q=齊藤 雪江",
        "q=雪江",
        "q=サイトウ",
        "q=ｻｲﾄｳ",
        "q=さいとう ゆきえ",
        "phone=1234",
        "phone=０１８７６３１２３４",
        "birth_date=S20.5.6",
        "birth_date=1945-05-06",
        "address=大曲通町",
        "district=omagari",
    ] {
        let (status, html) = app.get_text(&houkatsu, &format!("/persons?{q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert!(html.contains(&link), "{q} does not find her: {html}");
        assert!(html.contains("斎藤 雪江"), "{q}");
    }
    let (_, html) = app.get_text(&houkatsu, "/persons?q=佐藤").await;
    assert!(!html.contains(&link));
    // LIKE wildcards are text, not patterns.
    let (_, html) = app.get_text(&houkatsu, "/persons?q=%25").await;
    assert!(!html.contains(&link), "{html}");

    // Another agency without involvement, the coordinator (not escalated) and another
    // municipality find nothing.
    for user in [KIKAN, COORDINATOR, "yuzawa.houkatsu", "yuzawa.kikan"] {
        let client = app.login(user).await;
        for q in [
            "q=斎藤",
            "q=サイトウ",
            "phone=0187631234",
            "birth_date=S20.5.6",
        ] {
            let (status, html) = app.get_text(&client, &format!("/persons?{q}")).await;
            assert_eq!(status, StatusCode::OK);
            assert!(!html.contains(&link), "{user} {q}: {html}");
            assert!(!html.contains("斎藤 雪江"), "{user} {q}: {html}");
        }
    }
    // Admin and auditor never search person data.
    for user in ["daisen.admin", "daisen.auditor"] {
        let client = app.login(user).await;
        let (_, html) = app.get_text(&client, "/persons?q=斎藤").await;
        assert!(!html.contains("斎藤 雪江"), "{user}: {html}");
    }
    // Once a referral is sent, the receiver finds her (to decide on it).
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await.to_string();
    redirected(
        post(
            &app,
            &houkatsu,
            &format!("/persons/{person}/referrals"),
            &[("to_agency_id", &kikan_id), ("reason", "相談したい")],
        )
        .await,
    )
    .await;
    let kikan = app.login(KIKAN).await;
    let (_, html) = app.get_text(&kikan, "/persons?q=齋藤").await;
    assert!(html.contains(&link), "{html}");
}

async fn other_municipality_and_non_staff_get_not_found(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let (person, referral) = saito_referred_to_kikan(&app, &houkatsu).await;
    let intake = app.store.intakes_of(person).await.unwrap()[0].id;
    let household = redirected_id(
        post(
            &app,
            &houkatsu,
            "/households",
            &[("person_id", &person.to_string())],
        )
        .await,
        "/households/",
    )
    .await;
    redirected(
        post(
            &app,
            &houkatsu,
            "/support-logs",
            &[
                ("person_id", &person.to_string()),
                ("occurred_on", &days_ago_jst(0)),
                ("kind", "phone"),
                ("body", "電話で近況を確認"),
            ],
        )
        .await,
    )
    .await;
    let log = app.store.support_logs_of_person(person).await.unwrap()[0].id;
    let paths = [
        format!("/persons/{person}"),
        format!("/households/{household}"),
        format!("/referrals/{referral}"),
        format!("/support-logs/{log}"),
        format!("/intakes/{intake}"),
    ];
    for path in &paths {
        assert_eq!(
            app.get_text(&houkatsu, path).await.0,
            StatusCode::OK,
            "{path}"
        );
    }
    // Another municipality, whatever the role: as if it did not exist.
    for user in ["yuzawa.houkatsu", "yuzawa.coordinator", "yuzawa.admin"] {
        let client = app.login(user).await;
        for path in &paths {
            let (status, html) = app.get_text(&client, path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{user} {path}");
            assert!(!html.contains("斎藤"), "{user} {path}");
        }
        // Nor can it write to them.
        let res = post(
            &app,
            &client,
            &format!("/persons/{person}/referrals"),
            &[("to_agency_id", "1"), ("reason", "x")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{user}");
    }
    // Admin and auditor of the same municipality never see person data.
    for user in ["daisen.admin", "daisen.auditor", "daisen.community"] {
        let client = app.login(user).await;
        for path in &paths {
            let (status, html) = app.get_text(&client, path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{user} {path}");
            assert!(!html.contains("斎藤"), "{user} {path}");
        }
    }
    // The coordinator, without an escalation, has no basis either.
    let coordinator = app.login(COORDINATOR).await;
    for path in &paths {
        assert_eq!(
            app.get_text(&coordinator, path).await.0,
            StatusCode::NOT_FOUND,
            "coordinator without escalation: {path}"
        );
    }
}

// ---------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------

async fn person_reads_are_audited_with_their_basis(app: TestApp) {
    let houkatsu = app.login(HOUKATSU).await;
    let (person, _) = saito_referred_to_kikan(&app, &houkatsu).await;
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let reads = |username: &'static str| {
        let app = &app;
        async move {
            app.store
                .audit_entries(&AuditFilter {
                    municipality_id: m.id,
                    username: Some(username.into()),
                    object_type: Some("person".into()),
                    object_id: Some(person.to_string()),
                    action: Some("view".into()),
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap()
        }
    };
    let (_, before) = reads(HOUKATSU).await;
    assert_eq!(
        app.get_text(&houkatsu, &format!("/persons/{person}"))
            .await
            .0,
        StatusCode::OK
    );
    let (entries, after) = reads(HOUKATSU).await;
    assert_eq!(after, before + 1);
    assert_eq!(entries[0].basis, "involvement", "{entries:?}");
    // The receiver of a pending referral reads on that basis.
    let kikan = app.login(KIKAN).await;
    assert_eq!(
        app.get_text(&kikan, &format!("/persons/{person}")).await.0,
        StatusCode::OK
    );
    let (entries, total) = reads(KIKAN).await;
    assert_eq!(total, 1);
    assert_eq!(entries[0].basis, "referral_pending");
    // A denied read is audited as a denial, without a basis.
    let admin = app.login("daisen.admin").await;
    assert_eq!(
        app.get_text(&admin, &format!("/persons/{person}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (denied, total) = app
        .store
        .audit_entries(&AuditFilter {
            municipality_id: m.id,
            username: Some("daisen.admin".into()),
            action: Some("denied".into()),
            object_id: Some(person.to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(denied[0].basis, "");
    assert!(!denied[0].reason.is_empty());
}

/// `kasane import persons --agency X` registers X's own caseload: X finds and opens those
/// records (basis: involvement, as the registering agency); other windows do not.
async fn imported_persons_are_visible_to_the_importing_agency_only(app: TestApp) {
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let kikan = app.store.user_by_username(KIKAN).await.unwrap().unwrap();
    let fields = kasane_app::consultation::person::PersonDraft {
        name: "仙北 花子".into(),
        furigana: "センボク ハナコ".into(),
        birth_date: "S30.4.1".into(),
        ..Default::default()
    }
    .parse(&[], kasane_app::Clock::today(&kasane_app::SystemClock))
    .unwrap();
    let ids = app
        .store
        .create_persons(m.id, kikan.agency_id, kikan.id, &[fields])
        .await
        .unwrap();
    let link = format!("/persons/{}", ids[0]);

    let kikan_client = app.login(KIKAN).await;
    let (_, found) = app.get_text(&kikan_client, "/persons?q=仙北 花子").await;
    assert!(found.contains(&link), "{found}");
    let (status, page) = app.get_text(&kikan_client, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("仙北 花子"));

    let houkatsu = app.login(HOUKATSU).await;
    let (_, found) = app.get_text(&houkatsu, "/persons?q=仙北 花子").await;
    assert!(!found.contains(&link), "{found}");
    let (status, _) = app.get_text(&houkatsu, &link).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
