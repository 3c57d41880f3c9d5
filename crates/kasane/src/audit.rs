//! The audit key and checkpoints on the operator's side of the database.
//!
//! The key comes from `KASANE_AUDIT_KEY` (64 hex digits), else from the key file
//! (`--audit-key-file`, `KASANE_AUDIT_KEY_FILE`, `audit_key_file` in kasane.toml, else
//! `kasane-audit.key` in the working directory), which is generated on first start. It is
//! never in the database: whoever can rewrite the database without it cannot rehash the
//! chain. Checkpoints — every chain's head, signed — are what the operator keeps to
//! notice a chain cut back to an earlier genuine head or deleted whole.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, TimeDelta, Utc};
use kasane_domain::audit::{AuditKey, Checkpoint};
use kasane_store::Store;
use rand::RngCore;

pub const DEFAULT_KEY_FILE: &str = "kasane-audit.key";
const KEY_ENV: &str = "KASANE_AUDIT_KEY";

/// The key: from the environment, else the file, generating the file if it is absent.
pub fn load_key(file: &Path) -> Result<AuditKey> {
    if let Ok(hex) = std::env::var(KEY_ENV) {
        return AuditKey::parse_hex(&hex).with_context(|| format!("{KEY_ENV} が正しくありません"));
    }
    match std::fs::read_to_string(file) {
        Ok(text) => AuditKey::parse_hex(&text)
            .with_context(|| format!("監査ログの鍵ファイル {} が正しくありません", file.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => generate_key(file),
        Err(e) => bail!("監査ログの鍵ファイル {} を読めません: {e}", file.display()),
    }
}

fn generate_key(file: &Path) -> Result<AuditKey> {
    let mut bytes = [0u8; AuditKey::LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let key = AuditKey::from_bytes(bytes);
    let mut options = std::fs::OpenOptions::new();
    // create_new: of two processes starting at once, one writes and the other reads its key.
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = match options.open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return load_key(file),
        Err(e) => bail!(
            "監査ログの鍵ファイル {} を作成できません: {e}",
            file.display()
        ),
    };
    writeln!(f, "{}", key.to_hex())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("監査ログの鍵ファイル {} に書き込めません", file.display()))?;
    let shown = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    eprintln!(
        "監査ログの鍵を生成しました: {}\n  データベースとは別の場所で保管し、バックアップしてください(失うと監査ログを検証できません)。",
        shown.display()
    );
    Ok(key)
}

/// A signed checkpoint of every chain head, after verifying every chain: a checkpoint
/// must not vouch for a chain that is already broken.
pub async fn checkpoint(store: &Store) -> Result<Checkpoint> {
    if let Err(b) = store.verify_audit(None).await? {
        bail!("{b}(チェックポイントは作成しませんでした)");
    }
    match store.audit_checkpoint().await? {
        Ok(c) => Ok(c),
        Err(b) => bail!("{b}"),
    }
}

/// The file of `day`'s checkpoint in `dir`.
pub fn daily_file(dir: &Path, day: NaiveDate) -> PathBuf {
    dir.join(format!("audit-checkpoint-{}.json", day.format("%Y%m%d")))
}

/// Writes today's checkpoint (the day in Japan) into `dir` unless it is there, then looks
/// again every hour. Failures are logged and retried; serving goes on.
pub async fn write_daily(store: Store, dir: PathBuf) {
    loop {
        let today = (Utc::now() + TimeDelta::hours(9)).date_naive();
        let file = daily_file(&dir, today);
        if !file.exists() {
            match write_checkpoint(&store, &file).await {
                Ok(()) => tracing::info!(file = %file.display(), "audit checkpoint written"),
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "audit checkpoint failed")
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

async fn write_checkpoint(store: &Store, file: &Path) -> Result<()> {
    let text = match store.audit_checkpoint().await? {
        Ok(c) => c.to_json(),
        Err(b) => bail!("{b}"),
    };
    // Written beside and renamed, so that a crash never leaves half a checkpoint.
    let partial = file.with_extension("json.partial");
    std::fs::write(&partial, text + "\n")?;
    std::fs::rename(&partial, file)?;
    Ok(())
}

/// Reads and checks the signature of a checkpoint file.
pub fn read_checkpoint(key: &AuditKey, file: &Path) -> Result<Checkpoint> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("チェックポイント {} を読めません", file.display()))?;
    Checkpoint::open(key, &text).with_context(|| format!("チェックポイント {}", file.display()))
}
