//! kasane-bench: the load generator behind `bench/run.sh`, and the few database chores the
//! script needs on either engine (fresh database, ANALYZE, drop, a persons CSV).
//!
//! `run` starts `kasane serve` on the prepared database, logs the bench users in, and
//! measures every endpoint of `plan.rs` at each concurrency (closed loop, warm-up first)
//! beside its two references: `GET /healthz` (the ceiling: HTTP and the runtime alone) and
//! the floor (the endpoint's store reads in this process, no HTTP). Not a test: nothing
//! here asserts a time.

mod db;
mod http;
mod load;
mod plan;
mod report;
mod server;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use kasane_domain::identity::verify_password;
use kasane_store::Store;

use crate::load::closed_loop;
use crate::plan::Ctx;
use crate::report::{Measured, Report};

#[derive(Parser)]
#[command(
    name = "kasane-bench",
    about = "kasane's load generator (see bench/run.sh)"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Drop and recreate the database (SQLite: remove the file)
    Reset { url: String },
    /// Drop the database (SQLite: remove the file)
    Drop { url: String },
    /// ANALYZE the database
    Analyze { url: String },
    /// Write a persons CSV for `kasane import persons` (the fallback when `kasane gen` is missing)
    PersonsCsv {
        #[arg(long)]
        persons: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve the database and measure every endpoint, its floor and the ceiling
    Run(Box<RunArgs>),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The release `kasane` binary
    #[arg(long)]
    kasane: PathBuf,
    #[arg(long)]
    database: String,
    /// The report's title
    #[arg(long)]
    title: String,
    /// The "sees many" user (staff of shakai_fukushi_ka)
    #[arg(long)]
    many: String,
    /// The "sees few" user (staff of usachan_hiroba)
    #[arg(long)]
    few: String,
    /// A coordinator of the coordinating agency (shakyo)
    #[arg(long)]
    coordinator: String,
    /// The bench users' password
    #[arg(long, env = "KASANE_BENCH_PASSWORD")]
    password: String,
    /// An API token of the "sees many" user
    #[arg(long, env = "KASANE_BENCH_TOKEN")]
    token: String,
    /// Seconds measured per cell
    #[arg(long, default_value_t = 3.0)]
    duration: f64,
    /// Seconds of warm-up before each cell
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    concurrency: Vec<usize>,
    /// Extra lines for the report's preamble (machine, data set)
    #[arg(long)]
    note: Vec<String>,
    /// Where the server's log goes
    #[arg(long)]
    log: PathBuf,
    /// The markdown report is written here (and printed)
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kasane-bench: no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(command(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kasane-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn command(cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::Reset { url } => db::reset_database(&url).await,
        Cmd::Drop { url } => db::drop_database(&url).await,
        Cmd::Analyze { url } => db::analyze(&url).await,
        Cmd::PersonsCsv { persons, seed, out } => persons_csv(persons, seed, &out),
        Cmd::Run(args) => run(*args).await,
    }
}

/// splitmix64: a fixed sequence per seed, so two runs import the same persons.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        // `from` is a non-empty constant table.
        &from[(self.next() % from.len() as u64) as usize]
    }
}

const SURNAMES: [(&str, &str); 24] = [
    ("佐藤", "サトウ"),
    ("高橋", "タカハシ"),
    ("佐々木", "ササキ"),
    ("鈴木", "スズキ"),
    ("伊藤", "イトウ"),
    ("工藤", "クドウ"),
    ("斉藤", "サイトウ"),
    ("齋藤", "サイトウ"),
    ("渡辺", "ワタナベ"),
    ("渡邉", "ワタナベ"),
    ("小松", "コマツ"),
    ("藤原", "フジワラ"),
    ("加藤", "カトウ"),
    ("阿部", "アベ"),
    ("菅原", "スガワラ"),
    ("田中", "タナカ"),
    ("進藤", "シンドウ"),
    ("柴田", "シバタ"),
    ("三浦", "ミウラ"),
    ("後藤", "ゴトウ"),
    ("石川", "イシカワ"),
    ("今野", "コンノ"),
    ("千葉", "チバ"),
    ("武田", "タケダ"),
];
const GIVEN: [(&str, &str); 20] = [
    ("幸子", "サチコ"),
    ("健一", "ケンイチ"),
    ("花子", "ハナコ"),
    ("誠", "マコト"),
    ("澄江", "スミエ"),
    ("翔太", "ショウタ"),
    ("陽菜", "ヒナ"),
    ("勝", "マサル"),
    ("美咲", "ミサキ"),
    ("和夫", "カズオ"),
    ("恵子", "ケイコ"),
    ("大翔", "ヒロト"),
    ("清", "キヨシ"),
    ("結衣", "ユイ"),
    ("博", "ヒロシ"),
    ("京子", "キョウコ"),
    ("蓮", "レン"),
    ("節子", "セツコ"),
    ("隆", "タカシ"),
    ("芽依", "メイ"),
];
const DISTRICTS: [(&str, &str); 8] = [
    ("omagari", "大曲"),
    ("kamioka", "神岡"),
    ("nishisenboku", "西仙北"),
    ("nakasen", "中仙"),
    ("kyowa", "協和"),
    ("nangai", "南外"),
    ("senboku", "仙北"),
    ("ota", "太田"),
];

/// A persons CSV of fictional residents of 大仙市 (UTF-8, the import's Japanese headers).
fn persons_csv(persons: usize, seed: u64, out: &PathBuf) -> Result<()> {
    let file =
        std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut w = std::io::BufWriter::new(file);
    writeln!(w, "氏名,フリガナ,生年月日,住所,地区,電話")?;
    let mut rng = Rng(seed);
    for _ in 0..persons {
        let (sn, sk) = rng.pick(&SURNAMES);
        let (gn, gk) = rng.pick(&GIVEN);
        let (code, place) = rng.pick(&DISTRICTS);
        let year = 1930 + rng.next() % 90;
        let month = 1 + rng.next() % 12;
        let day = 1 + rng.next() % 28;
        let phone = rng.next() % 1_000_000;
        writeln!(
            w,
            "{sn} {gn},{sk} {gk},{year}-{month:02}-{day:02},秋田県大仙市{place}{}-{},{code},0187-{:02}-{:04}",
            1 + rng.next() % 30,
            1 + rng.next() % 20,
            phone / 10_000,
            phone % 10_000
        )?;
    }
    w.flush()?;
    Ok(())
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

async fn run(args: RunArgs) -> Result<()> {
    if args.concurrency.is_empty() || args.concurrency.contains(&0) {
        bail!("--concurrency needs positive numbers");
    }
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let client = http::client()?;
    eprintln!("kasane-bench: starting kasane serve on {}", args.database);
    let mut server =
        server::Server::start(&args.kasane, &args.database, &args.log, &client).await?;
    let cold = server.cold_start;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (idle_rss, idle_hwm) = server.memory()?;

    // The bench's own store only reads (users, plans): it appends nothing to the audit
    // chain, so it needs no real key.
    let store = Store::connect(
        &args.database,
        kasane_domain::audit::AuditKey::from_bytes([0; kasane_domain::audit::AuditKey::LEN]),
    )
    .await?;
    let who = |name: String| {
        let (store, client, base, pw) = (
            store.clone(),
            client.clone(),
            server.base.clone(),
            args.password.clone(),
        );
        async move { Ctx::who(&store, &client, &base, &name, &pw).await }
    };
    let ctx = Ctx {
        client: client.clone(),
        base: Arc::from(server.base.as_str()),
        store: store.clone(),
        db: db::Db::open(&args.database).await?,
        password: args.password.clone(),
        token: args.token.clone(),
        many: who(args.many.clone()).await?,
        few: who(args.few.clone()).await?,
        coordinator: who(args.coordinator.clone()).await?,
    };
    let (rows, notes) = plan::rows(&ctx).await?;

    let (warmup, duration) = (secs(args.warmup), secs(args.duration));
    let mut measured = Vec::new();
    let mut restarts = 0;
    // The memory after the load, taken before a restart would reset it.
    let mut loaded = None;
    for row in rows {
        eprintln!("kasane-bench: {}", row.name);
        let started = Instant::now();
        let probe = match row.request.send(&ctx.client, &ctx.base).await {
            Ok((status, bytes)) if status == row.request.expect => Ok(bytes),
            Ok((status, _)) => Err(format!("a single request answered {status}")),
            Err(e) => Err(format!("a single request failed: {e:#}")),
        };
        let probe_time = started.elapsed();
        if probe_time >= http::REQUEST_TIMEOUT {
            eprintln!("kasane-bench:   timed out: restarting the server");
            if loaded.is_none() {
                loaded = Some(server.memory()?);
            }
            server
                .restart(&args.kasane, &args.database, &args.log, &client)
                .await?;
            ctx.db.cancel_others().await?;
            restarts += 1;
        }
        let mut m = Measured {
            name: row.name,
            probe,
            cells: Vec::new(),
            floor: Vec::new(),
            slow: None,
        };
        let endpoint = row.request.into_op(ctx.client.clone(), ctx.base.clone());
        if m.probe.is_ok() && probe_time > duration {
            // Too slow to repeat at every concurrency in this run: one more request and
            // one floor call, timed, and the note says why the rest is missing.
            eprintln!(
                "kasane-bench:   one request took {:.1} s: measured once",
                probe_time.as_secs_f64()
            );
            m.slow = Some(probe_time);
            m.cells.push(once(&endpoint).await?);
            if let Some(floor) = &row.floor {
                m.floor.push(once(floor).await?);
            }
        } else if m.probe.is_ok() {
            for &c in &args.concurrency {
                m.cells
                    .push(closed_loop(&endpoint, c, warmup, duration).await?);
                if let Some(floor) = &row.floor {
                    m.floor.push(closed_loop(floor, c, warmup, duration).await?);
                }
            }
        }
        measured.push(m);
    }
    let (load_rss, load_hwm) = match loaded {
        Some(m) => m,
        None => server.memory()?,
    };
    let version = ctx.db.version().await?;
    let argon2 = argon2_cost(&ctx).await?;
    drop(server);
    ctx.db.close().await;
    store.close().await;

    let mut preamble = args.note.clone();
    preamble.push(format!("database: {version}"));
    preamble.push(format!(
        "closed loop, {} s per cell after {} s of warm-up; latencies of expected answers only, rps counts expected answers",
        args.duration, args.warmup
    ));
    preamble.push(format!(
        "cold start (spawn → first `/healthz` 200): {:.0} ms",
        cold.as_secs_f64() * 1000.0
    ));
    preamble.push(format!(
        "server memory: idle VmRSS {:.1} MB (VmHWM {:.1} MB); after the load VmRSS {:.1} MB (VmHWM {:.1} MB)",
        idle_rss as f64 / 1024.0,
        idle_hwm as f64 / 1024.0,
        load_rss as f64 / 1024.0,
        load_hwm as f64 / 1024.0
    ));
    preamble.push(format!(
        "argon2 verify of one password hash, in-process: {argon2:.1} ms (median of 5)"
    ));
    preamble.extend(notes);
    if restarts > 0 {
        preamble.push(format!(
            "the server was restarted {restarts}× after a request timed out ({} s), so that the query it left running did not hold the database for the rows after it; the memory after the load was read before the first restart",
            http::REQUEST_TIMEOUT.as_secs()
        ));
    }
    let report = Report {
        title: args.title,
        preamble,
        concurrencies: args.concurrency,
        rows: measured,
    };
    let md = report.markdown();
    println!("{md}");
    std::fs::write(&args.out, &md)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!("kasane-bench: written to {}", args.out.display());
    Ok(())
}

/// One operation, timed (bounded like a request: a floor past the timeout is abandoned).
async fn once(op: &load::Op) -> Result<load::Cell> {
    let started = Instant::now();
    let outcome = match tokio::time::timeout(http::REQUEST_TIMEOUT, op()).await {
        Ok(outcome) => outcome,
        Err(_) => load::Outcome::Unexpected("timeout".into()),
    };
    load::Cell::single(started.elapsed(), outcome)
}

/// The median time of verifying the bench password against its stored hash.
async fn argon2_cost(ctx: &Ctx) -> Result<f64> {
    let hash = ctx.many.user.password_hash.clone();
    let password = ctx.password.clone();
    let mut times = tokio::task::spawn_blocking(move || {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                let ok = verify_password(&password, &hash);
                (t.elapsed().as_secs_f64() * 1000.0, ok)
            })
            .collect::<Vec<_>>()
    })
    .await?;
    if times.iter().any(|(_, ok)| !ok) {
        bail!("the bench password does not verify against its hash");
    }
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(times[times.len() / 2].0)
}
