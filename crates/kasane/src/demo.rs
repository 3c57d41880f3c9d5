//! The demo: both seed municipalities (大仙市, 湯沢市) and clearly fictional staff accounts.
//! Also what the integration tests load, so the demo is exercised on every test run.

use anyhow::{Result, bail};
use kasane_domain::identity::{DisplayName, NewPassword, Roles, Username};
use kasane_domain::municipality::parse_config;
use kasane_store::Store;
use kasane_store::user::NewUser;

/// Written in the current directory, as the README promises.
pub const DEFAULT_DEMO_DATABASE: &str = "sqlite://kasane-demo.db";
/// Every demo account's password. Printed at start; never use the demo for real data.
pub const DEMO_PASSWORD: &str = "kasane-demo-2026";

/// The shipped municipality configurations, built from the seed documents.
pub const MUNICIPALITIES: [(&str, &str); 2] = [
    (
        "daisen",
        include_str!("../../../data/municipalities/daisen.toml"),
    ),
    (
        "yuzawa",
        include_str!("../../../data/municipalities/yuzawa.toml"),
    ),
];

/// (username, display name, municipality, agency code, roles). Names are fictional.
const USERS: [(&str, &str, &str, &str, &str); 12] = [
    (
        "daisen.admin",
        "大仙 管理者",
        "daisen",
        "shakai_fukushi_ka",
        "admin",
    ),
    (
        "daisen.coordinator",
        "佐々木 美穂",
        "daisen",
        "shakyo",
        "coordinator,staff",
    ),
    (
        "daisen.houkatsu",
        "高橋 健一",
        "daisen",
        "houkatsu",
        "staff",
    ),
    (
        "daisen.kikan",
        "伊藤 由美",
        "daisen",
        "kikan_sodan",
        "staff",
    ),
    (
        "daisen.community",
        "小松 直樹",
        "daisen",
        "shakyo",
        "community_worker",
    ),
    (
        "daisen.auditor",
        "藤原 智子",
        "daisen",
        "shakai_fukushi_ka",
        "auditor",
    ),
    (
        "yuzawa.admin",
        "湯沢 管理者",
        "yuzawa",
        "chiiki_fukushi",
        "admin",
    ),
    (
        "yuzawa.coordinator",
        "菅原 亮",
        "yuzawa",
        "chiiki_fukushi",
        "coordinator,staff",
    ),
    (
        "yuzawa.houkatsu",
        "阿部 恵子",
        "yuzawa",
        "houkatsu",
        "staff",
    ),
    (
        "yuzawa.kikan",
        "齋藤 大輔",
        "yuzawa",
        "kikan_sodan",
        "staff",
    ),
    (
        "yuzawa.kodomo",
        "佐藤 綾",
        "yuzawa",
        "kodomo_katei",
        "staff",
    ),
    (
        "yuzawa.auditor",
        "加藤 誠",
        "yuzawa",
        "chiiki_fukushi",
        "auditor",
    ),
];

#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub display_name: String,
    pub municipality: String,
    pub agency: String,
    pub roles: String,
}

/// Opens `url` as an empty database: a SQLite file is recreated; a PostgreSQL database
/// must be empty (the demo never deletes data it did not create).
pub async fn fresh_store(url: &str) -> Result<Store> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
        .filter(|p| !p.is_empty() && !p.starts_with(":memory:"))
    {
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{path}{suffix}");
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => bail!("{file} を削除できません: {e}"),
            }
        }
    }
    let store = Store::open(url).await?;
    if !store.municipalities().await?.is_empty() {
        bail!("デモは空のデータベースにのみ作成できます(既にデータがあります)");
    }
    Ok(store)
}

/// Imports both municipalities and the demo accounts.
pub async fn load(store: &Store) -> Result<Vec<DemoLogin>> {
    for (_, source) in MUNICIPALITIES {
        let cfg = parse_config(source)?;
        store.import_municipality(&cfg, source).await?;
    }
    // One hash for all: the accounts share a password, and hashing is the slow part.
    let hash = NewPassword::parse(DEMO_PASSWORD)?.hash()?;
    let mut logins = Vec::with_capacity(USERS.len());
    for (username, display_name, municipality, agency, roles) in USERS {
        let m = store.municipality_by_code(municipality).await?;
        let a = store.agency_by_code(m.id, agency).await?;
        let roles_parsed: Roles = roles.parse()?;
        store
            .create_user(NewUser {
                municipality_id: m.id,
                agency_id: a.id,
                username: &Username::parse(username)?,
                display_name: &DisplayName::parse(display_name)?,
                password_hash: &hash,
                roles: &roles_parsed,
            })
            .await?;
        logins.push(DemoLogin {
            username: username.to_string(),
            display_name: display_name.to_string(),
            municipality: m.name,
            agency: a.name,
            roles: roles_parsed
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("・"),
        });
    }
    Ok(logins)
}

pub fn print_logins(logins: &[DemoLogin]) {
    println!("デモ用ログイン(パスワードはすべて {DEMO_PASSWORD}):");
    for l in logins {
        println!(
            "  {:<20} {} / {} / {}({})",
            l.username, l.municipality, l.agency, l.display_name, l.roles
        );
    }
}
