//! Where settings come from: a flag, else its environment variable (both handled by
//! clap), else the config file, else the default.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use kasane_domain::municipality::line_column;
use kasane_web::WebSettings;
use serde::Deserialize;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE: &str = "sqlite://kasane.db";

/// `kasane.toml` (or the file named by `--config` / `KASANE_CONFIG`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub session_idle_minutes: Option<u64>,
    pub session_absolute_hours: Option<u64>,
    pub secure_cookies: Option<bool>,
    pub audit_key_file: Option<std::path::PathBuf>,
    pub audit_checkpoint_dir: Option<std::path::PathBuf>,
}

impl ConfigFile {
    pub fn load(path: Option<&Path>) -> Result<ConfigFile> {
        let Some(path) = path else {
            return Ok(ConfigFile::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("設定ファイル {} を読めません", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            let (line, col) = e
                .span()
                .map(|s| line_column(&text, s.start))
                .unwrap_or((0, 0));
            anyhow::anyhow!(
                "設定ファイル {} の{line}行目 {col}列目: {}",
                path.display(),
                e.message()
            )
        })
    }

    pub fn web(&self, secure_flag: bool) -> WebSettings {
        let d = WebSettings::default();
        WebSettings {
            session_idle: self
                .session_idle_minutes
                .map_or(d.session_idle, |m| Duration::from_secs(m * 60)),
            session_absolute: self
                .session_absolute_hours
                .map_or(d.session_absolute, |h| Duration::from_secs(h * 3600)),
            secure_cookies: secure_flag || self.secure_cookies.unwrap_or(false),
        }
    }
}
