//! Step 1 end to end, on both engines: login, sessions, CSRF, throttling, tokens, tenant
//! isolation through pages and API, the audit trail, the OpenAPI document.

use crate::common::{Engine, PASSWORD, TestApp, fresh_database, hidden_csrf};
use kasane_store::Store;
use reqwest::StatusCode;
use serde_json::Value;

both_engines!(
    login_lands_on_home_with_municipality_and_agency,
    wrong_password_is_refused_and_audited,
    repeated_failures_lock_the_account,
    concurrent_failures_are_each_counted_and_lock,
    the_right_password_among_wrong_ones_wins_only_before_the_lock,
    unknown_and_known_usernames_answer_alike,
    login_and_logout_need_csrf,
    session_cookie_is_httponly_and_strict,
    idle_session_expires,
    daisen_user_sees_daisen_and_nothing_of_yuzawa,
    yuzawa_user_sees_yuzawa_and_nothing_of_daisen,
    other_municipality_agency_is_not_found_in_html_and_api,
    api_needs_authentication_and_answers_problem_json,
    token_works_until_revoked_or_user_disabled,
    auditor_reads_the_log_others_cannot,
    audit_chain_verifies_and_detects_edits,
    admin_has_no_audit_access_but_reads_config,
    openapi_document_describes_the_api,
    pages_carry_security_headers_and_work_offline,
    pillar_pages_render_for_every_pillar,
    healthz_reports_database,
);

async fn login_lands_on_home_with_municipality_and_agency(app: TestApp) {
    let client = app.client();
    let res = app.post_login(&client, "daisen.houkatsu", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/");
    let (status, html) = app.get_text(&client, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("大仙市"), "{html}");
    assert!(html.contains("高齢者包括支援センター"));
    assert!(html.contains("高橋 健一"));
    assert!(html.contains("ワークリスト"));
    // The demo's つなぎ just sent to 包括 waits on its worklist.
    assert!(html.contains("刈和野 トメさん"), "{html}");
    // Anonymous visitors are sent to the login page.
    let anon = app.client();
    let res = anon.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login");
}

async fn wrong_password_is_refused_and_audited(app: TestApp) {
    let client = app.client();
    let res = app
        .post_login(&client, "daisen.houkatsu", "not the password")
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("ユーザー名またはパスワードが違います")
    );
    let res = app
        .post_login(&client, "nobody.here", "whatever password")
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let filter = kasane_store::audit::AuditFilter {
        municipality_id: m.id,
        action: Some("login_failed".into()),
        limit: 10,
        ..Default::default()
    };
    let (entries, total) = app.store.audit_entries(&filter).await.unwrap();
    assert_eq!(total, 1);
    assert_eq!(entries[0].username, "daisen.houkatsu");
    assert_eq!(entries[0].reason, "bad_password");
}

async fn repeated_failures_lock_the_account(app: TestApp) {
    let client = app.client();
    for _ in 0..5 {
        let res = app
            .post_login(&client, "yuzawa.kikan", "wrong password!")
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is refused for now, with the same answer as a
    // wrong one (the audit says why).
    let res = app.post_login(&client, "yuzawa.kikan", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("ユーザー名またはパスワードが違います")
    );
    let (entries, _) = login_entries(&app, "yuzawa", "yuzawa.kikan").await;
    assert_eq!(entries.first().map(|e| e.reason.as_str()), Some("locked"));
    // Other accounts are unaffected.
    app.login("yuzawa.houkatsu").await;
    // A new password set by the administrator lifts the lock.
    let user = app.user("yuzawa.kikan").await;
    let hash = kasane_domain::identity::NewPassword::parse(PASSWORD)
        .unwrap()
        .hash()
        .unwrap();
    app.store.set_password(user.id, &hash).await.unwrap();
    app.login("yuzawa.kikan").await;
}

/// `username`'s login entries in `municipality`'s chain, newest first, and how many.
async fn login_entries(
    app: &TestApp,
    municipality: &str,
    username: &str,
) -> (Vec<kasane_domain::audit::AuditEntry>, i64) {
    let m = app.store.municipality_by_code(municipality).await.unwrap();
    let filter = kasane_store::audit::AuditFilter {
        municipality_id: m.id,
        username: Some(username.into()),
        object_type: Some("session".into()),
        limit: 200,
        ..Default::default()
    };
    app.store.audit_entries(&filter).await.unwrap()
}

/// `passwords` tried at once for `username`, each from its own client (the login forms
/// fetched first): the statuses, in the order of `passwords`. An attempt refused as busy
/// (503) was not processed.
async fn logins_at_once(app: &TestApp, username: &str, passwords: Vec<String>) -> Vec<StatusCode> {
    let mut forms = Vec::new();
    for password in passwords {
        let client = app.client();
        let csrf = app.login_csrf(&client).await;
        forms.push((client, csrf, password));
    }
    let mut attempts = Vec::new();
    for (client, csrf, password) in forms {
        let (url, username) = (app.url("/login"), username.to_string());
        attempts.push(tokio::spawn(async move {
            let form = [
                ("username", &username),
                ("password", &password),
                ("csrf", &csrf),
            ];
            client.post(url).form(&form).send().await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    statuses
}

/// How many attempts were processed: a busy server refuses some before they begin (503,
/// admission's bounded wait), which neither counts nor audits them.
fn processed(statuses: &[StatusCode]) -> i64 {
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    (statuses.len() - refused) as i64
}

async fn concurrent_failures_are_each_counted_and_lock(app: TestApp) {
    let wrong = vec!["wrong password!".to_string(); 50];
    let statuses = logins_at_once(&app, "yuzawa.kikan", wrong).await;
    let processed = processed(&statuses);
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
    let user = app.user("yuzawa.kikan").await;
    // Every failure that found the account unlocked was counted (a count read and written
    // back lost most of them); the others were refused as locked. All are audited.
    let (entries, audited) = login_entries(&app, "yuzawa", "yuzawa.kikan").await;
    assert_eq!(audited, processed, "every attempt audited");
    let counted = entries
        .iter()
        .filter(|e| e.reason == "bad_password")
        .count();
    assert!(counted >= 5, "{counted} counted");
    assert_eq!(
        user.failed_logins as usize, counted,
        "every failure counted"
    );
    assert!(user.locked_until.is_some_and(|t| t > kasane_store::now()));
    // The right password is refused until the lock ends (tomorrow it has).
    let client = app.client();
    let res = app.post_login(&client, "yuzawa.kikan", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let tomorrow = kasane_store::now().date_naive() + chrono::Days::new(1);
    app.on_day(tomorrow).await.login("yuzawa.kikan").await;
}

async fn the_right_password_among_wrong_ones_wins_only_before_the_lock(app: TestApp) {
    let mut passwords = vec!["wrong password!".to_string(); 50];
    passwords.push(PASSWORD.to_string());
    let statuses = logins_at_once(&app, "yuzawa.kikan", passwords).await;
    let (mut entries, audited) = login_entries(&app, "yuzawa", "yuzawa.kikan").await;
    assert_eq!(audited, processed(&statuses), "every attempt audited");
    entries.reverse();
    match entries.iter().position(|e| e.action == "login") {
        // It logged in: fewer failures than the lockout's were counted before it.
        Some(at) => {
            assert!(statuses.contains(&StatusCode::SEE_OTHER), "{statuses:?}");
            let before = entries[..at]
                .iter()
                .filter(|e| e.reason == "bad_password")
                .count();
            assert!(before < 5, "logged in after {before} failures");
        }
        // Refused: if it was processed at all, as locked.
        None if statuses[50] == StatusCode::SERVICE_UNAVAILABLE => {}
        None => {
            assert_eq!(statuses[50], StatusCode::UNAUTHORIZED, "{statuses:?}");
            let refused = entries.iter().find(|e| e.reason == "locked");
            assert!(refused.is_some(), "the right password refused as locked");
        }
    }
}

async fn unknown_and_known_usernames_answer_alike(app: TestApp) {
    for username in ["yuzawa.kikan", "yuzawa.nobody"] {
        let client = app.client();
        let mut bodies = Vec::new();
        for _ in 0..7 {
            let res = app.post_login(&client, username, "wrong password!").await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{username}");
            bodies.push(res.text().await.unwrap());
        }
        assert!(
            bodies
                .iter()
                .all(|b| b.contains("ユーザー名またはパスワードが違います")),
            "{username}"
        );
    }
}

async fn login_and_logout_need_csrf(app: TestApp) {
    // No login-form cookie and token: refused.
    let client = app.client();
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", "daisen.kikan"),
            ("password", PASSWORD),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let client = app.login("daisen.kikan").await;
    let res = client
        .post(app.url("/logout"))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get_text(&client, "/").await.0,
        StatusCode::OK,
        "still logged in"
    );
    let (_, home) = app.get_text(&client, "/").await;
    let res = client
        .post(app.url("/logout"))
        .form(&[("csrf", hidden_csrf(&home))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/login", "logged out");
}

async fn session_cookie_is_httponly_and_strict(app: TestApp) {
    let client = app.client();
    let res = app.post_login(&client, "daisen.kikan", PASSWORD).await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("kasane_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    // The database holds only a digest of the secret.
    let secret = cookie
        .trim_start_matches("kasane_session=")
        .split(';')
        .next()
        .unwrap();
    assert!(app.store.session(secret).await.unwrap().is_some());
    assert!(
        app.store
            .session(&kasane_domain::identity::secret_digest(secret))
            .await
            .unwrap()
            .is_none()
    );
}

async fn idle_session_expires(app: TestApp) {
    let client = app.login("daisen.kikan").await;
    assert_eq!(app.get_text(&client, "/").await.0, StatusCode::OK);
    // Move the session's last use two hours into the past, as if the worker walked away.
    let past = (chrono::Utc::now() - chrono::TimeDelta::hours(2)).to_rfc3339();
    app.raw_sql(&format!("UPDATE user_session SET last_seen_at = '{past}'"))
        .await;
    let res = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login?reason=idle");
    // And the expired session is gone for good.
    let res = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/login?reason=ended");
}

async fn daisen_user_sees_daisen_and_nothing_of_yuzawa(app: TestApp) {
    let client = app.login("daisen.coordinator").await;
    let (status, html) = app.get_text(&client, "/municipality").await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "「つながる・ささえる」ネットワーク会議",
        "「つながる・ささえる」支援会議",
        "「つながる・ささえる」ネットワーク整備事業",
        "大仙市社会福祉協議会",
        "社会福祉課",
        "まるこのひろば",
        "西仙北",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    for foreign in ["湯沢", "稲川", "皆瀬"] {
        assert!(!html.contains(foreign), "leaked {foreign}");
    }
    let (_, collab) = app.get_text(&client, "/collaboration").await;
    assert!(collab.contains("「つながる・ささえる」ネットワーク会議"));
    let token = app.token("daisen.coordinator").await;
    let body: Value = app
        .api_get(&token, "/api/v1/agencies")
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"高齢者包括支援センター"));
    assert!(names.iter().all(|n| !n.contains("湯沢")), "{names:?}");
}

async fn yuzawa_user_sees_yuzawa_and_nothing_of_daisen(app: TestApp) {
    let client = app.login("yuzawa.houkatsu").await;
    let (_, html) = app.get_text(&client, "/municipality").await;
    for expected in [
        "湯沢市地域包括支援センター",
        "湯沢市基幹相談支援センター",
        "福祉課地域福祉班",
        "皆瀬",
        "支援会議",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    for foreign in ["大仙", "つながる・ささえる", "大曲", "西仙北"] {
        assert!(!html.contains(foreign), "leaked {foreign}");
    }
    let (_, stats) = app.get_text(&client, "/statistics").await;
    assert!(
        stats.contains("令和6年度") && stats.contains("令和10年度"),
        "plan schedule in 和暦"
    );
    let token = app.token("yuzawa.houkatsu").await;
    let body: Value = app
        .api_get(&token, "/api/v1/municipality")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["name"], "湯沢市");
    assert_eq!(body["districts"].as_array().unwrap().len(), 4);
}

async fn other_municipality_agency_is_not_found_in_html_and_api(app: TestApp) {
    let own = app.agency_id("daisen", "houkatsu").await;
    let foreign = app.agency_id("yuzawa", "houkatsu").await;
    let client = app.login("daisen.houkatsu").await;
    let (status, html) = app.get_text(&client, &format!("/agencies/{own}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("高齢者包括支援センター"));
    let (status, html) = app.get_text(&client, &format!("/agencies/{foreign}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("湯沢"), "no existence leak");
    // Exactly like an id that does not exist at all.
    let (missing, _) = app.get_text(&client, "/agencies/999999").await;
    assert_eq!(missing, StatusCode::NOT_FOUND);

    let token = app.token("daisen.houkatsu").await;
    let res = app
        .api_get(&token, &format!("/api/v1/agencies/{foreign}"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert!(!body.to_string().contains("湯沢"));
    let res = app
        .api_get(&token, &format!("/api/v1/agencies/{own}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // The attempt is in the audit log as a denial, in the caller's municipality.
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let filter = kasane_store::audit::AuditFilter {
        municipality_id: m.id,
        action: Some("denied".into()),
        object_id: Some(foreign.to_string()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(app.store.audit_entries(&filter).await.unwrap().1, 2);
}

async fn api_needs_authentication_and_answers_problem_json(app: TestApp) {
    let res = reqwest::get(app.url("/api/v1/me")).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["title"], "ログインが必要です");
    let res = app.api_get("ksn_not-a-real-token", "/api/v1/me").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let token = app.token("daisen.kikan").await;
    let res = app.api_get(&token, "/api/v1/no-such-thing").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // A session works for the API too.
    let client = app.login("daisen.kikan").await;
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["username"], "daisen.kikan");
    assert_eq!(me["agency"]["name"], "基幹相談支援センター");
    assert_eq!(
        me["municipality"]["support_meeting_name"],
        "「つながる・ささえる」ネットワーク会議"
    );
}

async fn token_works_until_revoked_or_user_disabled(app: TestApp) {
    let token = app.token("yuzawa.kodomo").await;
    assert!(token.starts_with("ksn_"));
    let me: Value = app
        .api_get(&token, "/api/v1/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["roles"], serde_json::json!(["staff"]));
    assert_eq!(me["municipality"]["name"], "湯沢市");
    let user = app.user("yuzawa.kodomo").await;
    let tokens = app.store.tokens(user.id).await.unwrap();
    let first_use = tokens[0].last_used_at;
    assert!(first_use.is_some());
    // Its use is recorded at most once a minute, not on every request.
    assert_eq!(
        app.api_get(&token, "/api/v1/me").await.status(),
        StatusCode::OK
    );
    let tokens = app.store.tokens(user.id).await.unwrap();
    assert_eq!(tokens[0].last_used_at, first_use);
    app.store.revoke_token(user.id, tokens[0].id).await.unwrap();
    assert_eq!(
        app.api_get(&token, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let token = app.token("yuzawa.kodomo").await;
    let client = app.login("yuzawa.kodomo").await;
    app.store.set_disabled(user.id, true).await.unwrap();
    assert_eq!(
        app.api_get(&token, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        res.headers()["location"],
        "/login?reason=ended",
        "session ended with the account"
    );
    let res = app
        .post_login(&app.client(), "yuzawa.kodomo", PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn auditor_reads_the_log_others_cannot(app: TestApp) {
    app.login("daisen.houkatsu").await;
    app.post_login(&app.client(), "yuzawa.houkatsu", "wrong password!")
        .await;
    let auditor = app.login("daisen.auditor").await;
    let (status, html) = app.get_text(&auditor, "/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("daisen.houkatsu") && html.contains("ログイン"));
    assert!(html.contains("令和"), "times in 和暦");
    assert!(
        !html.contains("yuzawa.houkatsu"),
        "another municipality's log is not shown"
    );
    let (_, filtered) = app
        .get_text(&auditor, "/audit?username=daisen.houkatsu&action=login")
        .await;
    assert!(filtered.contains("1件"), "{filtered}");
    let (status, bad) = app.get_text(&auditor, "/audit?from=平成31年5月1日").await;
    assert_eq!(status, StatusCode::OK);
    assert!(bad.contains("平成31年5月1日は存在しません"));

    let token = app.token("daisen.auditor").await;
    let page: Value = app
        .api_get(&token, "/api/v1/audit?action=login")
        .await
        .json()
        .await
        .unwrap();
    assert!(page["total"].as_i64().unwrap() >= 2);
    assert!(
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] == "login")
    );
    let res = app.api_get(&token, "/api/v1/audit?from=yesterday").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let staff = app.login("daisen.houkatsu").await;
    let (status, html) = app.get_text(&staff, "/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("この操作はできません"));
    let token = app.token("daisen.houkatsu").await;
    assert_eq!(
        app.api_get(&token, "/api/v1/audit").await.status(),
        StatusCode::FORBIDDEN
    );
}

async fn audit_chain_verifies_and_detects_edits(app: TestApp) {
    app.login("daisen.houkatsu").await;
    app.login("yuzawa.houkatsu").await;
    app.post_login(&app.client(), "nobody.at.all", "wrong password!")
        .await;
    let checked = app
        .store
        .verify_audit(None)
        .await
        .unwrap()
        .expect("untouched chain verifies");
    assert_eq!(checked, 3);
    // Someone with database access removes the guard and rewrites history.
    let drop_guard = match app.engine {
        Engine::Sqlite => "DROP TRIGGER audit_log_no_update",
        Engine::Postgres => "DROP TRIGGER audit_log_no_update ON audit_log",
    };
    app.raw_sql(drop_guard).await;
    app.raw_sql("UPDATE audit_log SET username = 'someone.else' WHERE seq = 1 AND chain_id = (SELECT MIN(chain_id) FROM audit_log WHERE chain_id > 0)").await;
    let broken = app.store.verify_audit(None).await.unwrap();
    assert!(broken.is_err(), "edited row must be detected");
    assert!(broken.unwrap_err().to_string().contains("改ざん"));
}

async fn admin_has_no_audit_access_but_reads_config(app: TestApp) {
    let admin = app.login("daisen.admin").await;
    assert_eq!(
        app.get_text(&admin, "/municipality").await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.get_text(&admin, "/audit").await.0,
        StatusCode::FORBIDDEN
    );
    let (_, home) = app.get_text(&admin, "/").await;
    assert!(!home.contains("監査ログ"), "no audit link for non-auditors");
    let auditor = app.login("daisen.auditor").await;
    let (_, home) = app.get_text(&auditor, "/").await;
    assert!(home.contains("監査ログ"));
}

async fn openapi_document_describes_the_api(app: TestApp) {
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/me",
        "/api/v1/municipality",
        "/api/v1/agencies",
        "/api/v1/agencies/{id}",
        "/api/v1/audit",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
    // Each body is its own schema: a shared name let one overwrite the other (a meeting's
    // member was documented as a household member, a monitoring entry as a support log's).
    let schemas = &doc["components"]["schemas"];
    let body_of = |path: &str| {
        let r = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{path} has no body schema"));
        let name = r.trim_start_matches("#/components/schemas/");
        schemas[name]["properties"].clone()
    };
    assert!(body_of("/api/v1/meetings/{id}/members")["agency_id"].is_object());
    let member = body_of("/api/v1/households/{id}/members");
    assert!(member["relationship"].is_object());
    // Without a person the use case answers 422 (field-keyed), yet a request needs one.
    assert_eq!(member["person_id"]["type"], "integer", "{member}");
    assert!(
        schemas["HouseholdMemberRequest"]["required"]
            .as_array()
            .is_some_and(|r| r.contains(&Value::from("person_id"))),
        "{}",
        schemas["HouseholdMemberRequest"]
    );
    assert!(body_of("/api/v1/support-logs")["body"].is_object());
    let monitoring = &schemas["MonitoringRequest"]["properties"]["entries"]["items"]["$ref"];
    let entry = monitoring
        .as_str()
        .unwrap()
        .trim_start_matches("#/components/schemas/");
    assert!(
        schemas[entry]["properties"]["action_id"].is_object(),
        "{entry}"
    );
    // Codes are enums, taken from the domain's lists.
    let channel = &schemas["IntakeRequest"]["properties"]["channel"]["enum"];
    let expected: Vec<&str> = kasane_domain::intake::Channel::ALL
        .iter()
        .map(|c| c.code())
        .collect();
    assert_eq!(channel, &serde_json::json!(expected));
    assert!(schemas["AssessmentSheet"]["properties"]["risks"]["items"]["enum"].is_array());
    assert!(
        schemas["IntakeRequest"]["properties"]["most_pressing"]["enum"]
            .as_array()
            .unwrap()
            .contains(&Value::Null),
        "an optional code may be null"
    );
    // Every operation documents what any operation can answer.
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = &op["responses"];
            for status in ["401", "403", "500", "503"] {
                assert!(responses[status].is_object(), "{method} {path}: {status}");
            }
            if path.contains('{') {
                assert!(responses["404"].is_object(), "{method} {path}: 404");
            }
            if op["requestBody"].is_object() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses[status].is_object(), "{method} {path}: {status}");
                }
            }
        }
    }
    assert!(operations > 50, "{operations} operations");
}

async fn pages_carry_security_headers_and_work_offline(app: TestApp) {
    let res = reqwest::get(app.url("/login")).await.unwrap();
    let h = res.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.contains_key("x-request-id"));
    let html = res.text().await.unwrap();
    // No external request of any kind: municipal networks have no internet.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    let css = reqwest::get(app.url("/assets/kasane.css")).await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    let css = css.text().await.unwrap();
    assert!(css.contains("@media print") && !css.contains("url(http"));
    let (status, html) = app.get_text(&app.client(), "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("見つかりません"));
}

async fn pillar_pages_render_for_every_pillar(app: TestApp) {
    let client = app.login("daisen.community").await;
    for (path, title, expected) in [
        ("/consultation", "相談支援", "高齢者包括支援センター"),
        ("/collaboration", "多機関協働", "大仙市社会福祉協議会"),
        ("/outreach", "アウトリーチ", "実施計画"),
        ("/participation", "参加支援", "実施計画"),
        ("/community", "地域づくり", "47団体"),
        ("/statistics", "統計・計画", "くらしサポート協議会"),
    ] {
        let (status, html) = app.get_text(&client, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{path}");
        assert!(html.contains(expected), "{path} lacks {expected}");
        assert!(
            html.contains("aria-current=\"page\""),
            "{path} marks its nav entry"
        );
    }
}

async fn healthz_reports_database(app: TestApp) {
    let res = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ok");
}

/// Both engines' migrations produce the same tables and columns.
#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let Some((sqlite_url, _dir, _)) = fresh_database(Engine::Sqlite).await else {
        return;
    };
    let Some((pg_url, _, _pg)) = fresh_database(Engine::Postgres).await else {
        return;
    };
    let sqlite = Store::open(&sqlite_url, crate::common::audit_key())
        .await
        .unwrap()
        .schema_columns()
        .await
        .unwrap();
    let pg = Store::open(&pg_url, crate::common::audit_key())
        .await
        .unwrap()
        .schema_columns()
        .await
        .unwrap();
    assert!(sqlite.len() > 40, "schema introspection found the tables");
    assert_eq!(sqlite, pg);
    // Every table with municipal data carries the tenant key.
    let tables: std::collections::BTreeSet<&str> = sqlite.iter().map(|(t, _)| t.as_str()).collect();
    for table in tables {
        let has_tenant = sqlite
            .iter()
            .any(|(t, c)| t == table && c == "municipality_id");
        let tenant_root = table == "municipality" || table == "audit_chain";
        // The bulk loader's dropped index definitions and the version of the stored 名寄せ
        // keys: schema, no municipal data.
        let schema_only = matches!(table, "bulk_dropped_index" | "person_key_version");
        assert!(
            has_tenant || tenant_root || schema_only,
            "{table} lacks municipality_id"
        );
    }
}
