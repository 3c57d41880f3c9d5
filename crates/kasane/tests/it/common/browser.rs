//! A real browser for the tests: Debian's Chromium, headless, driven over WebDriver by
//! chromedriver. Skipped loudly when either is missing (a failure under `KASANE_STRICT=1`).
//! Screenshots go to `target/screenshots/`. Only this module knows about fantoccini.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use super::{PASSWORD, TestApp, skip};

/// chromedriver, killed when the test ends however it ends.
pub struct Driver(Child);

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

pub const WINDOW: (u32, u32) = (1280, 900);

/// Starts chromedriver and a headless Chromium session, or says why not.
pub async fn browser() -> Option<(Driver, Client)> {
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
                     "--disable-component-update", "--disable-sync",
                     format!("--window-size={},{}", WINDOW.0, WINDOW.1),
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

/// Saves the visible window as `name` (a real PNG) under `target/screenshots/`.
pub async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a real PNG");
    std::fs::write(screenshot_dir().join(name), png).unwrap();
}

/// Saves the whole page (the window is stretched to the page's height for the shot; the
/// browser frame's own height is added so that no strip at the bottom is cut off).
pub async fn screenshot_full(client: &Client, name: &str) {
    let height = client
        .execute(
            "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight;",
            Vec::new(),
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(u64::from(WINDOW.1));
    let height = u32::try_from(height)
        .unwrap_or(WINDOW.1)
        .clamp(WINDOW.1, 4000);
    client.set_window_size(WINDOW.0, height).await.unwrap();
    screenshot(client, name).await;
    client.set_window_size(WINDOW.0, WINDOW.1).await.unwrap();
}

/// A4 at 96 dpi: 210 mm wide; the stylesheet's `@page` margin is 15 mm.
pub const A4_WIDTH_PX: u32 = 794;
pub const A4_HEIGHT_PX: u32 = 1123;

/// A number computed by `js` on the page.
pub async fn js_u32(client: &Client, js: &str) -> u32 {
    let v = client.execute(js, Vec::new()).await.unwrap();
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or_else(|| panic!("{js}: {v}"))
}

/// Renders the current page as it prints: the stylesheet's `@media print` rules are
/// applied to the screen, the window is one A4 sheet wide with the `@page` margin, and
/// the whole length is saved as `name`. Also checks what print must hide is hidden.
pub async fn screenshot_print(client: &Client, name: &str) {
    client
        .execute(
            r"for (const sheet of document.styleSheets) {
                for (const rule of sheet.cssRules) {
                    if (rule instanceof CSSMediaRule && rule.media.mediaText.includes('print')) {
                        rule.media.appendMedium('screen');
                    }
                }
              }
              document.documentElement.style.padding = '15mm';
              document.documentElement.style.background = '#fff';",
            Vec::new(),
        )
        .await
        .unwrap();
    let hidden = client
        .execute(
            r"const shown = (css) => [...document.querySelectorAll(css)]
                  .filter((e) => e.getClientRects().length > 0).map((e) => css);
              return [...shown('header.site'), ...shown('nav.pillars'), ...shown('footer.site'),
                      ...shown('.noprint'), ...shown('form'), ...shown('button')];",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        hidden,
        serde_json::json!([]),
        "{name}: navigation, forms and buttons must not print"
    );
    client
        .set_window_size(A4_WIDTH_PX, A4_HEIGHT_PX)
        .await
        .unwrap();
    // The window's size includes the browser's own frame: the page gets what is left.
    let height = js_u32(client, "return document.documentElement.scrollHeight;").await;
    let frame = js_u32(client, "return window.outerHeight - window.innerHeight;").await;
    let height = height.clamp(A4_HEIGHT_PX, 6000) + frame;
    client.set_window_size(A4_WIDTH_PX, height).await.unwrap();
    let inner = client
        .execute("return window.innerWidth;", Vec::new())
        .await
        .unwrap();
    assert_eq!(inner, serde_json::json!(A4_WIDTH_PX), "{name}: A4 width");
    screenshot(client, name).await;
    client.set_window_size(WINDOW.0, WINDOW.1).await.unwrap();
}

/// One input of a form, by its `name`.
pub enum Field<'a> {
    /// `<input name=…>`: typed.
    Text(&'a str, &'a str),
    /// `<textarea name=…>`: typed.
    Area(&'a str, &'a str),
    /// `<select name=…>`: the option with this value.
    Select(&'a str, &'a str),
    /// The checkbox or radio button `name` with this value (`""`: the one named so).
    Tick(&'a str, &'a str),
}

/// Fills a form as a worker would, field by field, in the order given (opening a folded
/// `<details>` section that holds a field, as the worker would).
pub async fn fill_form(client: &Client, fields: &[Field<'_>]) {
    for field in fields {
        let (Field::Text(name, _)
        | Field::Area(name, _)
        | Field::Select(name, _)
        | Field::Tick(name, _)) = *field;
        client
            .execute(
                "for (const e of document.getElementsByName(arguments[0])) { const d = e.closest('details'); if (d) { d.open = true; } }",
                vec![serde_json::json!(name)],
            )
            .await
            .unwrap();
        match *field {
            Field::Text(name, text) => fill(client, &format!("input[name={name}]"), text).await,
            Field::Area(name, text) => fill(client, &format!("textarea[name={name}]"), text).await,
            Field::Select(name, value) => {
                choose(client, &format!("select[name={name}]"), value).await;
            }
            Field::Tick(name, "") => click(client, &format!("input[name={name}]")).await,
            Field::Tick(name, value) => {
                click(client, &format!("input[name={name}][value=\"{value}\"]")).await;
            }
        }
    }
}

/// The page's visible text.
pub async fn body_text(client: &Client) -> String {
    client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Types into the form field `css`.
pub async fn fill(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks the element `css`, scrolled to the middle of the window first (as a worker
/// scrolls: the sticky submit bar covers the bottom edge).
pub async fn click(client: &Client, css: &str) {
    let el = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    client
        .execute(
            "arguments[0].scrollIntoView({ block: 'center' });",
            vec![serde_json::to_value(&el).unwrap()],
        )
        .await
        .unwrap();
    el.click().await.unwrap();
}

/// Chooses the option with `value` in the select `css`.
pub async fn choose(client: &Client, css: &str, value: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap();
}

/// Logs in through the login form and waits for the home page's worklist.
pub async fn login(client: &Client, app: &TestApp, username: &str) {
    client.goto(&app.url("/login")).await.unwrap();
    fill(client, "#username", username).await;
    fill(client, "#password", PASSWORD).await;
    click(client, "form.login button[type=submit]").await;
    client
        .wait()
        .for_element(Locator::Css("section.card #worklist"))
        .await
        .unwrap();
}

/// Logs out with the button in the header and waits for the login form.
pub async fn logout(client: &Client) {
    click(client, "form.logout button").await;
    client
        .wait()
        .for_element(Locator::Css("form.login"))
        .await
        .unwrap();
}

/// Opens `path` of the app.
pub async fn goto(client: &Client, app: &TestApp, path: &str) {
    client.goto(&app.url(path)).await.unwrap();
}

/// The id after `prefix` in the current URL's path (`/cases/12` → 12).
pub async fn id_in_url(client: &Client, prefix: &str) -> i64 {
    let url = client.current_url().await.unwrap();
    let path = url.path();
    path.strip_prefix(prefix)
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a {prefix}… page: {path}"))
}

/// Waits for an element matching `css`.
pub async fn wait_css(client: &Client, css: &str) {
    client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

/// Waits for an element matching `xpath`.
pub async fn wait_xpath(client: &Client, xpath: &str) {
    client
        .wait()
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"));
}

/// Waits for a page whose `<h1>` is `title`.
pub async fn wait_for_title(client: &Client, title: &str) {
    client
        .wait()
        .for_element(Locator::XPath(&format!(
            "//h1[normalize-space()='{title}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("no page titled {title}: {e}"));
}

/// The visible text of the first element matching `css`.
pub async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The visible text of the first element matching `xpath`.
pub async fn text_of_xpath(client: &Client, xpath: &str) -> String {
    client
        .find(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Clicks the first element matching `xpath`.
pub async fn click_xpath(client: &Client, xpath: &str) {
    client
        .find(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Asserts that `haystack` contains every one of `expected`.
pub fn assert_all(haystack: &str, expected: &[&str]) {
    for e in expected {
        assert!(haystack.contains(e), "missing 「{e}」 in:\n{haystack}");
    }
}
