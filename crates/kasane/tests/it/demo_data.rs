//! The demo's consultation records keep their promises, on both engines: every derived
//! household signal, early warnings, a referral in every state (one overdue), and an
//! unlinked 渡邉/渡辺 pair — seen through the pages, as the staff who may see them; and the
//! 多機関協働 records: cases in every status, both meeting kinds with minutes; and a
//! history dated coherently in the past.

use crate::common::{Engine, TestApp};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use reqwest::{Client, StatusCode};

both_engines!(
    demo_households_show_every_signal,
    demo_worklists_show_warnings_and_referrals_in_every_state,
    demo_cases_cover_every_status_and_both_meetings,
    demo_support_meeting_host_reads_its_agenda,
    household_page_lists_the_household_cases,
    demo_history_lies_in_the_past_over_months,
    demo_history_comes_in_a_coherent_order,
    demo_audit_trail_verifies_in_time_order,
);

/// The number after the first `href="{prefix}` in `html`.
fn first_id(html: &str, prefix: &str) -> i64 {
    let marker = format!("href=\"{prefix}");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no link to {prefix}: {html}"))
        + marker.len();
    html[start..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn search(app: &TestApp, client: &Client, q: &str) -> String {
    let res = client
        .get(app.url("/persons"))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

async fn demo_households_show_every_signal(app: TestApp) {
    for (username, person, signal) in [
        ("daisen.houkatsu", "神岡 一郎", "8050世帯"),
        ("daisen.kikan", "中仙 陽菜", "ヤングケアラー"),
        ("daisen.houkatsu", "協和 正男", "高齢独居"),
        ("daisen.houkatsu", "南外 キヨ", "高齢夫婦のみ"),
        ("yuzawa.houkatsu", "稲川 浩二", "8050世帯"),
        ("yuzawa.kikan", "雄勝 蓮", "ヤングケアラー"),
        ("yuzawa.houkatsu", "皆瀬 ミヨ", "高齢独居"),
    ] {
        let client = app.login(username).await;
        let found = search(&app, &client, person).await;
        let person_id = first_id(&found, "/persons/");
        let (status, page) = app
            .get_text(&client, &format!("/persons/{person_id}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{username} {person}");
        assert!(page.contains(person), "{page}");
        let household = first_id(&page, "/households/");
        let (status, page) = app
            .get_text(&client, &format!("/households/{household}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(&format!("<span class=\"badge warn\">{signal}</span>")),
            "{person}: {signal} missing in {page}"
        );
    }
}

async fn demo_worklists_show_warnings_and_referrals_in_every_state(app: TestApp) {
    // The coordinator: early warnings with their evidence, overdue referrals city-wide, the
    // accepted referral to complete.
    let coordinator = app.login("daisen.coordinator").await;
    let (_, home) = app.get_text(&coordinator, "/").await;
    for expected in [
        "複合課題の可能性",
        "神岡 一郎さん",
        "2機関",
        "3分野",
        "受理期限を過ぎたつなぎ(市全体)",
        "受理したつなぎ(支援の結果を記録してください)",
    ] {
        assert!(home.contains(expected), "{expected}: {home}");
    }
    // Two unlinked records of one person, found by either spelling, for 名寄せ.
    let found = search(&app, &coordinator, "渡辺 幸子").await;
    assert!(found.contains("2件"), "{found}");
    assert!(found.contains("渡邉 幸子") && found.contains("渡辺 幸子"));

    // 基幹: one referral just received, one sent and overdue; 自立相談: one declined back.
    let kikan = app.login("daisen.kikan").await;
    let (_, home) = app.get_text(&kikan, "/").await;
    assert!(
        home.contains("神岡 一郎さん — 大仙市社会福祉協議会から"),
        "{home}"
    );
    assert!(home.contains("中仙 陽菜さん → 子ども支援課"), "{home}");
    let jiritsu = app.login("daisen.jiritsu").await;
    let (_, home) = app.get_text(&jiritsu, "/").await;
    assert!(
        home.contains("太田 健さん → 高齢者包括支援センター"),
        "{home}"
    );
    // 完了: on the person's timeline.
    let found = search(&app, &jiritsu, "協和 正男").await;
    let (_, page) = app
        .get_text(
            &jiritsu,
            &format!("/persons/{}", first_id(&found, "/persons/")),
        )
        .await;
    assert!(page.contains("【完了】"), "{page}");

    // The README's first example login finds work waiting, not an empty worklist.
    let houkatsu = app.login("daisen.houkatsu").await;
    let (_, home) = app.get_text(&houkatsu, "/").await;
    assert!(
        !home.contains("現在、対応が必要な項目はありません"),
        "{home}"
    );

    // 湯沢市 has its own: an overdue referral and a declined one back with 包括.
    let yuzawa = app.login("yuzawa.houkatsu").await;
    let (_, home) = app.get_text(&yuzawa, "/").await;
    assert!(
        home.contains("稲川 浩二さん → 湯沢市社会福祉協議会総合相談室"),
        "{home}"
    );
    assert!(
        home.contains("皆瀬 ミヨさん → 湯沢市基幹相談支援センター"),
        "{home}"
    );
    assert!(!home.contains("大仙"), "no other municipality");
}

async fn demo_cases_cover_every_status_and_both_meetings(app: TestApp) {
    use kasane_domain::case::CaseStatus;
    use kasane_store::person::Viewer;
    let mut statuses = std::collections::BTreeSet::new();
    for code in ["daisen", "yuzawa"] {
        let m = app.store.municipality_by_code(code).await.unwrap();
        let coordinating = app.store.coordinating_agency(m.id).await.unwrap().unwrap();
        let viewer = Viewer {
            municipality_id: m.id,
            agency_id: coordinating,
            coordinates: true,
            today: chrono::Utc::now().date_naive(),
        };
        let (cases, _) = app.store.list_cases(viewer, None, 100, 0).await.unwrap();
        assert!(cases.len() >= 3, "{code}: {} cases", cases.len());
        statuses.extend(cases.iter().map(|c| c.status.code().to_string()));
        let (meetings, _) = app
            .store
            .list_meetings(m.id, coordinating, true, None, (100, 0))
            .await
            .unwrap();
        for kind in ["support_meeting", "multilayer_meeting"] {
            let meeting = meetings
                .iter()
                .find(|mt| mt.kind.code() == kind)
                .unwrap_or_else(|| panic!("{code}: no {kind}"));
            let agenda = app.store.agenda(meeting.id).await.unwrap();
            assert!(
                agenda
                    .iter()
                    .any(|a| !a.discussion.is_empty() && !a.decisions.is_empty()),
                "{code} {kind}: no minutes"
            );
        }
    }
    let expected: std::collections::BTreeSet<String> = CaseStatus::ALL
        .iter()
        .map(|s| s.code().to_string())
        .collect();
    assert_eq!(statuses, expected);
}

/// 社会福祉課 hosts 大仙市's 支援会議 and, bound by confidentiality like its members, reads
/// the cases on its agenda and their minutes.
async fn demo_support_meeting_host_reads_its_agenda(app: TestApp) {
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let host = app.agency_id("daisen", "shakai_fukushi_ka").await;
    let (meetings, _) = app
        .store
        .list_meetings(m.id, host, false, Some("support_meeting"), (100, 0))
        .await
        .unwrap();
    let network = meetings
        .iter()
        .find(|mt| mt.kind.code() == "support_meeting" && mt.host_agency_id == host)
        .unwrap();
    let client = app.login("daisen.fukushi").await;
    let (status, page) = app
        .get_text(&client, &format!("/meetings/{}", network.id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("中仙さんの世帯"), "{page}");
    assert!(page.contains("子ども支援課と社協で家庭訪問し"), "{page}");
}

/// The 8050 household's page lists its case for an involved agency.
async fn household_page_lists_the_household_cases(app: TestApp) {
    let client = app.login("daisen.houkatsu").await;
    let found = search(&app, &client, "神岡 一郎").await;
    let person_id = first_id(&found, "/persons/");
    let (_, page) = app
        .get_text(&client, &format!("/persons/{person_id}"))
        .await;
    let household = first_id(&page, "/households/");
    let (status, page) = app
        .get_text(&client, &format!("/households/{household}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("多機関協働(世帯のケース)"), "{page}");
    let case = first_id(&page, "/cases/");
    let (status, case_page) = app.get_text(&client, &format!("/cases/{case}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(case_page.contains("神岡さんの世帯"), "{case_page}");
}

/// Rows of (id, earlier, later) from `sql` on the test database.
async fn pairs(app: &TestApp, sql: &str) -> Vec<(i64, Option<DateTime<Utc>>, DateTime<Utc>)> {
    on_test_db!(app, |pool| sqlx::query_as(sql)
        .fetch_all(&pool)
        .await
        .unwrap())
}

/// Every row of `sql` comes with an earlier moment at or before its later one.
async fn in_order(app: &TestApp, what: &str, sql: &str) {
    let rows = pairs(app, sql).await;
    assert!(!rows.is_empty(), "{what}: no rows");
    for (id, earlier, later) in rows {
        let earlier = earlier.unwrap_or_else(|| panic!("{what} {id}: nothing before it"));
        assert!(earlier <= later, "{what} {id}: {later} is before {earlier}");
    }
}

/// The demo's records are stamped over the past months, not at the moment it was loaded:
/// intakes on many days, the oldest months ago; in every table something is days old and
/// nothing is ahead of now.
async fn demo_history_lies_in_the_past_over_months(app: TestApp) {
    let now = Utc::now();
    let intakes = pairs(&app, "SELECT id, received_at, created_at FROM intake").await;
    let days: std::collections::BTreeSet<_> = intakes
        .iter()
        .map(|(_, received, _)| received.unwrap().date_naive())
        .collect();
    assert!(days.len() >= 10, "intakes on {} days only", days.len());
    assert!(
        *days.first().unwrap() <= (now - TimeDelta::days(100)).date_naive(),
        "the oldest intake is recent: {days:?}"
    );
    for (id, received, recorded) in intakes {
        assert!(
            received.unwrap() <= recorded && recorded < now,
            "intake {id}"
        );
    }
    for (table, column) in [
        ("app_user", "created_at"),
        ("person", "created_at"),
        ("household", "created_at"),
        ("intake", "created_at"),
        ("referral", "sent_at"),
        ("referral_event", "occurred_at"),
        ("support_log", "created_at"),
        ("cases", "opened_at"),
        ("case_event", "occurred_at"),
        ("assessment", "created_at"),
        ("consent", "created_at"),
        ("meeting", "created_at"),
        ("meeting_member", "acknowledged_at"),
        ("meeting_agenda", "minutes_at"),
        ("role_assignment", "created_at"),
        ("support_plan", "created_at"),
        ("monitoring", "done_at"),
        ("evaluation", "evaluated_at"),
        ("match_review", "requested_at"),
    ] {
        let (_, oldest, newest) = pairs(
            &app,
            &format!(
                "SELECT CAST(0 AS BIGINT), MIN({column}), MAX({column}) FROM {table} \
                 WHERE {column} IS NOT NULL"
            ),
        )
        .await
        .remove(0);
        let oldest = oldest.unwrap_or_else(|| panic!("{table}: empty"));
        assert!(
            newest < now,
            "{table}.{column}: {newest} is not in the past"
        );
        assert!(
            oldest < now - TimeDelta::days(1),
            "{table}.{column}: everything from the last day ({oldest})"
        );
    }
}

/// Each record comes after what it follows: a person is registered before their intakes,
/// an entry or a referral follows the person's first intake, a referral moves after it was
/// sent, a case opens after the intake (or the household) it is about and moves after it
/// opened, a 重層的支援会議 shares a case only after its consent, minutes are written on
/// or after the meeting's day, a plan is approved after it was drafted.
async fn demo_history_comes_in_a_coherent_order(app: TestApp) {
    for (what, sql) in [
        (
            "person before their intakes",
            "SELECT p.id, p.created_at, MIN(i.created_at) FROM person p \
             JOIN intake i ON i.person_id = p.id GROUP BY p.id, p.created_at",
        ),
        (
            "support log entry after the person's first intake",
            "SELECT s.id, (SELECT MIN(i.received_at) FROM intake i WHERE i.person_id = s.person_id), \
             s.created_at FROM support_log s WHERE s.person_id IS NOT NULL",
        ),
        (
            "support log entry after the household's first intake",
            "SELECT s.id, (SELECT MIN(i.received_at) FROM intake i \
             WHERE i.household_id = s.household_id), s.created_at FROM support_log s \
             WHERE s.person_id IS NULL",
        ),
        (
            "referral after its intake",
            "SELECT r.id, i.received_at, r.sent_at FROM referral r JOIN intake i ON i.id = r.intake_id",
        ),
        (
            "referral without an intake after the person's first",
            "SELECT r.id, (SELECT MIN(i.received_at) FROM intake i WHERE i.person_id = r.person_id), \
             r.sent_at FROM referral r WHERE r.intake_id IS NULL",
        ),
        (
            "referral moved after it was sent",
            "SELECT e.id, r.sent_at, e.occurred_at FROM referral_event e \
             JOIN referral r ON r.id = e.referral_id",
        ),
        (
            "person's case after their first intake",
            "SELECT c.id, (SELECT MIN(i.received_at) FROM intake i WHERE i.person_id = c.person_id), \
             c.opened_at FROM cases c WHERE c.person_id IS NOT NULL",
        ),
        (
            "household's case after the household",
            "SELECT c.id, h.created_at, c.opened_at FROM cases c \
             JOIN household h ON h.id = c.household_id",
        ),
        (
            "case event after the case opened",
            "SELECT e.id, c.opened_at, e.occurred_at FROM case_event e JOIN cases c ON c.id = e.case_id",
        ),
        (
            "重層的支援会議 agenda item after the consent",
            "SELECT a.id, (SELECT MIN(c.created_at) FROM consent c WHERE c.case_id = a.case_id), \
             a.added_at FROM meeting_agenda a JOIN meeting m ON m.id = a.meeting_id \
             WHERE m.kind = 'multilayer_meeting'",
        ),
        (
            "agenda item after the meeting was scheduled",
            "SELECT a.id, m.created_at, a.added_at FROM meeting_agenda a \
             JOIN meeting m ON m.id = a.meeting_id",
        ),
        (
            "plan approved after it was drafted",
            "SELECT id, created_at, approved_at FROM support_plan WHERE approved_at IS NOT NULL",
        ),
    ] {
        in_order(&app, what, sql).await;
    }
    let minutes: Vec<(i64, NaiveDate, DateTime<Utc>)> = on_test_db!(app, |pool| sqlx::query_as(
        "SELECT a.id, m.held_on, a.minutes_at FROM meeting_agenda a \
         JOIN meeting m ON m.id = a.meeting_id WHERE a.minutes_at IS NOT NULL"
    )
    .fetch_all(&pool)
    .await
    .unwrap());
    assert!(!minutes.is_empty());
    for (item, held_on, written) in minutes {
        let day_in_japan = (written + TimeDelta::hours(9)).date_naive();
        assert!(
            day_in_japan >= held_on,
            "minutes of {item} before the meeting"
        );
    }
}

/// Whatever the demo's records are dated, the audit trail verifies and its times follow
/// its sequence (after logins and reads at the real time).
async fn demo_audit_trail_verifies_in_time_order(app: TestApp) {
    let client = app.login("daisen.houkatsu").await;
    let (status, _) = app.get_text(&client, "/").await;
    assert_eq!(status, StatusCode::OK);
    let found = search(&app, &client, "神岡 一郎").await;
    app.get_text(
        &client,
        &format!("/persons/{}", first_id(&found, "/persons/")),
    )
    .await;
    let checked = app.store.verify_audit(None).await.unwrap().unwrap();
    assert!(checked > 0);
    let entries: Vec<(i64, i64, DateTime<Utc>)> = on_test_db!(app, |pool| sqlx::query_as(
        "SELECT chain_id, seq, occurred_at FROM audit_log ORDER BY chain_id, seq"
    )
    .fetch_all(&pool)
    .await
    .unwrap());
    for pair in entries.windows(2) {
        let ((chain, seq, at), (next_chain, _, next_at)) = (pair[0], pair[1]);
        if chain == next_chain {
            assert!(at <= next_at, "chain {chain}: entry {seq} after the next");
        }
    }
}
