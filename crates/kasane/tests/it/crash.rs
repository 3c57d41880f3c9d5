//! Crash safety (#10): `kasane serve` as a child process, two clients writing through the
//! API (intakes, support-log entries, edits of them, meeting minutes, アウトリーチ's contact
//! attempts with the staff who went), SIGKILL at a random
//! moment, restart on the same database, check. After every restart:
//!
//! - every write answered 2xx is present and intact: an intake as sent; the versions of a
//!   support-log entry or of minutes (both keep every version) are the client's writes in
//!   order, every acknowledged one among them (one whose answer the kill cut off may or
//!   may not be);
//! - every committed write has its audit entry (and no audit entry lacks its write);
//! - no orphan rows (a person without the intake that created it, an entry without a
//!   version, …);
//! - `kasane audit verify` passes.
//!
//! The database carries over from trial to trial, so each check covers every earlier
//! trial's writes too. `KASANE_CRASH_TRIALS` trials per engine (5 by default; the long form
//! is `bench/crash.sh`). Each engine prints one summary line (`--nocapture`).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::common::cli::{command, kasane, text};
use crate::common::{Engine, audit_key, fresh_database};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    crash_trials(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    crash_trials(Engine::Postgres).await;
}

/// The two writers: a window's 相談員, and the coordinator, who also keeps the minutes of
/// a 重層的支援会議 hosted by their agency.
const WRITERS: [&str; 2] = ["daisen.houkatsu", "daisen.coordinator"];
const MINUTES_WRITER: usize = 1;
/// The coordinator also records contact attempts on an outreach case 社会福祉協議会 leads.
const ATTEMPT_WRITER: usize = 1;

fn trials() -> usize {
    std::env::var("KASANE_CRASH_TRIALS")
        .ok()
        .map(|v| v.parse().expect("KASANE_CRASH_TRIALS is a number"))
        .unwrap_or(5)
}

async fn crash_trials(engine: Engine) {
    let Some((url, _dir, _pg)) = fresh_database(engine).await else {
        return;
    };
    let started = Instant::now();
    let db = Db { engine, url };
    let store = kasane_store::Store::open(&db.url, audit_key())
        .await
        .unwrap();
    kasane::demo::load(&store).await.unwrap();
    let mut tokens = Vec::new();
    let mut users = Vec::new();
    for name in WRITERS {
        let user = store.user_by_username(name).await.unwrap().unwrap();
        tokens.push(store.create_token(&user, "crash").await.unwrap());
        users.push(user.id);
    }
    store.close().await;
    // The demo loader writes without audit entries: only what comes after is checked.
    let base = Baseline::read(&db).await;

    let mut server = Server::start(&db.url);
    let minutes_item = minutes_item(&server.base, &tokens[MINUTES_WRITER]).await;
    let outreach = outreach_case(&server.base, &tokens[ATTEMPT_WRITER]).await;
    let mut ledgers: Vec<Ledger> = (0..WRITERS.len()).map(Ledger::new).collect();
    let mut findings = Findings::default();
    let mut rng = StdRng::from_entropy();
    let trials = trials();
    for trial in 0..trials {
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = ledgers
            .drain(..)
            .zip(&tokens)
            .map(|(ledger, token)| {
                let writer = Writer {
                    http: Client::builder()
                        .timeout(Duration::from_secs(30))
                        .build()
                        .unwrap(),
                    base: server.base.clone(),
                    token: token.clone(),
                    minutes: (ledger.client == MINUTES_WRITER).then_some(minutes_item),
                    outreach: (ledger.client == ATTEMPT_WRITER)
                        .then_some((outreach, users[ATTEMPT_WRITER])),
                    trial,
                    rng: StdRng::from_rng(&mut rng).unwrap(),
                };
                tokio::spawn(writer.run(ledger, stop.clone()))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.gen_range(50..=800))).await;
        server.kill();
        stop.store(true, Ordering::SeqCst);
        for w in writers {
            ledgers.push(
                tokio::time::timeout(Duration::from_secs(60), w)
                    .await
                    .expect("a writer stops once the server is gone")
                    .unwrap(),
            );
        }
        // The restart is the recovery under test, and it serves the next trial.
        server = Server::start(&db.url);
        findings
            .check(&db, &base, &ledgers, &minutes_item, trial)
            .await;
    }
    server.kill();

    let total = |f: fn(&Ledger) -> u64| ledgers.iter().map(f).sum::<u64>();
    let acked = |op: Op| ledgers.iter().map(|l| l.acked[op as usize]).sum::<u64>();
    let f = &findings;
    println!(
        "crash {}: trials={trials} acknowledged={} (intakes {}, entries {}, edits {}, \
         minutes {}, attempts {}) unknown={} (committed {}) busy={} lost={} unaudited={} \
         audit_without_write={} orphans={} verify_failures={} ({:.0} s)",
        format!("{engine:?}").to_lowercase(),
        total(|l| l.acked.iter().sum()),
        acked(Op::Intake),
        acked(Op::Entry),
        acked(Op::Edit),
        acked(Op::Minutes),
        acked(Op::Attempt),
        total(|l| l.unknown),
        f.unknown_committed,
        total(|l| l.busy),
        f.total(Category::Lost),
        f.total(Category::Unaudited),
        f.total(Category::AuditWithoutWrite),
        f.total(Category::Orphans),
        f.total(Category::VerifyFailures),
        started.elapsed().as_secs_f64(),
    );
    let refused: Vec<&String> = ledgers.iter().flat_map(|l| &l.refused).collect();
    assert!(
        refused.is_empty(),
        "writes refused (a broken test): {refused:#?}"
    );
    assert!(
        total(|l| l.acked.iter().sum()) > 0,
        "no write was acknowledged"
    );
    assert!(
        findings.problems.is_empty(),
        "crash safety broken: {:#?}",
        findings.problems
    );
}

/// The database under test, read directly (as an operator would after the crash).
struct Db {
    engine: Engine,
    url: String,
}

impl Db {
    async fn rows<T>(&self, sql: &str) -> Vec<T>
    where
        T: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        on_test_db!(self.engine, &self.url, |pool| sqlx::query_as::<_, T>(sql)
            .fetch_all(&pool)
            .await
            .unwrap())
    }

    async fn count(&self, sql: &str) -> i64 {
        self.rows::<(i64,)>(sql).await[0].0
    }
}

/// The highest ids the demo left: records above them are the clients'.
struct Baseline {
    person: i64,
    household: i64,
    intake: i64,
    support_log: i64,
    contact_attempt: i64,
}

impl Baseline {
    async fn read(db: &Db) -> Baseline {
        let max = |table: &str| format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
        Baseline {
            person: db.count(&max("person")).await,
            household: db.count(&max("household")).await,
            intake: db.count(&max("intake")).await,
            support_log: db.count(&max("support_log")).await,
            contact_attempt: db.count(&max("contact_attempt")).await,
        }
    }
}

/// `kasane serve` as a child process on a port of its choosing.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(url: &str) -> Server {
        let mut child = command(&["serve", "--bind", "127.0.0.1:0"])
            .env("KASANE_DATABASE_URL", url)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Drained to the end: a closed pipe would fail the server's next print.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("kasane を起動しました: ") {
                    let _ = tx.send(addr.trim_end_matches('/').to_string());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("kasane serve starts on the crashed database");
        Server { child, base }
    }

    /// SIGKILL: no shutdown handler runs.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An agenda item whose minutes the coordinator may keep, and the versions the demo gave
/// it (those before the writers').
#[derive(Debug, Clone, Copy)]
struct MinutesItem {
    meeting: i64,
    item: i64,
    demo_versions: i32,
}

async fn minutes_item(base: &str, token: &str) -> MinutesItem {
    let get = async |path: String| -> Value {
        let res = Client::new()
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.json().await.unwrap()
    };
    let list = get("/api/v1/meetings".into()).await;
    for m in list["meetings"].as_array().unwrap() {
        let meeting = m["id"].as_i64().unwrap();
        let detail = get(format!("/api/v1/meetings/{meeting}")).await;
        if detail["manager"] != true {
            continue;
        }
        let open = detail["agenda"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["removed_at"].is_null() && a["minutes"].is_object());
        if let Some(a) = open {
            return MinutesItem {
                meeting,
                item: a["id"].as_i64().unwrap(),
                demo_versions: minutes_version(&detail, a["id"].as_i64().unwrap()).unwrap(),
            };
        }
    }
    panic!(
        "the demo has a meeting whose minutes {} keeps",
        WRITERS[MINUTES_WRITER]
    );
}

/// An open outreach case on the caller's team (the demo's, led by 社会福祉協議会).
async fn outreach_case(base: &str, token: &str) -> i64 {
    let res = Client::new()
        .get(format!("{base}/api/v1/outreach"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = res.json().await.unwrap();
    list["cases"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("the demo has an outreach case: {list}"))
}

/// The minutes' current version of agenda item `item`, in a meeting as the API answers it.
fn minutes_version(meeting: &Value, item: i64) -> Option<i32> {
    let agenda = meeting["agenda"].as_array()?;
    let line = agenda.iter().find(|a| a["id"].as_i64() == Some(item))?;
    line["minutes"]["version"].as_i64().map(|v| v as i32)
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Intake,
    Entry,
    Edit,
    Minutes,
    Attempt,
}

/// One write's text, and whether its 2xx arrived. A write without an answer (the kill cut
/// the connection) may or may not have committed.
#[derive(Debug, Clone)]
struct Written {
    text: String,
    acked: bool,
}

struct AckedIntake {
    id: i64,
    person_id: i64,
    household_id: Option<i64>,
    summary: String,
}

/// What one client wrote, over all trials.
struct Ledger {
    client: usize,
    seq: u64,
    persons: Vec<i64>,
    intakes: Vec<AckedIntake>,
    /// Per support-log entry (known by its acknowledged creation): each write in order,
    /// write i being version i + 1.
    entries: BTreeMap<i64, Vec<Written>>,
    /// The entries of the current trial, whose version the client knows.
    editable: Vec<i64>,
    minutes: Vec<Written>,
    /// The minutes' version as last read or saved this trial (the next save names it).
    minutes_version: Option<i32>,
    /// Acknowledged contact attempts: (id, observations).
    attempts: Vec<(i64, String)>,
    acked: [u64; 5],
    unknown: u64,
    /// This trial's write that the kill left without an answer.
    unanswered: Option<(Op, String)>,
    /// 503 (the admission queue was full): refused, nothing written.
    busy: u64,
    refused: Vec<String>,
}

impl Ledger {
    fn new(client: usize) -> Ledger {
        Ledger {
            client,
            seq: 0,
            persons: Vec::new(),
            intakes: Vec::new(),
            entries: BTreeMap::new(),
            editable: Vec::new(),
            minutes: Vec::new(),
            minutes_version: None,
            attempts: Vec::new(),
            acked: [0; 5],
            unknown: 0,
            unanswered: None,
            busy: 0,
            refused: Vec::new(),
        }
    }
}

enum Answer {
    Ok(Value),
    Refused(StatusCode, String),
    Unknown,
}

struct Writer {
    http: Client,
    base: String,
    token: String,
    minutes: Option<MinutesItem>,
    /// The outreach case this writer records attempts on, and its own user id (who went).
    outreach: Option<(i64, i64)>,
    trial: usize,
    rng: StdRng,
}

impl Writer {
    /// Writes until the server is gone (the first request without an answer) or `stop`.
    async fn run(mut self, mut ledger: Ledger, stop: Arc<AtomicBool>) -> Ledger {
        ledger.editable.clear();
        ledger.unanswered = None;
        ledger.minutes_version = None;
        if let Some(m) = self.minutes {
            // The last trial's unanswered save may or may not have committed: start from the
            // version the server shows, as the page's form does.
            match self
                .send(
                    Method::GET,
                    &format!("/api/v1/meetings/{}", m.meeting),
                    None,
                )
                .await
            {
                Answer::Ok(detail) => ledger.minutes_version = minutes_version(&detail, m.item),
                Answer::Refused(status, body) => {
                    ledger.refused.push(format!("the meeting: {status} {body}"))
                }
                Answer::Unknown => return ledger,
            }
        }
        while !stop.load(Ordering::SeqCst) {
            let op = self.pick(&ledger);
            ledger.seq += 1;
            let text = format!(
                "衝突試験 t{} c{} w{}",
                self.trial, ledger.client, ledger.seq
            );
            if !self.write(&mut ledger, op, text).await {
                break;
            }
        }
        ledger
    }

    fn pick(&mut self, ledger: &Ledger) -> Op {
        let mut ops = vec![(Op::Intake, 2)];
        if !ledger.persons.is_empty() {
            ops.push((Op::Entry, 3));
        }
        if !ledger.editable.is_empty() {
            ops.push((Op::Edit, 3));
        }
        if ledger.minutes_version.is_some() {
            ops.push((Op::Minutes, 2));
        }
        if self.outreach.is_some() {
            ops.push((Op::Attempt, 2));
        }
        let total: u32 = ops.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.gen_range(0..total);
        for (op, weight) in ops {
            if roll < weight {
                return op;
            }
            roll -= weight;
        }
        unreachable!()
    }

    /// One write, recorded in `ledger`; false once the server answers no more.
    async fn write(&mut self, ledger: &mut Ledger, op: Op, text: String) -> bool {
        let (method, path, body, pending) = match op {
            Op::Intake => (
                Method::POST,
                "/api/v1/intakes".to_string(),
                json!({
                    "channel": "visit_in", "consulter_kind": "person", "summary": text,
                    "urgency": "normal", "outcome": "handled", "issues": ["care"],
                    "consent_to_share": false, "confirm_new_person": true,
                    "new_household": self.rng.gen_bool(0.5),
                    "person": { "name": format!("衝突 {}", ledger.seq), "district": "omagari" },
                }),
                None,
            ),
            Op::Entry => {
                let person = ledger.persons[self.rng.gen_range(0..ledger.persons.len())];
                (
                    Method::POST,
                    "/api/v1/support-logs".to_string(),
                    json!({ "occurred_on": "2025-04-01", "kind": "visit", "body": text,
                            "person_id": person }),
                    None,
                )
            }
            Op::Edit => {
                let id = ledger.editable[self.rng.gen_range(0..ledger.editable.len())];
                let writes = ledger.entries.get_mut(&id).unwrap();
                let version = writes.len();
                writes.push(Written {
                    text: text.clone(),
                    acked: false,
                });
                (
                    Method::PUT,
                    format!("/api/v1/support-logs/{id}"),
                    json!({ "version": version, "occurred_on": "2025-04-01", "kind": "visit",
                            "body": text }),
                    Some(id),
                )
            }
            Op::Minutes => {
                let m = self.minutes.unwrap();
                ledger.minutes.push(Written {
                    text: text.clone(),
                    acked: false,
                });
                (
                    Method::PUT,
                    format!("/api/v1/meetings/{}/agenda/{}/minutes", m.meeting, m.item),
                    json!({ "version": ledger.minutes_version, "discussion": text,
                            "decisions": "次回までに役割分担を確認する。" }),
                    None,
                )
            }
            Op::Attempt => {
                let (case, user) = self.outreach.unwrap();
                (
                    Method::POST,
                    format!("/api/v1/outreach/{case}/contact-attempts"),
                    json!({ "attempted_at": "2025-04-01 10:00", "method": "visit",
                            "staff": [user], "met": "nobody", "outcome": "not_met",
                            "observations": text }),
                    None,
                )
            }
        };
        let answer = self.send(method, &path, Some(body)).await;
        let value = match answer {
            Answer::Ok(v) => v,
            Answer::Unknown => {
                ledger.unknown += 1;
                ledger.unanswered = Some((op, text));
                return false;
            }
            Answer::Refused(StatusCode::SERVICE_UNAVAILABLE, _) => {
                ledger.busy += 1;
                self.forget(ledger, op, pending);
                return true;
            }
            Answer::Refused(status, body) => {
                ledger.refused.push(format!("{path}: {status} {body}"));
                self.forget(ledger, op, pending);
                return true;
            }
        };
        ledger.acked[op as usize] += 1;
        match op {
            Op::Intake => {
                let person_id = value["person_id"].as_i64().unwrap();
                ledger.persons.push(person_id);
                ledger.intakes.push(AckedIntake {
                    id: value["intake_id"].as_i64().unwrap(),
                    person_id,
                    household_id: value["household_id"].as_i64(),
                    summary: text,
                });
            }
            Op::Entry => {
                let id = value["id"].as_i64().unwrap();
                ledger
                    .entries
                    .insert(id, vec![Written { text, acked: true }]);
                ledger.editable.push(id);
            }
            Op::Edit => {
                let id = pending.unwrap();
                let writes = ledger.entries.get_mut(&id).unwrap();
                writes.last_mut().unwrap().acked = true;
                if value["version"].as_i64() != Some(writes.len() as i64) {
                    ledger
                        .refused
                        .push(format!("{path}: answered version {}", value["version"]));
                }
            }
            Op::Minutes => {
                ledger.minutes.last_mut().unwrap().acked = true;
                let expected = ledger.minutes_version.unwrap() + 1;
                if value["version"].as_i64() != Some(i64::from(expected)) {
                    ledger
                        .refused
                        .push(format!("{path}: answered version {}", value["version"]));
                }
                ledger.minutes_version = Some(expected);
            }
            Op::Attempt => {
                ledger.attempts.push((value["id"].as_i64().unwrap(), text));
            }
        }
        true
    }

    /// A refused write wrote nothing: drop what `write` noted in advance.
    fn forget(&self, ledger: &mut Ledger, op: Op, pending: Option<i64>) {
        match op {
            Op::Edit => {
                ledger.entries.get_mut(&pending.unwrap()).unwrap().pop();
            }
            Op::Minutes => {
                ledger.minutes.pop();
            }
            Op::Intake | Op::Entry | Op::Attempt => {}
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let sent = request.send().await;
        let Ok(res) = sent else {
            return Answer::Unknown;
        };
        let status = res.status();
        // A body cut off mid-way is no acknowledgement.
        let Ok(text) = res.text().await else {
            return Answer::Unknown;
        };
        if status.is_success() {
            Answer::Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
        } else {
            Answer::Refused(status, text)
        }
    }
}

/// What the checks found. The checks repeat after every trial, and cover every earlier
/// trial: a problem is kept by what it is about, as last seen.
#[derive(Default)]
struct Findings {
    /// (category, what it is about) → what was seen.
    problems: BTreeMap<(Category, String), (u64, String)>,
    /// Unanswered writes found committed: the kill fell between commit and answer.
    unknown_committed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Category {
    /// Counted in acknowledged writes.
    Lost,
    Unaudited,
    AuditWithoutWrite,
    /// Counted in rows.
    Orphans,
    VerifyFailures,
}

/// Anti-joins for rows a partly committed unit would leave behind (the foreign keys catch
/// the plain dangling references; these catch what they cannot).
fn orphan_queries(b: &Baseline) -> Vec<(&'static str, String)> {
    vec![
        (
            "intake without its person",
            "SELECT COUNT(*) FROM intake i WHERE NOT EXISTS \
             (SELECT 1 FROM person p WHERE p.id = i.person_id)"
                .into(),
        ),
        (
            "intake on a missing household",
            "SELECT COUNT(*) FROM intake i WHERE i.household_id IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM household h WHERE h.id = i.household_id)"
                .into(),
        ),
        (
            "new intake without its issue",
            format!(
                "SELECT COUNT(*) FROM intake i WHERE i.id > {} AND NOT EXISTS \
                 (SELECT 1 FROM intake_issue x WHERE x.intake_id = i.id)",
                b.intake
            ),
        ),
        (
            "intake issue without intake",
            "SELECT COUNT(*) FROM intake_issue x WHERE NOT EXISTS \
             (SELECT 1 FROM intake i WHERE i.id = x.intake_id)"
                .into(),
        ),
        (
            "new person without the intake that created it",
            format!(
                "SELECT COUNT(*) FROM person p WHERE p.id > {} AND NOT EXISTS \
                 (SELECT 1 FROM intake i WHERE i.person_id = p.id)",
                b.person
            ),
        ),
        (
            "new household without its head",
            format!(
                "SELECT COUNT(*) FROM household h WHERE h.id > {} AND NOT EXISTS \
                 (SELECT 1 FROM household_member m WHERE m.household_id = h.id AND m.is_head)",
                b.household
            ),
        ),
        (
            "new household without its intake",
            format!(
                "SELECT COUNT(*) FROM household h WHERE h.id > {} AND NOT EXISTS \
                 (SELECT 1 FROM intake i WHERE i.household_id = h.id)",
                b.household
            ),
        ),
        (
            "household member without household or person",
            "SELECT COUNT(*) FROM household_member m WHERE NOT EXISTS \
             (SELECT 1 FROM household h WHERE h.id = m.household_id) OR NOT EXISTS \
             (SELECT 1 FROM person p WHERE p.id = m.person_id)"
                .into(),
        ),
        (
            "support-log entry without a version",
            "SELECT COUNT(*) FROM support_log s WHERE NOT EXISTS \
             (SELECT 1 FROM support_log_version v WHERE v.support_log_id = s.id)"
                .into(),
        ),
        (
            "support-log version without its entry",
            "SELECT COUNT(*) FROM support_log_version v WHERE NOT EXISTS \
             (SELECT 1 FROM support_log s WHERE s.id = v.support_log_id)"
                .into(),
        ),
        (
            "support-log version after a gap",
            "SELECT COUNT(*) FROM support_log_version v WHERE v.version > 1 AND NOT EXISTS \
             (SELECT 1 FROM support_log_version w WHERE w.support_log_id = v.support_log_id \
             AND w.version = v.version - 1)"
                .into(),
        ),
        (
            "minutes version without its agenda item",
            "SELECT COUNT(*) FROM minutes_version v WHERE NOT EXISTS \
             (SELECT 1 FROM meeting_agenda a WHERE a.id = v.agenda_id)"
                .into(),
        ),
        (
            "minutes version after a gap",
            "SELECT COUNT(*) FROM minutes_version v WHERE v.version > 1 AND NOT EXISTS \
             (SELECT 1 FROM minutes_version w WHERE w.agenda_id = v.agenda_id \
             AND w.version = v.version - 1)"
                .into(),
        ),
        (
            "agenda item whose minutes are not its newest version",
            "SELECT COUNT(*) FROM meeting_agenda a WHERE (a.minutes_version > 0 AND NOT EXISTS \
             (SELECT 1 FROM minutes_version v WHERE v.agenda_id = a.id \
             AND v.version = a.minutes_version AND v.discussion = a.discussion \
             AND v.decisions = a.decisions)) OR EXISTS (SELECT 1 FROM minutes_version v \
             WHERE v.agenda_id = a.id AND v.version > a.minutes_version)"
                .into(),
        ),
        (
            "contact attempt without the staff who went",
            "SELECT COUNT(*) FROM contact_attempt a WHERE NOT EXISTS \
             (SELECT 1 FROM contact_attempt_staff s WHERE s.attempt_id = a.id)"
                .into(),
        ),
        (
            "contact attempt staff without its attempt",
            "SELECT COUNT(*) FROM contact_attempt_staff s WHERE NOT EXISTS \
             (SELECT 1 FROM contact_attempt a WHERE a.id = s.attempt_id)"
                .into(),
        ),
        (
            "support-log entry on no person or household",
            "SELECT COUNT(*) FROM support_log s WHERE (s.person_id IS NULL AND \
             s.household_id IS NULL) OR (s.person_id IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM person p WHERE p.id = s.person_id)) OR (s.household_id IS NOT \
             NULL AND NOT EXISTS (SELECT 1 FROM household h WHERE h.id = s.household_id))"
                .into(),
        ),
    ]
}

/// How many acknowledged writes a record's history (its versions in order) has lost. It
/// must be the client's writes in order with every acknowledged one; an unanswered one may
/// be missing (it did not commit). A version that is none of the client's writes counts
/// as one lost too.
fn lost_in_history<'a>(writes: &[Written], history: impl IntoIterator<Item = &'a String>) -> u64 {
    let acked = |ws: &[Written]| ws.iter().filter(|w| w.acked).count() as u64;
    let mut lost = 0;
    let mut rest = writes;
    for text in history {
        match rest.iter().position(|w| w.text == *text) {
            Some(i) => {
                lost += acked(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => lost += 1,
        }
    }
    lost + acked(rest)
}

impl Findings {
    fn note(&mut self, category: Category, about: String, count: u64, seen: String) {
        self.problems.insert((category, about), (count, seen));
    }

    fn total(&self, category: Category) -> u64 {
        self.problems
            .iter()
            .filter(|((c, _), _)| *c == category)
            .map(|(_, (n, _))| n)
            .sum()
    }

    async fn check(
        &mut self,
        db: &Db,
        b: &Baseline,
        ledgers: &[Ledger],
        item: &MinutesItem,
        trial: usize,
    ) {
        let intakes: HashMap<i64, (i64, Option<i64>, String)> = db
            .rows::<(i64, i64, Option<i64>, String)>(&format!(
                "SELECT id, person_id, household_id, summary FROM intake WHERE id > {}",
                b.intake
            ))
            .await
            .into_iter()
            .map(|(id, p, h, s)| (id, (p, h, s)))
            .collect();
        let mut versions: HashMap<i64, BTreeMap<i32, String>> = HashMap::new();
        for (id, v, body) in db
            .rows::<(i64, i32, String)>(&format!(
                "SELECT support_log_id, version, body FROM support_log_version \
                 WHERE support_log_id > {}",
                b.support_log
            ))
            .await
        {
            versions.entry(id).or_default().insert(v, body);
        }
        // The writers' versions of the minutes (the demo's come first).
        let minutes: BTreeMap<i32, String> = db
            .rows::<(i32, String)>(&format!(
                "SELECT version, discussion FROM minutes_version \
                 WHERE agenda_id = {} AND version > {}",
                item.item, item.demo_versions
            ))
            .await
            .into_iter()
            .collect();
        let attempts: HashMap<i64, String> = db
            .rows::<(i64, String)>(&format!(
                "SELECT id, observations FROM contact_attempt WHERE id > {}",
                b.contact_attempt
            ))
            .await
            .into_iter()
            .collect();
        let mut audited: HashMap<(String, String, String), i64> = HashMap::new();
        for (kind, id, action, reason) in db
            .rows::<(String, String, String, String)>(
                "SELECT object_type, object_id, action, reason FROM audit_log \
                 WHERE action IN ('create', 'update') \
                 AND object_type IN ('intake', 'household', 'support_log', 'meeting_agenda', \
                 'contact_attempt')",
            )
            .await
        {
            let action = if kind == "meeting_agenda" {
                format!("{action}:{reason}")
            } else {
                action
            };
            *audited.entry((kind, id, action)).or_default() += 1;
        }
        let audits = |kind: &str, id: i64, action: &str| {
            audited
                .get(&(kind.to_string(), id.to_string(), action.to_string()))
                .copied()
                .unwrap_or(0)
        };

        // Every acknowledged write, present and intact.
        for l in ledgers {
            for i in &l.intakes {
                match intakes.get(&i.id) {
                    Some((p, h, s))
                        if *p == i.person_id && *h == i.household_id && *s == i.summary => {}
                    found => self.note(
                        Category::Lost,
                        format!("intake {}", i.id),
                        1,
                        format!("client {}: found {found:?}", l.client),
                    ),
                }
            }
            for (id, writes) in &l.entries {
                let found = versions.get(id);
                let lost = lost_in_history(writes, found.into_iter().flat_map(|vs| vs.values()));
                if lost > 0 {
                    self.note(
                        Category::Lost,
                        format!("support log {id}"),
                        lost,
                        format!("client {}: versions {found:?}, writes {writes:?}", l.client),
                    );
                }
            }
            for (id, text) in &l.attempts {
                if attempts.get(id) != Some(text) {
                    self.note(
                        Category::Lost,
                        format!("contact attempt {id}"),
                        1,
                        format!("client {}: found {:?}", l.client, attempts.get(id)),
                    );
                }
            }
            if l.client == MINUTES_WRITER {
                let lost = lost_in_history(&l.minutes, minutes.values());
                if lost > 0 {
                    self.note(
                        Category::Lost,
                        format!("minutes of agenda item {}", item.item),
                        lost,
                        format!("versions {minutes:?}"),
                    );
                }
            }
        }

        for (op, text) in ledgers.iter().filter_map(|l| l.unanswered.as_ref()) {
            let committed = match op {
                Op::Intake => intakes.values().any(|(_, _, s)| s == text),
                Op::Entry | Op::Edit => versions.values().any(|vs| vs.values().any(|b| b == text)),
                Op::Minutes => minutes.values().any(|d| d == text),
                Op::Attempt => attempts.values().any(|o| o == text),
            };
            self.unknown_committed += u64::from(committed);
        }

        // Every committed write, audited — acknowledged or not.
        for id in intakes.keys() {
            if audits("intake", *id, "create") != 1 {
                let n = audits("intake", *id, "create");
                self.note(
                    Category::Unaudited,
                    format!("intake {id}"),
                    1,
                    format!("{n} create entries"),
                );
            }
        }
        for id in attempts.keys() {
            let n = audits("contact_attempt", *id, "create");
            if n != 1 {
                self.note(
                    Category::Unaudited,
                    format!("contact attempt {id}"),
                    1,
                    format!("{n} create entries"),
                );
            }
        }
        for (id,) in db
            .rows::<(i64,)>(&format!(
                "SELECT id FROM household WHERE id > {}",
                b.household
            ))
            .await
        {
            if audits("household", id, "create") != 1 {
                let n = audits("household", id, "create");
                self.note(
                    Category::Unaudited,
                    format!("household {id}"),
                    1,
                    format!("{n} create entries"),
                );
            }
        }
        // One audit entry per version: fewer is a commit unaudited, more an entry whose
        // write did not commit.
        let mut versions_audited = |what: String, committed: usize, entries: i64| {
            let category = match entries.cmp(&(committed as i64)) {
                std::cmp::Ordering::Less => Category::Unaudited,
                std::cmp::Ordering::Equal => return,
                std::cmp::Ordering::Greater => Category::AuditWithoutWrite,
            };
            self.note(
                category,
                what,
                1,
                format!("{committed} versions, {entries} audit entries"),
            );
        };
        for (id, vs) in &versions {
            let entries =
                audits("support_log", *id, "create") + audits("support_log", *id, "update");
            versions_audited(format!("support log {id}"), vs.len(), entries);
        }
        versions_audited(
            format!("minutes of agenda item {}", item.item),
            minutes.len(),
            audits("meeting_agenda", item.item, "update:minutes"),
        );

        for (what, sql) in orphan_queries(b) {
            let n = db.count(&sql).await;
            if n > 0 {
                self.note(Category::Orphans, what.to_string(), n as u64, String::new());
            }
        }

        let url = db.url.clone();
        let out = tokio::task::spawn_blocking(move || kasane(&["audit", "verify"], &url))
            .await
            .unwrap();
        if !out.status.success() {
            self.note(
                Category::VerifyFailures,
                format!("kasane audit verify after trial {trial}"),
                1,
                format!("{:?}", text(&out)),
            );
        }
    }
}

#[test]
fn a_history_keeps_every_acknowledged_write_in_order() {
    let w = |text: &str, acked| Written {
        text: text.into(),
        acked,
    };
    let lost = |writes: &[Written], history: &[&str]| {
        let history: Vec<String> = history.iter().map(|s| s.to_string()).collect();
        lost_in_history(writes, &history)
    };
    let writes = [w("a", true), w("b", false), w("c", true), w("d", false)];
    assert_eq!(lost(&writes, &["a", "c"]), 0, "unanswered, not committed");
    assert_eq!(
        lost(&writes, &["a", "b", "c", "d"]),
        0,
        "unanswered, committed"
    );
    assert_eq!(lost(&writes, &["a", "b"]), 1);
    assert_eq!(lost(&writes, &["c"]), 1);
    assert_eq!(lost(&writes, &[]), 2);
    assert_eq!(lost(&writes, &["c", "a"]), 2, "out of order");
    assert_eq!(lost(&writes, &["a", "x", "c"]), 1, "a version nobody wrote");
    assert_eq!(lost(&[w("a", false)], &[]), 0);
}
