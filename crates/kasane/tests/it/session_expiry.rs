//! Session expiry without loss (both engines, and a real browser): a page or a form sent
//! after the session ended goes to the login page with the reason and the page to come
//! back to (`next`, a path of this site only: no open redirect); after the login the
//! worker is back there; 「延長する」 touches the session; and in Chromium a long intake
//! typed before an expiry is given back in the form after the login, then recorded.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, StatusCode, redirect};

use crate::common::browser::{
    Field, assert_all, body_text, browser, click, fill_form, goto, login, wait_css, wait_for_title,
};
use crate::common::{Engine, PASSWORD, TestApp, hidden_csrf, location, spawn_app, spawn_app_with};

both_engines!(
    an_expired_form_post_comes_back_to_its_page,
    next_is_a_path_of_this_site_only,
    the_login_page_says_why,
    extend_starts_the_idle_limit_again,
);

/// A client whose cookies the test can add to (the script's form-page cookie).
fn client_with(jar: &Arc<reqwest::cookie::Jar>) -> Client {
    Client::builder()
        .cookie_provider(jar.clone())
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// Ages every session as if its worker had walked away `minutes` ago (last use), or had
/// logged in that long ago (`created_at` too).
async fn age_sessions(app: &TestApp, column: &str, minutes: i64) {
    let past = (chrono::Utc::now() - chrono::TimeDelta::minutes(minutes)).to_rfc3339();
    let both = if column == "created_at" {
        format!("created_at = '{past}', last_seen_at = '{past}'")
    } else {
        format!("{column} = '{past}'")
    };
    app.raw_sql(&format!("UPDATE user_session SET {both}"))
        .await;
}

async fn an_expired_form_post_comes_back_to_its_page(app: TestApp) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = client_with(&jar);
    let res = app.post_login(&client, "daisen.houkatsu", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let csrf = app.page_csrf(&client, "/intakes/new").await;
    let intakes_before = app.scalar("SELECT COUNT(*) FROM intake").await;
    age_sessions(&app, "last_seen_at", 45).await;
    // What the script does on submit: names the form's page.
    let base: reqwest::Url = app.base.parse().unwrap();
    jar.add_cookie_str("kasane_form_page=/intakes/new; Path=/", &base);
    let res = app
        .post_form(
            &client,
            "/intakes/new",
            &csrf,
            &[("name", "期限 切子"), ("summary", "長い電話相談の記録。")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert_eq!(to, "/login?reason=idle&next=%2Fintakes%2Fnew");
    assert!(
        !to.contains("summary") && !to.contains("%E6"),
        "no field in the URL"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM intake").await,
        intakes_before,
        "nothing recorded without a login"
    );
    let (status, html) = app.get_text(&client, &to).await;
    assert_eq!(status, StatusCode::OK);
    assert_all(
        &html,
        &[
            "一定時間(30分)操作がなかったため、ログアウトしました",
            "name=\"next\" value=\"/intakes/new\"",
            "ログインすると、元の画面に戻ります",
        ],
    );
    // Logging in again goes back to the form's page.
    let csrf = hidden_csrf(&html);
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", "daisen.houkatsu"),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("next", "/intakes/new"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/intakes/new");
    assert_eq!(
        app.get_text(&client, "/intakes/new").await.0,
        StatusCode::OK
    );

    // A page opened after the expiry comes back to itself (its path, never its query).
    age_sessions(&app, "last_seen_at", 45).await;
    let res = client
        .get(app.url("/persons?name=%E4%BD%90%E8%97%A4"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login?reason=idle&next=%2Fpersons");
}

async fn login_to(app: &TestApp, next: &str) -> String {
    let client = app.client();
    let csrf = app.login_csrf(&client).await;
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", "daisen.houkatsu"),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("next", next),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next}");
    location(&res)
}

async fn next_is_a_path_of_this_site_only(app: TestApp) {
    assert_eq!(login_to(&app, "/persons/12/edit").await, "/persons/12/edit");
    for refused in [
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/intakes/new",
        "http:/evil.example",
        "evil.example",
        "/intakes/new?name=佐藤",
        "/%2F%2Fevil.example",
        "/login",
        "",
    ] {
        assert_eq!(login_to(&app, refused).await, "/", "{refused}");
    }
    // Nor does the login page carry one into its form.
    let (_, html) = app
        .get_text(&app.client(), "/login?next=%2F%2Fevil.example%2F")
        .await;
    assert!(!html.contains("name=\"next\""), "{html}");
    assert!(!html.contains("evil.example"), "{html}");
}

async fn reason_after(app: &TestApp, client: &Client) -> String {
    let res = client.get(app.url("/")).send().await.unwrap();
    let to = location(&res);
    app.get_text(client, &to).await.1
}

async fn the_login_page_says_why(app: TestApp) {
    // Idle expiry.
    let client = app.login("daisen.houkatsu").await;
    age_sessions(&app, "last_seen_at", 31).await;
    let html = reason_after(&app, &client).await;
    assert!(
        html.contains("一定時間(30分)操作がなかったため、ログアウトしました"),
        "{html}"
    );
    // Absolute expiry: logged in eleven hours ago, though used a minute ago.
    let client = app.login("daisen.houkatsu").await;
    age_sessions(&app, "created_at", 11 * 60).await;
    app.raw_sql(&format!(
        "UPDATE user_session SET last_seen_at = '{}'",
        (chrono::Utc::now() - chrono::TimeDelta::minutes(1)).to_rfc3339()
    ))
    .await;
    let html = reason_after(&app, &client).await;
    assert!(
        html.contains("ログインしてから10時間が経ったため、ログアウトしました"),
        "{html}"
    );
    // Logged out.
    let client = app.login("daisen.houkatsu").await;
    let csrf = app.page_csrf(&client, "/").await;
    let res = app.post_form(&client, "/logout", &csrf, &[("", "")]).await;
    assert_eq!(location(&res), "/login?reason=logout");
    let (_, html) = app.get_text(&client, "/login?reason=logout").await;
    assert!(html.contains("ログアウトしました。"), "{html}");
    // Ended elsewhere (the account disabled): the cookie finds no session.
    let client = app.login("daisen.houkatsu").await;
    app.raw_sql("DELETE FROM user_session").await;
    let html = reason_after(&app, &client).await;
    assert!(html.contains("ログインの有効期間が終わりました"), "{html}");
    // A first visit says nothing of the kind.
    let html = reason_after(&app, &app.client()).await;
    assert!(!html.contains("ログアウトしました") && !html.contains("有効期間"));
}

async fn extend_starts_the_idle_limit_again(app: TestApp) {
    let client = app.login("daisen.houkatsu").await;
    let (_, home) = app.get_text(&client, "/").await;
    assert!(
        home.contains("data-session-expires-in=\""),
        "the page tells the script"
    );
    assert!(home.contains("data-session-extendable=\"true\""));
    age_sessions(&app, "last_seen_at", 20).await;
    let csrf = hidden_csrf(&home);
    // Without the CSRF token: refused, and the session is not touched.
    let res = app
        .post_form(&client, "/session/extend", "forged", &[("", "")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post_form(&client, "/session/extend", &csrf, &[("", "")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let times: serde_json::Value = res.json().await.unwrap();
    let expires_in = times["expires_in"].as_i64().unwrap();
    assert!((1790..=1800).contains(&expires_in), "{times}");
    assert_eq!(times["warn_in"].as_i64().unwrap(), expires_in - 300);
    assert_eq!(times["extendable"], true);
    let idle = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM user_session WHERE last_seen_at > '{}'",
            (chrono::Utc::now() - chrono::TimeDelta::minutes(1)).to_rfc3339()
        ))
        .await;
    assert_eq!(idle, 1, "the session was touched");
    // Once the session has expired, extending it is a login again.
    age_sessions(&app, "last_seen_at", 45).await;
    let res = app
        .post_form(&client, "/session/extend", &csrf, &[("", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// The value of the form field `css` in the browser.
async fn value(client: &fantoccini::Client, css: &str) -> String {
    client
        .find(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn checked(client: &fantoccini::Client, css: &str) -> bool {
    client
        .find(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("checked")
        .await
        .unwrap()
        .is_some_and(|v| v == "true")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intake_typed_before_an_expiry_is_given_back_after_the_login() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    login(&client, &app, "daisen.houkatsu").await;
    goto(&client, &app, "/intakes/new").await;
    wait_for_title(&client, "相談を受け付ける").await;
    let summary = "電話で長く話を聞いた。母(80代)の物忘れが進み、同居の長男(50代)は就労しておらず、\
                   家計も苦しい。近所づきあいはほとんどない。来週、自宅を訪問する約束をした。";
    fill_form(
        &client,
        &[
            Field::Text("name", "期限 保子"),
            Field::Text("furigana", "キゲン ヤスコ"),
            Field::Text("birth_date", "S20.4.1"),
            Field::Select("sex", "female"),
            Field::Text("phone", "0187-00-0401"),
            Field::Select("district", "omagari"),
            Field::Select("channel", "phone"),
            Field::Tick("issues", "care"),
            Field::Tick("issues", "isolation"),
            // Two 課題 of different 標準様式 items: the form asks for one ◎.
            Field::Tick("most_pressing", "issue-care"),
            Field::Tick("consent_to_share", "yes"),
            Field::Area("summary", summary),
            Field::Select("outcome", "handled"),
        ],
    )
    .await;
    // The worker is on the phone for longer than the idle limit.
    age_sessions(&app, "last_seen_at", 45).await;
    click(&client, "form.intake button[type=submit]").await;
    wait_css(&client, "form.login").await;
    let body = body_text(&client).await;
    assert_all(
        &body,
        &[
            "一定時間(30分)操作がなかったため、ログアウトしました",
            "この端末に一時保存しています",
        ],
    );
    let url = client.current_url().await.unwrap();
    assert_eq!(url.path(), "/login");
    assert!(
        !url.as_str().contains("%E6%9C%9F"),
        "no name in the URL: {url}"
    );
    crate::common::browser::screenshot(&client, "session-expired-login.png").await;

    // Logging in again goes back to the form, with everything typed.
    crate::common::browser::fill(&client, "#username", "daisen.houkatsu").await;
    crate::common::browser::fill(&client, "#password", PASSWORD).await;
    click(&client, "form.login button[type=submit]").await;
    wait_css(&client, ".notice.kept").await;
    assert_eq!(client.current_url().await.unwrap().path(), "/intakes/new");
    assert_all(
        &body_text(&client).await,
        &["ログインの前に入力した内容を戻しました。確認してから記録してください"],
    );
    assert_eq!(value(&client, "input[name=name]").await, "期限 保子");
    assert_eq!(
        value(&client, "input[name=furigana]").await,
        "キゲン ヤスコ"
    );
    assert_eq!(value(&client, "input[name=birth_date]").await, "S20.4.1");
    assert_eq!(value(&client, "select[name=sex]").await, "female");
    assert_eq!(value(&client, "select[name=channel]").await, "phone");
    assert_eq!(value(&client, "select[name=outcome]").await, "handled");
    assert_eq!(value(&client, "textarea[name=summary]").await, summary);
    assert!(checked(&client, "input[name=issues][value=care]").await);
    assert!(checked(&client, "input[name=issues][value=isolation]").await);
    assert!(!checked(&client, "input[name=issues][value=debt]").await);
    assert!(checked(&client, "input[name=consent_to_share][value=yes]").await);
    crate::common::browser::screenshot_full(&client, "session-expired-restored.png").await;

    // Recorded from the restored form; the kept copy is gone.
    let before = app.scalar("SELECT COUNT(*) FROM intake").await;
    click(&client, "form.intake button[type=submit]").await;
    wait_for_title(&client, "期限 保子").await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM intake").await, before + 1);
    let summaries = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM intake WHERE summary = '{}'",
            summary
        ))
        .await;
    assert_eq!(
        summaries, 1,
        "the intake holds what was typed before the expiry"
    );
    let kept = client
        .execute("return sessionStorage.length;", Vec::new())
        .await
        .unwrap();
    assert_eq!(kept, serde_json::json!(0), "no copy left in the tab");
    goto(&client, &app, "/intakes/new").await;
    wait_for_title(&client, "相談を受け付ける").await;
    assert_eq!(value(&client, "input[name=name]").await, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warning_before_expiry_offers_to_extend() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    // A short idle limit: the warning comes a quarter of it ahead.
    let settings = kasane_web::WebSettings {
        session_idle: Duration::from_secs(16),
        ..kasane_web::WebSettings::default()
    };
    let app = spawn_app_with(Engine::Sqlite, settings).await.unwrap();
    login(&client, &app, "daisen.houkatsu").await;
    goto(&client, &app, "/intakes/new").await;
    wait_css(&client, ".session-warning button.extend").await;
    assert_all(
        &body_text(&client).await,
        &["まもなくログインの有効期限が切れます", "延長する"],
    );
    crate::common::browser::screenshot(&client, "session-warning.png").await;
    let before = app
        .text("SELECT CAST(last_seen_at AS TEXT) FROM user_session")
        .await;
    click(&client, ".session-warning button.extend").await;
    for _ in 0..50 {
        let gone = client
            .execute(
                "return document.querySelector('.session-warning') === null;",
                Vec::new(),
            )
            .await
            .unwrap();
        if gone == serde_json::json!(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = app
        .text("SELECT CAST(last_seen_at AS TEXT) FROM user_session")
        .await;
    assert_ne!(before, after, "延長する touched the session");
    let shown = client
        .execute(
            "return document.querySelector('.session-warning') === null;",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(shown, serde_json::json!(true), "the warning went away");
    // Still logged in past the first limit.
    goto(&client, &app, "/").await;
    wait_css(&client, "section.card #worklist").await;
}
