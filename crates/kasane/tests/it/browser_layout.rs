//! Every main page in a real browser (headless Chromium over WebDriver), logged in as the
//! demo's coordinator: no horizontal overflow at 768 px (a tablet) on any of them, reflow at
//! 320 px (WCAG 1.4.10) on the person, case, plan and intake pages, and axe-core (the npm
//! package, injected by the test only — nothing is shipped) with no critical or serious
//! violation. Also the tab stops of a routine new-person intake, typed by keyboard only.
//! Screenshots: `target/screenshots/layout-*.png` (and `/work/screenshots/` when it exists).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::common::browser::{browser, fill, goto, login, wait_for_title};
use crate::common::{Engine, TestApp, skip, spawn_app};
use fantoccini::Client;
use fantoccini::key::Key;

/// A page to check: its path and whether it must also reflow at 320 px.
struct MainPage {
    path: String,
    narrow: bool,
}

/// The main pages with an id, found as links on the pages crawled: how the path looks
/// (`#` is an id) and whether it must reflow at 320 px.
const PATTERNS: [(&str, bool); 18] = [
    ("/persons/#", true),
    ("/households/#", false),
    ("/intakes/#", true),
    ("/referrals/#", false),
    ("/support-logs/#", false),
    ("/cases/#", true),
    ("/cases/#/support-plans/new", true),
    ("/support-plans/#", true),
    ("/cases/#/consents/new", false),
    ("/cases/#/assessment/versions", false),
    ("/meetings/#", false),
    ("/meetings/#/print", false),
    ("/support-plans/#/print", false),
    ("/agencies/#", false),
    ("/persons/#/edit", true),
    ("/match-reviews/#", false),
    ("/outreach/#", true),
    ("/outreach/#/attempts/new", true),
];

/// The pages reached without an id, in the order they are crawled for links.
const SEEDS: [(&str, bool); 13] = [
    ("/", false),
    ("/worklist/monitoring", false),
    ("/consultation", false),
    ("/persons", false),
    ("/persons?q=%E7%A5%9E%E5%B2%A1", false),
    ("/intakes/new", true),
    ("/collaboration", false),
    ("/meetings", false),
    ("/municipality", false),
    ("/outreach", true),
    ("/outreach/schedule", false),
    ("/worklist/outreach", false),
    ("/statistics", false),
];

fn matches(pattern: &str, path: &str) -> bool {
    let (p, s): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == s.len()
        && p.iter().zip(&s).all(|(p, s)| match *p {
            "#" => !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
            _ => p == s,
        })
}

/// Every link on the current page (paths only).
async fn links(client: &Client) -> Vec<String> {
    let v = client
        .execute(
            "return Array.from(document.querySelectorAll('a[href^=\"/\"]')).map(a => a.getAttribute('href').split('#')[0]);",
            Vec::new(),
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// The seeds, then the first link found for each pattern (crawling as it goes).
async fn main_pages(client: &Client, app: &TestApp) -> Vec<MainPage> {
    let mut pages: Vec<MainPage> = SEEDS
        .iter()
        .map(|(p, narrow)| MainPage {
            path: p.to_string(),
            narrow: *narrow,
        })
        .collect();
    let mut i = 0;
    while i < pages.len() {
        goto(client, app, &pages[i].path).await;
        for link in links(client).await {
            // Every case's plan list: not every case has a plan.
            let plans = format!("{link}/support-plans");
            if matches("/cases/#", &link) && !pages.iter().any(|p| p.path == plans) {
                pages.push(MainPage {
                    path: plans,
                    narrow: false,
                });
            }
            for (pattern, narrow) in PATTERNS {
                let known = pages.iter().any(|p| matches(pattern, &p.path));
                if !known && matches(pattern, &link) {
                    pages.push(MainPage {
                        path: link.clone(),
                        narrow,
                    });
                }
            }
        }
        i += 1;
    }
    for (pattern, _) in PATTERNS {
        assert!(
            pages.iter().any(|p| matches(pattern, &p.path)),
            "no page like {pattern} found in the demo"
        );
    }
    // The person pickers with their results: a household's new member, the 名寄せ link.
    for pattern in ["/households/#", "/persons/#"] {
        if let Some(p) = pages.iter().find(|p| matches(pattern, &p.path)) {
            let picked = MainPage {
                path: format!("{}?pick_q=%E7%A5%9E%E5%B2%A1", p.path),
                narrow: p.narrow,
            };
            pages.push(picked);
        }
    }
    pages
}

/// Sets the viewport's width (the height stays that of a tablet held upright).
async fn set_width(client: &Client, width: u32) {
    client.set_window_size(width, 1000).await.unwrap();
    let inner = client
        .execute("return window.innerWidth;", Vec::new())
        .await
        .unwrap();
    assert_eq!(
        inner.as_u64(),
        Some(u64::from(width)),
        "the window is {width} px wide"
    );
}

/// `scrollWidth - innerWidth` (positive: the page scrolls sideways) and the widest
/// element sticking out, to say what overflows.
async fn overflow(client: &Client) -> (i64, String) {
    let v = client
        .execute(
            r#"const w = window.innerWidth;
               let worst = '', right = w;
               for (const el of document.querySelectorAll('body *')) {
                 const r = el.getBoundingClientRect().right;
                 if (r > right) { right = r; worst = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + (el.textContent || '').trim().slice(0, 30); }
               }
               return [document.documentElement.scrollWidth - w, worst];"#,
            Vec::new(),
        )
        .await
        .unwrap();
    (
        v[0].as_i64().unwrap_or(0),
        v[1].as_str().unwrap_or("").to_string(),
    )
}

/// axe-core's `axe.min.js`: `KASANE_AXE`, or where `.ci/run` installs it
/// (`npm install --prefix target/axe axe-core`).
fn axe_source() -> Option<String> {
    let path = std::env::var_os("KASANE_AXE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/axe/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(src) => Some(src),
        Err(e) => {
            skip(
                "axe-core",
                &format!(
                    "{}: {e} (npm install --prefix target/axe axe-core)",
                    path.display()
                ),
            );
            None
        }
    }
}

/// axe-core's violations on the current page: (impact, rule id, first target, count).
async fn axe(client: &Client, src: &str) -> Vec<(String, String, String, u64)> {
    client
        .execute(&format!("{src}\n;return true;"), Vec::new())
        .await
        .unwrap();
    let v = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations.map(v =>
                 [v.impact || 'none', v.id, JSON.stringify(v.nodes[0] && v.nodes[0].target), v.nodes.length])));"#,
            Vec::new(),
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

fn screenshots_to() -> Vec<PathBuf> {
    let mut dirs = vec![crate::common::browser::screenshot_dir()];
    let shared = PathBuf::from("/work/screenshots");
    if shared.is_dir() {
        dirs.push(shared);
    }
    dirs
}

async fn save_screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    for dir in screenshots_to() {
        std::fs::write(dir.join(name), &png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_pages_fit_tablets_and_phones_and_pass_axe() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let axe_src = axe_source();
    let app = spawn_app(Engine::Sqlite).await.unwrap();

    // The login page (before login) is a page too.
    set_width(&client, 768).await;
    goto(&client, &app, "/login").await;
    let mut problems = Vec::new();
    let mut by_impact: BTreeMap<String, u64> = BTreeMap::new();
    let mut checked = 1;
    if let Some(src) = &axe_src {
        for (impact, id, target, n) in axe(&client, src).await {
            *by_impact.entry(impact.clone()).or_default() += n;
            if impact == "critical" || impact == "serious" {
                problems.push(format!("/login: axe {impact} {id} ×{n} at {target}"));
            }
        }
    }
    login(&client, &app, "daisen.coordinator").await;
    let pages = main_pages(&client, &app).await;
    for page in &pages {
        for width in [768, 320] {
            if width == 320 && !page.narrow {
                continue;
            }
            set_width(&client, width).await;
            goto(&client, &app, &page.path).await;
            let (over, worst) = overflow(&client).await;
            if over > 0 {
                problems.push(format!(
                    "{} at {width} px: {over} px too wide ({worst})",
                    page.path
                ));
            }
        }
        set_width(&client, 768).await;
        goto(&client, &app, &page.path).await;
        checked += 1;
        if let Some(src) = &axe_src {
            for (impact, id, target, n) in axe(&client, src).await {
                *by_impact.entry(impact.clone()).or_default() += n;
                if impact == "critical" || impact == "serious" {
                    problems.push(format!("{}: axe {impact} {id} ×{n} at {target}", page.path));
                }
            }
        }
    }
    eprintln!(
        "layout: {checked} pages at 768 px, {} also at 320 px; axe violations by impact: {by_impact:?}",
        pages.iter().filter(|p| p.narrow).count()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The screenshots the issue asks for, looked at by a person.
    set_width(&client, 1366).await;
    goto(&client, &app, "/consultation").await;
    save_screenshot(&client, "consultation-1366.png").await;
    set_width(&client, 768).await;
    // A case with a plan: its goals, roles and next monitoring come first.
    let mut with_plan = None;
    for plans in pages
        .iter()
        .filter_map(|p| p.path.strip_suffix("/support-plans"))
    {
        goto(&client, &app, plans).await;
        let first = client
            .execute(
                "const s = document.querySelector('main section.card'); return s && s.id === 'plan' && !!s.querySelector('dl');",
                Vec::new(),
            )
            .await
            .unwrap();
        if first == serde_json::json!(true) {
            with_plan = Some(plans);
            break;
        }
    }
    assert!(with_plan.is_some(), "no case page starts with its plan");
    save_screenshot(&client, "case-768.png").await;
    goto(&client, &app, "/intakes/new").await;
    save_screenshot(&client, "intake-form-768.png").await;
    // The 名寄せ確認依頼 as the coordinator sees it: both records' identity fields only.
    let review = pages
        .iter()
        .find(|p| matches("/match-reviews/#", &p.path))
        .expect("a 名寄せ確認依頼 on the coordinator's worklist");
    set_width(&client, 1366).await;
    goto(&client, &app, &review.path).await;
    save_screenshot(&client, "match-review-coordinator-1366.png").await;
}

/// Sends keys to whatever has the focus.
async fn press(client: &Client, keys: &str) {
    client
        .active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

/// The focused element: its `name` (or its text, for the button) and its `value`.
async fn focused(client: &Client) -> (String, String) {
    let v = client
        .execute(
            "const e = document.activeElement; return [e.name || e.textContent.trim(), e.value || ''];",
            Vec::new(),
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// A routine new-person intake by keyboard only: 氏名, フリガナ, 生年月日, 電話, 相談経路,
/// two 課題 with one ◎, the summary, consent, the outcome, then 「記録する」. Counts the Tab
/// presses from the first field to the button (arrow keys and Space within a field or
/// group are not tab stops).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routine_intake_takes_at_most_30_tab_stops() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    login(&client, &app, "daisen.houkatsu").await;
    goto(&client, &app, "/intakes/new").await;
    wait_for_title(&client, "相談を受け付ける").await;
    fill(&client, "input[name=name]", "").await; // focus the first field
    let tick = ["isolation", "care"];
    let mut tabs = 0;
    loop {
        let (name, value) = focused(&client).await;
        match name.as_str() {
            "name" => press(&client, "小町 ハル").await,
            "furigana" => press(&client, "コマチ ハル").await,
            "birth_date" => press(&client, "S22.5.3").await,
            "phone" => press(&client, "0187-00-0503").await,
            "channel" => press(&client, &Key::Down).await, // 来所 → 電話
            "issues" | "concerns" => {
                // The checklist: down the rows, Space on the two 課題.
                let mut ticked = 0;
                for _ in 0..40 {
                    let (_, value) = focused(&client).await;
                    if tick.contains(&value.as_str()) {
                        press(&client, " ").await;
                        ticked += 1;
                        if ticked == tick.len() {
                            break;
                        }
                    }
                    press(&client, &Key::Down).await;
                }
                assert_eq!(ticked, tick.len(), "both 課題 ticked by keyboard");
            }
            "most_pressing" => {
                // ◎ moves among the ticked rows only: one press from 社会的孤立 to 介護.
                if value != "issue-care" {
                    press(&client, &Key::Down).await;
                }
                press(&client, " ").await;
                let main = client
                    .execute(
                        "const e = document.activeElement; return [e.value, e.checked];",
                        Vec::new(),
                    )
                    .await
                    .unwrap();
                assert_eq!(main, serde_json::json!(["issue-care", true]));
            }
            "consent_to_share" => press(&client, " ").await,
            "summary" => {
                press(
                    &client,
                    "夫の介護で外出できず、近所付き合いも途絶えたと来所。",
                )
                .await
            }
            "記録する" => break,
            _ => {}
        }
        press(&client, &Key::Tab).await;
        tabs += 1;
        assert!(tabs < 80, "「記録する」 never reached by Tab");
    }
    eprintln!("a routine new-person intake: {tabs} tab stops to 「記録する」");
    assert!(tabs <= 30, "{tabs} tab stops to 「記録する」");
    press(&client, &Key::Enter).await;
    crate::common::browser::wait_xpath(
        &client,
        "//h1[normalize-space()='小町 ハル'] | //section[contains(@class, 'alert')]",
    )
    .await;
    let h1 = crate::common::browser::text_of(&client, "h1").await;
    assert_eq!(
        h1,
        "小町 ハル",
        "{}",
        crate::common::browser::body_text(&client).await
    );
    let text = crate::common::browser::body_text(&client).await;
    assert!(text.contains("電話"), "{text}");
    // ◎ 介護, 社会的孤立 also ticked: shown on the intake's record.
    let intake = links(&client)
        .await
        .into_iter()
        .find(|l| matches("/intakes/#", l))
        .unwrap();
    goto(&client, &app, &intake).await;
    let text = crate::common::browser::body_text(&client).await;
    assert!(text.contains("◎介護"), "{text}");
    assert!(text.contains("地域との関係"), "{text}");
}
