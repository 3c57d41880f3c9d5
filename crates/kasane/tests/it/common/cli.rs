//! The `kasane` binary as an operator runs it, for the CLI tests (`cli.rs`, `import.rs`):
//! each test is a plain `fn(&str)` given a fresh database URL, run on both engines by
//! [`cli_both!`](crate::cli_both).

use std::process::{Command, Output};

use super::{AUDIT_KEY_HEX, Engine, fresh_database};

/// The municipality configurations shipped in `data/municipalities/`.
pub const DAISEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/municipalities/daisen.toml"
);
pub const YUZAWA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/municipalities/yuzawa.toml"
);

/// `kasane ARGS` with nothing taken from the environment (no database URL, no
/// configuration file), the tests' audit key and quiet logs.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kasane"));
    command
        .args(args)
        .env_remove("KASANE_DATABASE_URL")
        .env_remove("KASANE_CONFIG")
        .env_remove("KASANE_AUDIT_KEY_FILE")
        .env("KASANE_AUDIT_KEY", AUDIT_KEY_HEX)
        .env("KASANE_LOG", "error");
    command
}

/// Runs `kasane ARGS` against database `db`.
pub fn kasane(args: &[&str], db: &str) -> Output {
    command(args)
        .env("KASANE_DATABASE_URL", db)
        .output()
        .expect("run kasane")
}

/// Runs `kasane ARGS` with no database given but what `ARGS` say (`--help`, `--database`).
pub fn kasane_without_database(args: &[&str]) -> Output {
    command(args).output().expect("run kasane")
}

/// stdout and stderr, as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `test` with the URL of a fresh database of `engine` (nothing when skipped).
pub async fn run(engine: Engine, test: fn(&str)) {
    let Some((url, _dir, _pg)) = fresh_database(engine).await else {
        return;
    };
    // The binary runs its own runtime; keep it off this test's worker threads.
    tokio::task::spawn_blocking(move || test(&url))
        .await
        .unwrap();
}

/// Generates `<name>::sqlite` and `<name>::postgres` from one `fn name(db: &str)`.
#[macro_export]
macro_rules! cli_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::cli::run($crate::common::Engine::Sqlite, super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::cli::run($crate::common::Engine::Postgres, super::$name).await
            }
        }
    )*};
}
