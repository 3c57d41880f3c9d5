//! The server under test: `kasane serve` as its own process on a free port, its cold start
//! (spawn → first `/healthz` 200) and its memory from /proc.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use reqwest::Client;

/// A running `kasane serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub cold_start: Duration,
}

/// A port nobody listens on now (the server binds it right after; a race is unlikely on
/// a bench machine and answered by a clear error).
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl Server {
    pub async fn start(
        kasane: &Path,
        database: &str,
        log: &Path,
        client: &Client,
    ) -> Result<Server> {
        let bind = format!("127.0.0.1:{}", free_port()?);
        Server::spawn(kasane, database, &bind, log, client).await
    }

    /// Kills the server and starts it again on the same address: what ends a query a
    /// timed-out request left running (on SQLite it holds the write lock every request
    /// takes, so nothing after it would be measured).
    pub async fn restart(
        &mut self,
        kasane: &Path,
        database: &str,
        log: &Path,
        client: &Client,
    ) -> Result<()> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let bind = self.base.trim_start_matches("http://").to_string();
        *self = Server::spawn(kasane, database, &bind, log, client).await?;
        Ok(())
    }

    async fn spawn(
        kasane: &Path,
        database: &str,
        bind: &str,
        log: &Path,
        client: &Client,
    ) -> Result<Server> {
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("cannot open {}", log.display()))?;
        let err = out.try_clone()?;
        let started = Instant::now();
        let child = Command::new(kasane)
            .args(["serve", "--database", database, "--bind", bind])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("cannot start {}", kasane.display()))?;
        let mut server = Server {
            child,
            base: format!("http://{bind}"),
            cold_start: Duration::ZERO,
        };
        let url = format!("{}/healthz", server.base);
        loop {
            let answer = client.get(&url).send().await;
            if answer.is_ok_and(|res| res.status().is_success()) {
                break;
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("kasane serve exited ({status}); see {}", log.display());
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!(
                    "kasane serve not healthy after 120 s; see {}",
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        server.cold_start = started.elapsed();
        Ok(server)
    }

    /// (VmRSS, VmHWM) in kB.
    pub fn memory(&self) -> Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .with_context(|| format!("no {name} in /proc/<pid>/status"))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
