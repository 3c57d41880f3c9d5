//! 職員管理 by the municipality's admin, on both engines, through the pages and the API:
//! adding staff (Japanese field errors in field order, the password policy, a one-time
//! password), changing roles and agency, disabling (sessions and tokens stop at once) and
//! enabling, resetting a password (sessions end), listing and revoking tokens — each
//! audited; destructive page actions need their confirmation; only the admin of the same
//! municipality may (staff / coordinator / auditor 403, another municipality's user 404).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestApp, hidden_csrf, location};

both_engines!(
    the_admin_adds_changes_disables_and_resets_staff,
    only_the_municipalitys_admin_manages_its_staff,
);

/// The audit reasons recorded on user `id`, oldest first.
async fn audited(app: &TestApp, id: i64) -> Vec<String> {
    let m = app.store.municipality_by_code("daisen").await.unwrap().id;
    let (entries, _) = app
        .store
        .audit_entries(&kasane_store::audit::AuditFilter {
            municipality_id: m,
            object_type: Some("user".into()),
            object_id: Some(id.to_string()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut reasons: Vec<String> = entries
        .iter()
        .filter(|e| e.action != "view")
        .map(|e| e.reason.clone())
        .collect();
    reasons.reverse();
    reasons
}

async fn the_admin_adds_changes_disables_and_resets_staff(app: TestApp) {
    let admin = app.token("daisen.admin").await;
    let houkatsu = app.agency_id("daisen", "houkatsu").await;
    let kikan = app.agency_id("daisen", "kikan_sodan").await;

    // Every problem at once, in field order, in Japanese; nothing added.
    let (status, v) = app
        .api_send(
            &admin,
            Method::POST,
            "/api/v1/staff",
            Some(
                json!({ "username": "a b", "display_name": "", "agency_id": null,
                         "roles": ["boss"], "password": "short" }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let errors: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e.split(':').next().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["ユーザー名", "表示名", "所属機関", "役割", "初期パスワード"],
        "{errors:?}"
    );
    assert!(
        errors[4].contains("12文字以上"),
        "the domain's policy: {errors:?}"
    );

    // Added with a one-time password, which logs in.
    let (status, v) = app
        .api_send(
            &admin,
            Method::POST,
            "/api/v1/staff",
            Some(
                json!({ "username": "Daisen.New", "display_name": "新任 職員",
                         "agency_id": houkatsu, "roles": ["staff"] }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let initial = v["initial_password"].as_str().unwrap().to_string();
    assert_eq!(initial.chars().count(), 20);
    let res = app.post_login(&app.client(), "daisen.new", &initial).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the initial password logs in"
    );
    let (status, _) = app
        .api_send(
            &admin,
            Method::POST,
            "/api/v1/staff",
            Some(json!({ "username": "daisen.new", "display_name": "二人目",
                         "agency_id": houkatsu, "roles": ["staff"],
                         "password": "another long password" })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a username in use");

    // The list shows them, a page at a time (50 a page), and only this municipality's.
    let m = app.store.municipality_by_code("daisen").await.unwrap().id;
    for n in 0..60 {
        let username =
            kasane_domain::identity::Username::parse(&format!("zz.filler{n:02}")).unwrap();
        let display_name = kasane_domain::identity::DisplayName::parse("頁 送り").unwrap();
        let roles = kasane_domain::identity::Roles::new([kasane_domain::identity::Role::Staff]);
        app.store
            .create_user(kasane_store::user::NewUser {
                municipality_id: m,
                agency_id: houkatsu,
                username: &username,
                display_name: &display_name,
                password_hash: "not a hash",
                roles: &roles,
            })
            .await
            .unwrap();
    }
    let total = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM app_user WHERE municipality_id = {m}"
        ))
        .await;
    let (status, v) = app
        .api_send(&admin, Method::GET, "/api/v1/staff", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let listed = v["items"].as_array().unwrap();
    assert_eq!((listed.len(), v["has_more"].clone()), (50, json!(true)));
    assert!(listed.iter().any(|u| u["username"] == "daisen.new"));
    assert!(listed.iter().all(|u| u.get("password_hash").is_none()));
    assert!(
        listed
            .iter()
            .all(|u| !u["username"].as_str().unwrap().starts_with("yuzawa."))
    );
    let (_, v) = app
        .api_send(&admin, Method::GET, "/api/v1/staff?page=2", None)
        .await;
    let rest = v["items"].as_array().unwrap().len() as i64;
    assert_eq!((rest, v["has_more"].clone()), (total - 50, json!(false)));
    let (status, _) = app
        .api_send(&admin, Method::GET, "/api/v1/staff?page=0", None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = app.login("daisen.admin").await;
    let (status, html) = app.get_text(&page, "/staff").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/staff?page=2\""), "{html}");
    assert!(
        html.contains("daisen.new") && html.contains("新任 職員"),
        "{html}"
    );
    assert!(
        html.contains("href=\"/staff\""),
        "in the admin's navigation"
    );

    // Roles and agency changed through the page; an empty role list is refused there.
    let csrf = app.page_csrf(&page, &format!("/staff/{id}")).await;
    let res = app
        .post_form(
            &page,
            &format!("/staff/{id}"),
            &csrf,
            &[
                ("display_name", "新任 職員"),
                ("agency_id", &kikan.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("役割: 役割を1つ以上選んでください"), "{html}");
    let res = app
        .post_form(
            &page,
            &format!("/staff/{id}"),
            &csrf,
            &[
                ("display_name", "新任 職員"),
                ("agency_id", &kikan.to_string()),
                ("roles", "staff"),
                ("roles", "coordinator"),
            ],
        )
        .await;
    assert_eq!(location(&res), format!("/staff/{id}?saved=1"));
    let (_, html) = app.get_text(&page, &format!("/staff/{id}?saved=1")).await;
    assert!(html.contains("記録しました。"), "{html}");
    let user = app.user("daisen.new").await;
    assert_eq!(user.agency_id, kikan);
    assert_eq!(user.roles, "coordinator,staff");

    // Disabling needs its confirmation; then the user's session and token stop at once.
    let victim = app.client();
    let res = app.post_login(&victim, "daisen.new", &initial).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let token = app.token("daisen.new").await;
    assert_eq!(
        app.api_get(&token, "/api/v1/me").await.status(),
        StatusCode::OK
    );
    let res = app
        .post_form(&page, &format!("/staff/{id}/disable"), &csrf, &[("", "")])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not confirmed"
    );
    assert!(!app.user("daisen.new").await.disabled);
    let res = app
        .post_form(
            &page,
            &format!("/staff/{id}/disable"),
            &csrf,
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(location(&res), format!("/staff/{id}?saved=1"));
    assert!(app.user("daisen.new").await.disabled);
    assert_eq!(
        app.api_get(&token, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "the token stopped"
    );
    let res = victim.get(app.url("/")).send().await.unwrap();
    assert!(location(&res).starts_with("/login"), "the session stopped");
    let res = app.post_login(&app.client(), "daisen.new", &initial).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "no login while disabled"
    );
    let res = app
        .post_form(&page, &format!("/staff/{id}/enable"), &csrf, &[("", "")])
        .await;
    assert_eq!(location(&res), format!("/staff/{id}?saved=1"));
    assert!(!app.user("daisen.new").await.disabled);
    // The admin cannot disable themselves.
    let me = app.user("daisen.admin").await.id;
    let (status, _) = app
        .api_send(
            &admin,
            Method::POST,
            &format!("/api/v1/staff/{me}/disable"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A password reset ends the sessions; the one-time password is shown once.
    let res = app.post_login(&victim, "daisen.new", &initial).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .post_form(
            &page,
            &format!("/staff/{id}/password"),
            &csrf,
            &[("password", ""), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("記録しました。") && html.contains("この画面でのみ表示します"));
    let marker = "<code class=\"password\">";
    let start = html.find(marker).unwrap() + marker.len();
    let reset = html[start..].split('<').next().unwrap().to_string();
    assert_eq!(reset.chars().count(), 20);
    let res = victim.get(app.url("/")).send().await.unwrap();
    assert!(location(&res).starts_with("/login"), "the session ended");
    let res = app.post_login(&app.client(), "daisen.new", &initial).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    let res = app.post_login(&app.client(), "daisen.new", &reset).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the new one works");
    let (status, v) = app
        .api_send(
            &admin,
            Method::POST,
            &format!("/api/v1/staff/{id}/password"),
            Some(json!({ "password": "too short" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // Tokens with their ids; revoked through the page (confirmed), then 409 again.
    let token = app.token("daisen.new").await;
    let (status, v) = app
        .api_send(
            &admin,
            Method::GET,
            &format!("/api/v1/staff/{id}/tokens"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let live: Vec<&Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["revoked_at"].is_null())
        .collect();
    assert_eq!(live.len(), 1, "{v}");
    let token_id = live[0]["id"].as_i64().unwrap();
    let (_, html) = app.get_text(&page, &format!("/staff/{id}")).await;
    assert!(html.contains(&format!("/staff/{id}/tokens/{token_id}/revoke")));
    let csrf = hidden_csrf(&html);
    let revoke = format!("/staff/{id}/tokens/{token_id}/revoke");
    let res = app.post_form(&page, &revoke, &csrf, &[("", "")]).await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not confirmed"
    );
    assert_eq!(
        app.api_get(&token, "/api/v1/me").await.status(),
        StatusCode::OK
    );
    let res = app
        .post_form(&page, &revoke, &csrf, &[("confirm", "yes")])
        .await;
    assert_eq!(location(&res), format!("/staff/{id}?saved=1"));
    assert_eq!(
        app.api_get(&token, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .api_send(&admin, Method::POST, &format!("/api/v1{revoke}"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "already revoked");

    // Each change audited, with what changed.
    assert_eq!(
        audited(&app, id).await,
        [
            "add roles=staff",
            "change agency,roles",
            "disable",
            "enable",
            "password_reset",
            &format!("token_revoke {token_id}"),
        ]
    );
}

async fn only_the_municipalitys_admin_manages_its_staff(app: TestApp) {
    let ours = app.user("daisen.houkatsu").await.id;
    let theirs = app.user("yuzawa.kodomo").await.id;
    for name in ["daisen.houkatsu", "daisen.coordinator", "daisen.auditor"] {
        let token = app.token(name).await;
        for path in [
            "/api/v1/staff".to_string(),
            format!("/api/v1/staff/{ours}"),
            format!("/api/v1/staff/{ours}/tokens"),
        ] {
            let (status, _) = app.api_send(&token, Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{name} {path}");
        }
        let (status, _) = app
            .api_send(
                &token,
                Method::POST,
                &format!("/api/v1/staff/{ours}/disable"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let page = app.login(name).await;
        let (status, html) = app.get_text(&page, "/staff").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        assert!(
            html.contains("ユーザー管理はシステム管理者のみが行えます"),
            "{html}"
        );
        let (_, home) = app.get_text(&page, "/").await;
        assert!(
            !home.contains("href=\"/staff\""),
            "{name}: not in the navigation"
        );
    }
    assert!(!app.user("daisen.houkatsu").await.disabled);
    // Another municipality's user is answered like a missing one, whoever asks.
    let yuzawa_admin = app.token("yuzawa.admin").await;
    for (token, id) in [
        (&yuzawa_admin, ours),
        (&app.token("daisen.admin").await, theirs),
    ] {
        for path in [
            format!("/api/v1/staff/{id}"),
            format!("/api/v1/staff/{id}/tokens"),
        ] {
            let (status, _) = app.api_send(token, Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (status, _) = app
            .api_send(
                token,
                Method::POST,
                &format!("/api/v1/staff/{id}/disable"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app
            .api_send(
                token,
                Method::PUT,
                &format!("/api/v1/staff/{id}"),
                Some(json!({ "display_name": "乗っ取り", "agency_id": 1, "roles": ["admin"] })),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _) = app
        .api_send(&yuzawa_admin, Method::GET, "/api/v1/staff/999999", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!app.user("daisen.houkatsu").await.disabled);
    assert!(!app.user("yuzawa.kodomo").await.disabled);
    // The page too.
    let page = app.login("yuzawa.admin").await;
    let (status, _) = app.get_text(&page, &format!("/staff/{ours}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor can an admin add to another municipality's agency.
    let theirs_agency = app.agency_id("daisen", "houkatsu").await;
    let (status, v) = app
        .api_send(
            &yuzawa_admin,
            Method::POST,
            "/api/v1/staff",
            Some(
                json!({ "username": "yuzawa.intruder", "display_name": "越境",
                         "agency_id": theirs_agency, "roles": ["staff"] }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

/// In Chromium: the admin adds a member of staff through the form (a field error first,
/// the form shown again with what was typed), reads the one-time password once, and
/// disables them — the browser itself holds the button until the confirmation is ticked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_manages_staff_in_the_browser() {
    use crate::common::browser::{
        Field, assert_all, body_text, browser, click, fill_form, screenshot_full, text_of,
        wait_css, wait_for_title,
    };
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = crate::common::spawn_app(crate::common::Engine::Sqlite)
        .await
        .unwrap();
    let houkatsu = app.agency_id("daisen", "houkatsu").await;
    // The admin's home has no worklist; log in through the form and open 職員管理.
    client.goto(&app.url("/login")).await.unwrap();
    crate::common::browser::fill(&client, "#username", "daisen.admin").await;
    crate::common::browser::fill(&client, "#password", crate::common::PASSWORD).await;
    click(&client, "form.login button[type=submit]").await;
    wait_css(&client, "nav.pillars a[href='/staff']").await;
    click(&client, "nav.pillars a[href='/staff']").await;
    wait_for_title(&client, "職員管理").await;
    screenshot_full(&client, "staff-list.png").await;
    click(&client, "a[href='/staff/new']").await;
    wait_for_title(&client, "職員を追加").await;
    fill_form(
        &client,
        &[
            Field::Text("username", "daisen.browser"),
            Field::Text("display_name", "画面 太郎"),
            Field::Select("agency_id", &houkatsu.to_string()),
            Field::Tick("roles", "staff"),
            Field::Text("password", "short"),
        ],
    )
    .await;
    click(&client, "form.stack button[type=submit]").await;
    wait_css(&client, "ul.errors").await;
    assert_all(
        &text_of(&client, "ul.errors").await,
        &["初期パスワード: パスワードは12文字以上で入力してください"],
    );
    // What was typed is still there (the password aside).
    let kept = client
        .find(fantoccini::Locator::Css("input[name=display_name]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("画面 太郎"));
    click(&client, "form.stack button[type=submit]").await;
    wait_css(&client, "code.password").await;
    assert_all(
        &body_text(&client).await,
        &["記録しました。", "この画面でのみ表示します"],
    );
    let password = text_of(&client, "code.password").await;
    assert_eq!(password.chars().count(), 20);
    click(&client, "a[href^='/staff/']").await;
    wait_css(&client, "form[action$='/disable']").await;
    screenshot_full(&client, "staff-member.png").await;
    // Unticked, the browser does not send the disable.
    click(&client, "form[action$='/disable'] button").await;
    assert!(!app.user("daisen.browser").await.disabled);
    click(&client, "form[action$='/disable'] input[name=confirm]").await;
    click(&client, "form[action$='/disable'] button").await;
    wait_css(&client, "form[action$='/enable']").await;
    assert_all(&body_text(&client).await, &["記録しました。", "無効"]);
    assert!(app.user("daisen.browser").await.disabled);
}
