//! A real browser (Debian's Chromium, headless, driven over WebDriver by chromedriver)
//! logs in through the login form. Screenshots go to `target/screenshots/`.

use crate::common::browser::{browser, screenshot_dir};
use crate::common::{Engine, PASSWORD, spawn_app};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_logs_in_through_the_form_and_sees_their_municipality() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let shots = screenshot_dir();

    client.goto(&app.url("/login")).await.unwrap();
    std::fs::write(shots.join("login.png"), client.screenshot().await.unwrap()).unwrap();
    client
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("daisen.houkatsu")
        .await
        .unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    client
        .find(Locator::Css("form.login button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("section.card #worklist"))
        .await
        .unwrap();

    let body = client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("大仙市"), "{body}");
    assert!(body.contains("高齢者包括支援センター"));
    assert!(
        body.contains("刈和野 トメさん"),
        "the demo's つなぎ waits: {body}"
    );
    assert!(!body.contains("湯沢"));
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a real PNG");
    std::fs::write(shots.join("home.png"), png).unwrap();

    client
        .find(Locator::LinkText("自治体情報"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::XPath("//h1[text()='自治体情報']"))
        .await
        .unwrap();
    let body = client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("「つながる・ささえる」ネットワーク会議"));
    std::fs::write(
        shots.join("municipality.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();

    client
        .find(Locator::Css("form.logout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("form.login"))
        .await
        .unwrap();
    client.close().await.unwrap();
}
