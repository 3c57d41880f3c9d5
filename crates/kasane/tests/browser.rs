//! A real browser (Debian's Chromium, headless, driven over WebDriver by chromedriver)
//! logs in through the login form. Screenshots go to `target/screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Engine, PASSWORD, skip, spawn_app};
use fantoccini::{Client, ClientBuilder, Locator};

/// chromedriver, killed when the test ends however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_binary(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    std::env::var_os(env)
        .map(PathBuf::from)
        .into_iter()
        .chain(candidates.iter().map(PathBuf::from))
        .find(|p| p.is_file())
}

pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts chromedriver and a headless Chromium session, or says why not.
async fn browser() -> Option<(Driver, Client)> {
    let Some(driver_bin) = find_binary("KASANE_CHROMEDRIVER", &["/usr/bin/chromedriver"]) else {
        skip(
            "chromedriver",
            "not installed (apt-get install chromium-driver)",
        );
        return None;
    };
    let Some(chromium) = find_binary(
        "KASANE_CHROMIUM",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    ) else {
        skip("Chromium", "not installed (apt-get install chromium)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                     "--lang=ja-JP"]
        }
    }))
    .unwrap();
    // chromedriver takes a moment to listen; readiness is polled, a bounded number of times.
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Some((driver, client)),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not accept a session");
}

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
    assert!(body.contains("現在、対応が必要な項目はありません"));
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
