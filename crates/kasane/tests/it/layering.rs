//! The layering, read from the source (`use` lines and calls), so that it cannot erode
//! unnoticed:
//! - pages and the JSON API never import each other;
//! - `kasane-app` names neither axum nor maud (nor any HTTP crate);
//! - only `kasane-app`'s guard calls `access::decide`, and only `kasane-app` appends to the
//!   audit log;
//! - a capability builds only on those before it: consultation < collaboration < outreach <
//!   participation < community < reporting, in the application layer and in the pages.

use std::path::{Path, PathBuf};

/// The capabilities in the order they build on each other.
const CAPABILITIES: [&str; 6] = [
    "consultation",
    "collaboration",
    "outreach",
    "participation",
    "community",
    "reporting",
];

/// Page modules by capability (the pages are flat: one module per area).
const PAGE_CAPABILITY: &[(&str, &str)] = &[
    ("persons", "consultation"),
    ("households", "consultation"),
    ("intakes", "consultation"),
    ("referrals", "consultation"),
    ("support_logs", "consultation"),
    ("timeline", "consultation"),
    ("cases", "collaboration"),
    ("consents", "collaboration"),
    ("meetings", "collaboration"),
    ("support_plans", "collaboration"),
    ("outreach", "outreach"),
];

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {}", dir.display());
    out
}

/// The lines of `text` that mention `needle` outside comments.
fn code_lines<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .filter(|l| l.contains(needle))
        .collect()
}

fn assert_none(violations: Vec<String>, rule: &str) {
    assert!(violations.is_empty(), "{rule}:\n{}", violations.join("\n"));
}

#[test]
fn pages_and_the_api_never_import_each_other() {
    let web = crates_dir().join("kasane-web/src");
    let mut violations = Vec::new();
    for (dir, other) in [("pages", "crate::api"), ("api", "crate::pages")] {
        for (path, text) in sources(&web.join(dir)) {
            for line in code_lines(&text, other) {
                violations.push(format!("{}: {}", path.display(), line.trim()));
            }
        }
    }
    assert_none(violations, "pages and the API import each other");
}

#[test]
fn the_application_layer_knows_no_http() {
    let app = crates_dir().join("kasane-app");
    let manifest = std::fs::read_to_string(app.join("Cargo.toml")).unwrap();
    let mut violations = Vec::new();
    for name in ["axum", "maud", "tower", "hyper", "http"] {
        for line in manifest.lines() {
            if line.trim_start().starts_with(&format!("{name} "))
                || line.trim_start().starts_with(&format!("{name}."))
                || line.trim_start().starts_with(&format!("{name}-"))
            {
                violations.push(format!("Cargo.toml: {line}"));
            }
        }
    }
    for (path, text) in sources(&app.join("src")) {
        for needle in ["axum", "maud", "http::"] {
            for line in code_lines(&text, needle) {
                violations.push(format!("{}: {}", path.display(), line.trim()));
            }
        }
    }
    assert_none(violations, "kasane-app names an HTTP or HTML crate");
}

#[test]
fn only_the_application_decides_and_audits() {
    let root = crates_dir();
    // Where each is defined, and the one place allowed to call it.
    let rules: [(&str, &[&str]); 2] = [
        (
            "decide(",
            &["kasane-domain/src/access.rs", "kasane-app/src/guard.rs"],
        ),
        (
            "append_audit(",
            &[
                "kasane-store/src/audit.rs",
                "kasane-app/src/guard.rs",
                // Login and its failures: there is no caller yet to audit through the guard.
                "kasane-app/src/admin/session.rs",
            ],
        ),
    ];
    let mut violations = Vec::new();
    for krate in [
        "kasane-domain",
        "kasane-store",
        "kasane-app",
        "kasane-web",
        "kasane",
    ] {
        for (path, text) in sources(&root.join(krate).join("src")) {
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            for (call, allowed) in &rules {
                if allowed.contains(&rel.as_str()) {
                    continue;
                }
                for line in text.lines().filter(|l| l.contains(call)) {
                    violations.push(format!("{rel}: {}", line.trim()));
                }
            }
        }
    }
    assert_none(
        violations,
        "access::decide or the audit append reached outside kasane-app's guard",
    );
}

/// The capability a module of the application layer belongs to, from its path.
fn app_capability(rel: &Path) -> Option<&'static str> {
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs");
    CAPABILITIES.iter().copied().find(|c| *c == name)
}

#[test]
fn capabilities_build_only_on_those_before_them() {
    let root = crates_dir();
    let mut violations = Vec::new();
    let app = root.join("kasane-app/src");
    for (path, text) in sources(&app) {
        let Some(cap) = app_capability(path.strip_prefix(&app).unwrap()) else {
            continue;
        };
        let rank = CAPABILITIES.iter().position(|c| *c == cap).unwrap();
        for later in &CAPABILITIES[rank + 1..] {
            for needle in [format!("crate::{later}"), format!("kasane_app::{later}")] {
                for line in code_lines(&text, &needle) {
                    violations.push(format!("{} ({cap}): {}", path.display(), line.trim()));
                }
            }
        }
    }
    let pages = root.join("kasane-web/src/pages");
    let rank_of = |cap: &str| CAPABILITIES.iter().position(|c| *c == cap).unwrap();
    for (module, cap) in PAGE_CAPABILITY {
        let path = pages.join(format!("{module}.rs"));
        let text = std::fs::read_to_string(&path).unwrap();
        for (other, other_cap) in PAGE_CAPABILITY {
            if rank_of(other_cap) > rank_of(cap) {
                for line in code_lines(&text, &format!("pages::{other}")) {
                    violations.push(format!("{} ({cap}): {}", path.display(), line.trim()));
                }
            }
        }
    }
    assert_none(
        violations,
        "a capability imports one that comes after it (compose through pages/sections.rs or kasane-app's worklist)",
    );
}
