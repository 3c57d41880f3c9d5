//! `kasane gen`: a deterministic generator of realistic, clearly fictional records at scale,
//! for benchmarks and for trying the app on a municipality's volume. (The module is not
//! called `gen`: that word is reserved in Rust 2024.)
//!
//! The same seed and the same `--persons` give the same persons (names, 名寄せ keys, birth
//! dates — ages count to the start of the fiscal year —, who registered them) and the same
//! records: no random draw depends on the time of the run. Other dates are relative to it. Every person is validated and keyed by the app's own [`PersonDraft::parse`], so the
//! 名寄せ keys are exactly those the intake form would derive. Records are appended (ids
//! follow the largest in each table); the generator must be the only writer while it runs.
//! No audit entries are written, as for the demo: nobody read or changed anything.
//!
//! What is generated: households (elderly alone, elderly couples, 8050, young carers,
//! families, single parents, singles) with members; for each person a first intake at the
//! window that registered them, sometimes more at other windows over ten fiscal years,
//! with issue tags and the 標準様式 checklist; referrals in every state with their events;
//! cases (from escalated intakes) in every status with involved agencies, assessments,
//! consents (some withdrawn, some expired), plans with actions and monitoring rounds,
//! evaluations of closed cases, 支援会議 and 重層的支援会議 with members, agendas, minutes
//! and roles; support-log entries (`--logs-per-person` on average). Some persons are
//! recorded twice by different windows (異体字, kana or missing birth date): some of those
//! pairs are linked (名寄せ), a few were linked and split again, the rest await 名寄せ.
//!
//! Speed (release build, 2 cores shared with other builds, load average 4–12): 100 000
//! persons (3.3 M rows) in 17 s on SQLite and 190 s on PostgreSQL; 1 000 000 persons (33 M
//! rows, 3.7 GB) in 670 s on SQLite, where the person indexes outgrow the page cache. The
//! support log is two thirds of the rows: `--logs-per-person` makes it smaller.
//!
//! **Who sees what** (benchmarks rely on this): every person is registered by, and first
//! received at, one window. `shakai_fukushi_ka` registers 55 % of all persons (every index
//! `i` with `i % 20 < 11`), so its staff "see many". `usachan_hiroba` is involved with
//! only `max(3, N / 10 000)` persons — it registers them and receives their intakes, and
//! appears nowhere else (no referral, case, consent, meeting or duplicate of those persons
//! involves another window's record), so its staff "see few". The other windows share the
//! rest. The summary prints the figures.

mod names;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use kasane_app::consultation::person::PersonDraft;
use kasane_domain::assessment::AssessmentDraft;
use kasane_domain::audit::AuditKey;
use kasane_domain::case::{CaseKind, CaseStatus, ClosureReason};
use kasane_domain::consent::{ConsentMethod, Consenter, DEFAULT_INFORMATION};
use kasane_domain::household::Relationship;
use kasane_domain::identity::{
    AgencyId, DisplayName, MunicipalityId, NewPassword, Roles, UserId, Username,
};
use kasane_domain::intake::{Channel, ConsulterKind, Outcome, Urgency, concern_for_issue};
use kasane_domain::meeting::MeetingKind;
use kasane_domain::municipality::parse_config;
use kasane_domain::person::Sex;
use kasane_domain::plan::{Achievement, NextStep, Progress};
use kasane_domain::referral::{Helpfulness, ReferralStatus};
use kasane_domain::support_log::EntryKind;
use kasane_store::Store;
use kasane_store::bulk::{
    AgendaRow, AssessmentRow, BATCH_TABLES, Batch, CaseAgencyRow, CaseEventRow, CaseKindRow,
    CaseRow, CodeRow, ConsentAgencyRow, ConsentRow, DistinctRow, EvaluationRow, HouseholdRow,
    ID_TABLES, IntakeRow, LinkRow, LogRow, LogVersionRow, MeetingMemberRow, MeetingRow, MemberRow,
    MonitoringEntryRow, MonitoringRow, NextIds, PersonExtra, PlanActionRow, PlanRow,
    ReferralEventRow, ReferralRow, RoleRow,
};
use kasane_store::user::NewUser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::demo::MUNICIPALITIES;

/// The agency that registers most persons, and the one involved with only a handful.
pub const MANY: &str = "shakai_fukushi_ka";
pub const FEW: &str = "usachan_hiroba";
/// Persons per batch (one transaction each): bounded memory, a steady progress bar.
const BATCH_PERSONS: u64 = 5_000;
/// The 備考 of every generated person.
const FICTIONAL: &str = "生成された架空の人物です。";

#[derive(Debug, Clone)]
pub struct Options {
    pub municipality: String,
    pub persons: u64,
    pub seed: u64,
    pub logs_per_person: u32,
}

/// How many persons `usachan_hiroba` is involved with for `n` persons.
pub fn few_count(n: u64) -> u64 {
    (n / 10_000).max(3).min(n)
}

/// One window of the municipality and the generated staff member who records for it.
#[derive(Debug, Clone)]
struct Window {
    code: String,
    agency: AgencyId,
    user: UserId,
    hosts_support: bool,
    hosts_multilayer: bool,
}

/// Generates and writes; prints the summary on stdout (the progress bar goes to stderr).
pub async fn run(url: &str, audit_key: AuditKey, o: &Options) -> Result<()> {
    let started = Instant::now();
    let store = Store::open_bulk(url, audit_key).await?;
    let m = match store.municipality_by_code(&o.municipality).await {
        Ok(m) => m,
        Err(_) => {
            let (_, source) = MUNICIPALITIES
                .iter()
                .find(|(code, _)| *code == o.municipality)
                .ok_or_else(|| anyhow!("自治体 {} の設定がありません(kasane municipality import で取り込んでください)", o.municipality))?;
            let cfg = parse_config(source)?;
            store.import_municipality(&cfg, source).await?;
            store.municipality_by_code(&o.municipality).await?
        }
    };
    let cfg = parse_config(&m.config_toml).context("自治体設定を読めません")?;
    let issues: Vec<String> = cfg
        .issue_categories
        .iter()
        .map(|c| c.code.clone())
        .collect();
    let districts: Vec<(String, String)> = store
        .districts(m.id)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let windows = windows(&store, m.id, &o.municipality).await?;
    for code in [MANY, FEW] {
        if !windows.iter().any(|w| w.code == code) {
            bail!(
                "{}に機関コード {code} がありません(gen はこの機関を前提にしています)",
                m.name
            );
        }
    }
    let next = store.bulk_next_ids().await?;
    let now = kasane_store::now();
    let world = World {
        municipality: m.name.clone(),
        windows,
        districts,
        issues,
        today: jst(now),
        now,
    };

    store.bulk_drop_indexes().await?;
    let loaded = load(&store, m.id, world, o, next).await;
    // Built again even when the load failed (and by the next open if this is cut off).
    let bar = crate::progress::working("索引を作成しています");
    let indexing = Instant::now();
    let built = store.bulk_restore_indexes().await?;
    let indexes = (built, indexing.elapsed());
    bar.finish_and_clear();
    let (stats, counts, times) = loaded?;
    let elapsed = started.elapsed();
    print_summary(&m.name, o, &stats, (&counts, &times), indexes, elapsed);
    store.close().await;
    Ok(())
}

type Loaded = (Stats, [usize; BATCH_TABLES], [Duration; BATCH_TABLES]);

/// Generates the batches on a blocking thread and writes them as they come.
async fn load(
    store: &Store,
    m: MunicipalityId,
    world: World,
    o: &Options,
    next: NextIds,
) -> Result<Loaded> {
    let bar = crate::progress::persons(o.persons);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<(Batch, NextIds)>>(2);
    let opts = o.clone();
    // Generation runs beside the inserts (two cores: one builds rows, one writes them).
    let producer = tokio::task::spawn_blocking(move || {
        let mut g = Generator::new(world, &opts, next);
        loop {
            let step = g.batch();
            let done = matches!(&step, Ok(None) | Err(_));
            let sent = match step {
                Ok(Some(b)) => tx.blocking_send(Ok(b)),
                Ok(None) => Ok(()),
                Err(e) => tx.blocking_send(Err(e)),
            };
            if done || sent.is_err() {
                return g.stats;
            }
        }
    });
    let mut counts = [0usize; BATCH_TABLES];
    let mut times = [Duration::ZERO; BATCH_TABLES];
    while let Some(step) = rx.recv().await {
        let (batch, next) = step?;
        let t = store
            .insert_batch(m, &batch, &next)
            .await
            .context("生成したデータを書き込めません")?;
        for (i, c) in batch.counts().iter().enumerate() {
            counts[i] += c;
            times[i] += t[i];
        }
        bar.inc(batch.persons.len() as u64);
    }
    let stats = producer.await.context("生成が中断しました")?;
    bar.finish_and_clear();
    Ok((stats, counts, times))
}

/// Each agency with its generated staff member (`gen.<municipality>.<agency>`), created on
/// the first run. Their password is random and never shown: set one with `kasane user passwd`.
async fn windows(store: &Store, m: MunicipalityId, code: &str) -> Result<Vec<Window>> {
    let mut hash = None;
    let mut out = Vec::new();
    for a in store.agencies(m).await? {
        let username = format!("gen.{code}.{}", a.code);
        let user = match store.user_by_username(&username).await? {
            Some(u) => u.id,
            None => {
                let h = match &hash {
                    Some(h) => h,
                    None => hash.insert(
                        NewPassword::parse(&kasane_store::session::new_secret()[..24])?.hash()?,
                    ),
                };
                let roles: Roles = if a.is_coordinating {
                    "coordinator,staff"
                } else {
                    "staff"
                }
                .parse()?;
                store
                    .create_user(NewUser {
                        municipality_id: m,
                        agency_id: a.id,
                        username: &Username::parse(&username)?,
                        display_name: &DisplayName::parse(&format!("生成 {}", a.name))?,
                        password_hash: h,
                        roles: &roles,
                    })
                    .await?
            }
        };
        out.push(Window {
            code: a.code,
            agency: a.id,
            user,
            hosts_support: a.hosts_support_meeting,
            hosts_multilayer: a.hosts_multilayer_meeting,
        });
    }
    Ok(out)
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const LABELS: [&str; BATCH_TABLES] = [
    "世帯",
    "本人",
    "世帯員",
    "名寄せ",
    "別人の確認",
    "相談受付",
    "課題タグ",
    "相談内容",
    "つなぎ",
    "つなぎの経過",
    "ケース",
    "支援の種類",
    "関与機関",
    "ケースの経過",
    "アセスメント",
    "本人同意",
    "同意の機関",
    "会議",
    "会議の構成員",
    "議題",
    "役割分担",
    "支援プラン",
    "プランの取組",
    "モニタリング",
    "モニタリング結果",
    "評価",
    "支援経過",
    "支援経過の版",
];

fn print_summary(
    name: &str,
    o: &Options,
    stats: &Stats,
    (counts, times): (&[usize], &[Duration]),
    (built, indexing): (usize, Duration),
    elapsed: Duration,
) {
    let total: usize = counts.iter().sum();
    println!(
        "{name}に架空のデータを生成しました(シード {}、{:.1} 秒、計 {} 行・{} 行/秒)。",
        o.seed,
        elapsed.as_secs_f64(),
        thousands(total as u64),
        thousands((total as f64 / elapsed.as_secs_f64().max(1e-9)) as u64)
    );
    for ((label, &n), t) in LABELS.iter().zip(counts).zip(times) {
        let rate = n as f64 / t.as_secs_f64().max(1e-9);
        println!(
            "  {label} {} 件({} 件/秒)",
            thousands(n as u64),
            thousands(rate as u64)
        );
    }
    println!(
        "  索引 {built} 個を読み込みの後に作成({:.1} 秒)",
        indexing.as_secs_f64()
    );
    let many = stats.registered.get(MANY).copied().unwrap_or(0);
    println!(
        "見える範囲: {MANY} が本人 {} 人を登録({:.1}%)、{FEW} が関わる本人は {} 人だけです。",
        thousands(many),
        100.0 * many as f64 / o.persons.max(1) as f64,
        thousands(stats.registered.get(FEW).copied().unwrap_or(0))
    );
    println!(
        "職員 gen.{}.<機関コード> のパスワードは kasane user passwd で設定してください。",
        o.municipality
    );
}

/// What the summary reports beyond row counts: persons registered per agency code.
#[derive(Debug, Default)]
struct Stats {
    registered: HashMap<String, u64>,
}

/// What stays fixed while generating.
struct World {
    municipality: String,
    windows: Vec<Window>,
    districts: Vec<(String, String)>,
    issues: Vec<String>,
    today: NaiveDate,
    now: DateTime<Utc>,
}

fn jst(t: DateTime<Utc>) -> NaiveDate {
    (t + TimeDelta::hours(9)).date_naive()
}

/// Weighted choice.
fn pick<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut r = rng.gen_range(0..total.max(1));
    for (item, w) in items {
        if r < *w {
            return *item;
        }
        r -= w;
    }
    items[0].0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    ElderlyAlone,
    ElderlyCouple,
    H8050,
    YoungCarer,
    Family,
    SingleParent,
    Single,
}

/// A household member before it is a record: age, sex, 続柄, carer.
struct Member {
    age: i32,
    male: bool,
    relationship: Relationship,
    carer: bool,
}

/// A person written in this batch, for what follows them (logs, cases).
struct Written {
    id: i64,
    window: usize,
    created_at: DateTime<Utc>,
    /// Windows involved (registered, received, accepted a referral, lead a case).
    involved: Vec<usize>,
}

/// A case waiting for a meeting: its lead and involved windows, the index of its plan in
/// the batch (approved at the meeting) and when it was ready.
struct Waiting {
    case_id: i64,
    lead: usize,
    agencies: Vec<usize>,
    plan: Option<usize>,
    ready_at: DateTime<Utc>,
}

struct Generator {
    w: World,
    rng: StdRng,
    n: u64,
    few_every: u64,
    few_left: u64,
    logs_per_person: u32,
    idx: u64,
    next: NextIds,
    many: usize,
    few: usize,
    /// Windows other than the two above: they share the rest.
    others: Vec<usize>,
    support_host: usize,
    multilayer_host: usize,
    window_start: DateTime<Utc>,
    /// Ages count to the start of this fiscal year, so that birth dates (and the 名寄せ keys
    /// that use them) stay the same all year.
    age_anchor: NaiveDate,
    stats: Stats,
    /// Cases waiting for a meeting.
    pending: Vec<Waiting>,
    meetings_held: u64,
    b: Batch,
}

/// Index of each table in [`ID_TABLES`].
fn slot(table: &str) -> usize {
    ID_TABLES.iter().position(|t| *t == table).unwrap_or(0)
}

impl Generator {
    fn new(w: World, o: &Options, next: NextIds) -> Generator {
        let find = |code: &str| w.windows.iter().position(|x| x.code == code).unwrap_or(0);
        let many = find(MANY);
        let few = find(FEW);
        let others = (0..w.windows.len())
            .filter(|&i| i != many && i != few)
            .collect();
        let support_host = w
            .windows
            .iter()
            .position(|x| x.hosts_support)
            .unwrap_or(many);
        let multilayer_host = w
            .windows
            .iter()
            .position(|x| x.hosts_multilayer)
            .unwrap_or(many);
        let fy = if w.today.month() >= 4 {
            w.today.year()
        } else {
            w.today.year() - 1
        };
        let start = NaiveDate::from_ymd_opt(fy - 9, 4, 1).unwrap_or(w.today);
        let window_start = start.and_time(chrono::NaiveTime::MIN).and_utc() - TimeDelta::hours(9);
        let few_count = few_count(o.persons);
        let age_anchor = NaiveDate::from_ymd_opt(fy, 4, 1).unwrap_or(w.today);
        Generator {
            age_anchor,
            rng: StdRng::seed_from_u64(o.seed),
            n: o.persons,
            few_every: (o.persons / few_count.max(1)).max(1),
            few_left: few_count,
            logs_per_person: o.logs_per_person,
            idx: 0,
            next,
            many,
            few,
            others,
            support_host,
            multilayer_host,
            window_start,
            stats: Stats::default(),
            pending: Vec::new(),
            meetings_held: 0,
            b: Batch::default(),
            w,
        }
    }

    fn id(&mut self, table: &str) -> i64 {
        let s = &mut self.next.0[slot(table)];
        let id = *s;
        *s += 1;
        id
    }

    fn user(&self, window: usize) -> UserId {
        self.w.windows[window].user
    }

    fn agency(&self, window: usize) -> AgencyId {
        self.w.windows[window].agency
    }

    fn other_window(&mut self, not: usize) -> usize {
        // MANY is a window like the others here: it is involved far beyond what it registers.
        loop {
            let i = if self.rng.gen_bool(0.3) {
                self.many
            } else {
                self.others[self.rng.gen_range(0..self.others.len())]
            };
            if i != not {
                return i;
            }
        }
    }

    /// A moment between `from` and now.
    fn after(&mut self, from: DateTime<Utc>, max_days: i64) -> DateTime<Utc> {
        // One draw whatever the span: the stream (and so every later choice) must not
        // depend on the time of the run.
        let u: f64 = self.rng.r#gen();
        let span = (self.w.now - from)
            .num_seconds()
            .clamp(1, max_days * 86_400);
        from + TimeDelta::seconds((u * span as f64) as i64)
    }

    fn later(&mut self, from: DateTime<Utc>, min_days: i64, max_days: i64) -> DateTime<Utc> {
        let t = from
            + TimeDelta::days(self.rng.gen_range(min_days..=max_days))
            + TimeDelta::minutes(self.rng.gen_range(0..480));
        t.min(self.w.now)
    }

    /// The next batch, or `None` when all persons are written.
    fn batch(&mut self) -> Result<Option<(Batch, NextIds)>> {
        if self.idx >= self.n {
            return Ok(None);
        }
        let until = (self.idx + BATCH_PERSONS).min(self.n);
        while self.idx < until {
            self.household(until)?;
        }
        self.flush_meeting();
        Ok(Some((std::mem::take(&mut self.b), self.next.clone())))
    }

    /// Who registers person `idx`.
    fn registrar(&mut self, idx: u64) -> usize {
        if self.few_left > 0 && idx % self.few_every == self.few_every / 2 {
            self.few_left -= 1;
            self.few
        } else if idx % 20 < 11 {
            self.many
        } else {
            self.others[self.rng.gen_range(0..self.others.len())]
        }
    }

    fn household(&mut self, until: u64) -> Result<()> {
        use Relationship as R;
        let pattern = pick(
            &mut self.rng,
            &[
                (Pattern::ElderlyAlone, 18),
                (Pattern::ElderlyCouple, 14),
                (Pattern::H8050, 10),
                (Pattern::YoungCarer, 5),
                (Pattern::Family, 25),
                (Pattern::SingleParent, 10),
                (Pattern::Single, 18),
            ],
        );
        let r = &mut self.rng;
        let mut members = Vec::new();
        let m = |age: i32, male: bool, relationship: Relationship, carer: bool| Member {
            age,
            male,
            relationship,
            carer,
        };
        match pattern {
            Pattern::ElderlyAlone => {
                members.push(m(r.gen_range(75..98), r.gen_bool(0.35), R::Head, false))
            }
            Pattern::ElderlyCouple => {
                let a = r.gen_range(68..92);
                members.push(m(a, true, R::Head, false));
                members.push(m(a - r.gen_range(0..5), false, R::Spouse, r.gen_bool(0.5)));
            }
            Pattern::H8050 => {
                let a = r.gen_range(76..92);
                members.push(m(a, r.gen_bool(0.4), R::Head, false));
                if r.gen_bool(0.4) {
                    members.push(m(a - 2, false, R::Spouse, false));
                }
                members.push(m(a - r.gen_range(26..34), r.gen_bool(0.6), R::Child, false));
            }
            Pattern::YoungCarer => {
                let a = r.gen_range(36..50);
                members.push(m(a, r.gen_bool(0.3), R::Head, false));
                members.push(m(a - r.gen_range(24..32), r.gen_bool(0.5), R::Child, true));
                if r.gen_bool(0.5) {
                    members.push(m(r.gen_range(5..11), r.gen_bool(0.5), R::Child, false));
                }
                if r.gen_bool(0.3) {
                    members.push(m(a + r.gen_range(26..32), false, R::Parent, false));
                }
            }
            Pattern::Family => {
                let a = r.gen_range(28..48);
                members.push(m(a, true, R::Head, false));
                members.push(m(a - r.gen_range(0..4), false, R::Spouse, false));
                for _ in 0..r.gen_range(1..4) {
                    members.push(m(
                        r.gen_range(0..(a - 22).clamp(1, 18)),
                        r.gen_bool(0.5),
                        R::Child,
                        false,
                    ));
                }
            }
            Pattern::SingleParent => {
                let a = r.gen_range(25..50);
                members.push(m(a, r.gen_bool(0.15), R::Head, false));
                for _ in 0..r.gen_range(1..3) {
                    members.push(m(
                        r.gen_range(0..(a - 20).clamp(1, 18)),
                        r.gen_bool(0.5),
                        R::Child,
                        false,
                    ));
                }
            }
            Pattern::Single => {
                members.push(m(r.gen_range(20..65), r.gen_bool(0.55), R::Head, false))
            }
        }
        let (surname, kana, variants) = {
            let total: u32 = names::SURNAMES.iter().map(|s| s.2).sum();
            let mut x = self.rng.gen_range(0..total);
            let mut found = names::SURNAMES[0];
            for s in names::SURNAMES {
                if x < s.2 {
                    found = *s;
                    break;
                }
                x -= s.2;
            }
            (found.0, found.1, found.3)
        };
        let (district, district_name) =
            self.w.districts[self.rng.gen_range(0..self.w.districts.len())].clone();
        let address = format!(
            "{}{}{}{}-{}",
            self.w.municipality,
            district_name,
            names::STREETS[self.rng.gen_range(0..names::STREETS.len())],
            self.rng.gen_range(1..300),
            self.rng.gen_range(1..30)
        );
        let phone = self
            .rng
            .gen_bool(0.7)
            .then(|| format!("0187-00-{:04}", self.rng.gen_range(0..10_000)));
        let with_household = members.len() > 1 || pattern == Pattern::ElderlyAlone;
        let issues = self.issues_of(pattern);

        let household_id = with_household.then(|| self.id("household"));
        let mut written: Vec<Written> = Vec::new();
        for (i, mem) in members.iter().enumerate() {
            if self.idx >= until {
                break;
            }
            let idx = self.idx;
            self.idx += 1;
            let window = self.registrar(idx);
            let received = self.after(self.window_start, 3660);
            let birth = self.birth(mem.age);
            let given = self.given(birth.year(), mem.male);
            let draft = PersonDraft {
                name: format!("{surname} {}", given.0),
                furigana: format!("{kana} {}", given.1),
                birth_date: birth.format("%Y-%m-%d").to_string(),
                sex: if mem.male { Sex::Male } else { Sex::Female }
                    .code()
                    .to_string(),
                address: address.clone(),
                district: district.clone(),
                phone: phone.clone().unwrap_or_default(),
                note: FICTIONAL.to_string(),
                external_id: if self.rng.gen_bool(0.4) {
                    format!("G{idx:010}")
                } else {
                    String::new()
                },
            };
            let person = self.person(&draft, window, received, None)?;
            let person_issues = if i == 0 || mem.carer {
                issues.clone()
            } else {
                issues.iter().take(1).cloned().collect()
            };
            let mut p = person;
            self.intakes(&mut p, household_id, received, &person_issues);
            // A second record of the same person by another window (名寄せ work).
            if window != self.few
                && self.idx < until
                && !self.is_few_slot(self.idx)
                && self.rng.gen_bool(0.03)
            {
                self.duplicate(&draft, &p, variants, &person_issues)?;
            }
            written.push(p);
        }
        if let Some(hid) = household_id {
            let first = &written[0];
            let (registrar, created_at) = (first.window, first.created_at);
            self.b.households.push(HouseholdRow {
                id: hid,
                label: format!("{surname}世帯"),
                address: address.clone(),
                district_code: Some(district.clone()),
                created_by_agency_id: self.agency(registrar),
                created_at,
            });
            for (p, mem) in written.iter().zip(&members) {
                let id = self.id("household_member");
                self.b.members.push(MemberRow {
                    id,
                    household_id: hid,
                    person_id: p.id,
                    relationship: mem.relationship,
                    is_head: mem.relationship == Relationship::Head,
                    is_carer: mem.carer,
                    joined_on: jst(created_at),
                    recorded_by_user_id: self.user(registrar),
                });
            }
        }
        for p in &written {
            self.logs(p);
        }
        Ok(())
    }

    fn is_few_slot(&self, idx: u64) -> bool {
        self.few_left > 0 && idx % self.few_every == self.few_every / 2
    }

    fn issues_of(&mut self, pattern: Pattern) -> Vec<String> {
        let base: &[&str] = match pattern {
            Pattern::ElderlyAlone => &["isolation", "care", "health"],
            Pattern::ElderlyCouple => &["care", "health", "poverty"],
            Pattern::H8050 => &["household_8050", "hikikomori", "poverty"],
            Pattern::YoungCarer => &["young_carer", "care", "childcare"],
            Pattern::Family => &["childcare", "employment", "housing"],
            Pattern::SingleParent => &["childcare", "poverty", "debt"],
            Pattern::Single => &["employment", "poverty", "suicide", "dv", "disability"],
        };
        let k = self.rng.gen_range(1..=base.len().min(3));
        base.iter()
            .take(k)
            .filter(|c| self.w.issues.iter().any(|i| i == *c))
            .map(|c| (*c).to_string())
            .collect()
    }

    fn birth(&mut self, age: i32) -> NaiveDate {
        let days = i64::from(age) * 365 + self.rng.gen_range(0..365);
        self.age_anchor - TimeDelta::days(days.max(1))
    }

    fn given(&mut self, year: i32, male: bool) -> (&'static str, &'static str) {
        let generation = names::GIVEN
            .iter()
            .rev()
            .find(|g| g.0 <= year)
            .unwrap_or(&names::GIVEN[0]);
        let list = if male { generation.1 } else { generation.2 };
        list[self.rng.gen_range(0..list.len())]
    }

    /// Validates and keys `draft` the app's way and adds the person to the batch.
    fn person(
        &mut self,
        draft: &PersonDraft,
        window: usize,
        received: DateTime<Utc>,
        linked_to: Option<i64>,
    ) -> Result<Written> {
        let codes: Vec<&str> = self.w.districts.iter().map(|d| d.0.as_str()).collect();
        let fields = draft.parse(&codes, self.w.today).map_err(|errors| {
            let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            anyhow!("生成した人物 {}: {}", draft.name, messages.join("、"))
        })?;
        let id = self.id("person");
        let created_at = received + TimeDelta::minutes(30);
        self.b.persons.push(fields);
        self.b.person_extras.push(PersonExtra {
            id,
            linked_to_person_id: linked_to,
            created_by_agency_id: self.agency(window),
            created_by_user_id: self.user(window),
            created_at,
        });
        *self
            .stats
            .registered
            .entry(self.w.windows[window].code.clone())
            .or_default() += 1;
        Ok(Written {
            id,
            window,
            created_at,
            involved: vec![window],
        })
    }

    fn duplicate(
        &mut self,
        original: &PersonDraft,
        p: &Written,
        variants: &[&str],
        issues: &[String],
    ) -> Result<()> {
        let mut d = original.clone();
        let (surname, given) = original
            .name
            .split_once(' ')
            .unwrap_or((&original.name, ""));
        match self.rng.gen_range(0..3) {
            0 if !variants.is_empty() => {
                d.name = format!(
                    "{} {given}",
                    variants[self.rng.gen_range(0..variants.len())]
                );
            }
            1 => d.furigana = String::new(),
            _ => {
                d.name = format!("{surname}　{given}");
                d.birth_date = String::new();
            }
        }
        d.external_id = String::new();
        d.phone = String::new();
        let window = self.other_window(p.window);
        let received = self.after(p.created_at, 1500);
        let state = self.rng.gen_range(0..100);
        let linked = state < 50;
        self.idx += 1;
        let mut dup = self.person(&d, window, received, linked.then_some(p.id))?;
        self.intakes(&mut dup, None, received, issues);
        if state < 65 {
            let by = self.user(window);
            let linked_at = self.after(dup.created_at, 60);
            let split = (state >= 50).then(|| (by, self.after(linked_at, 30)));
            let id = self.id("person_link");
            self.b.links.push(LinkRow {
                id,
                person_id: p.id,
                linked_person_id: dup.id,
                linked_by_user_id: by,
                linked_at,
                split,
                reason: if split.is_some() {
                    "同姓同名の別人".into()
                } else {
                    "氏名・生年月日が一致".into()
                },
            });
            if let Some((user, at)) = split {
                self.b.distinct.push(DistinctRow {
                    person_a: p.id.min(dup.id),
                    person_b: p.id.max(dup.id),
                    decided_by_user_id: user,
                    decided_at: at,
                });
            }
        }
        self.logs(&dup);
        Ok(())
    }

    /// The first intake at the registering window, and sometimes later ones elsewhere.
    fn intakes(
        &mut self,
        p: &mut Written,
        household_id: Option<i64>,
        received: DateTime<Utc>,
        issues: &[String],
    ) {
        let few = p.window == self.few;
        self.intake(p, p.window, household_id, received, issues, few);
        if few {
            return;
        }
        let extra = pick(&mut self.rng, &[(0, 50), (1, 40), (2, 10)]);
        let mut at = received;
        for _ in 0..extra {
            at = self.later(at, 10, 700);
            let window = self.other_window(self.few);
            self.intake(p, window, household_id, at, issues, false);
        }
    }

    fn intake(
        &mut self,
        p: &mut Written,
        window: usize,
        household_id: Option<i64>,
        received: DateTime<Utc>,
        issues: &[String],
        few: bool,
    ) {
        let outcome = if few {
            pick(
                &mut self.rng,
                &[(Outcome::Handled, 3), (Outcome::InfoOnly, 1)],
            )
        } else {
            pick(
                &mut self.rng,
                &[
                    (Outcome::Handled, 50),
                    (Outcome::Referred, 28),
                    (Outcome::Escalated, 10),
                    (Outcome::InfoOnly, 12),
                ],
            )
        };
        let recorded = received + TimeDelta::minutes(30);
        let to = (outcome == Outcome::Referred).then(|| self.other_window(window));
        let id = self.id("intake");
        let concerns: Vec<&'static str> = {
            let mut c: Vec<&'static str> = issues
                .iter()
                .filter_map(|i| concern_for_issue(i))
                .map(|c| c.code())
                .collect();
            // One row per checklist item (two issues can tick the same one).
            c.sort_unstable();
            c.dedup();
            c
        };
        let consulter_kind = pick(
            &mut self.rng,
            &[
                (ConsulterKind::Person, 50),
                (ConsulterKind::Family, 30),
                (ConsulterKind::Neighbour, 5),
                (ConsulterKind::CommunityVolunteer, 8),
                (ConsulterKind::Agency, 7),
            ],
        );
        self.b.intakes.push(IntakeRow {
            id,
            person_id: p.id,
            household_id,
            received_at: received,
            receiving_agency_id: self.agency(window),
            recorded_by_user_id: self.user(window),
            channel: pick(
                &mut self.rng,
                &[
                    (Channel::VisitIn, 35),
                    (Channel::Phone, 35),
                    (Channel::HomeVisit, 15),
                    (Channel::Email, 3),
                    (Channel::ReferralIn, 8),
                    (Channel::Outreach, 4),
                ],
            ),
            consulter_kind,
            consulter_name: String::new(),
            consulter_relation: if consulter_kind == ConsulterKind::Family {
                "家族".into()
            } else {
                String::new()
            },
            consent_to_share: self.rng.gen_bool(0.9),
            summary: SUMMARIES[self.rng.gen_range(0..SUMMARIES.len())].to_string(),
            urgency: pick(
                &mut self.rng,
                &[
                    (Urgency::Normal, 80),
                    (Urgency::High, 15),
                    (Urgency::Emergency, 5),
                ],
            ),
            outcome,
            referred_to_agency_id: to.map(|t| self.agency(t)),
            immediate_action: String::new(),
            most_pressing: concerns.first().map(|c| (*c).to_string()),
            created_at: recorded,
        });
        for code in issues {
            self.b.intake_issues.push(CodeRow {
                intake_id: id,
                code: code.clone(),
            });
        }
        for c in concerns {
            self.b.intake_concerns.push(CodeRow {
                intake_id: id,
                code: c.to_string(),
            });
        }
        if !p.involved.contains(&window) {
            p.involved.push(window);
        }
        if let Some(to) = to {
            self.referral(p, id, window, to, recorded);
        }
        if outcome == Outcome::Escalated && self.rng.gen_bool(0.9) {
            self.case(p, id, window, household_id, recorded, issues);
        }
    }

    fn referral(
        &mut self,
        p: &mut Written,
        intake_id: i64,
        from: usize,
        to: usize,
        sent_at: DateTime<Utc>,
    ) {
        use ReferralStatus as S;
        let status = pick(
            &mut self.rng,
            &[
                (S::Sent, 15),
                (S::Accepted, 30),
                (S::Declined, 15),
                (S::Completed, 40),
            ],
        );
        let id = self.id("referral");
        let mut events = vec![(S::Sent, from, sent_at, String::new())];
        let mut at = sent_at;
        if status != S::Sent {
            at = self.later(at, 0, 5);
            if status == S::Declined {
                events.push((S::Declined, to, at, "当機関の対象外のため".into()));
            } else {
                events.push((S::Accepted, to, at, String::new()));
                if !p.involved.contains(&to) {
                    p.involved.push(to);
                }
            }
        }
        if status == S::Completed {
            at = self.later(at, 7, 90);
            events.push((S::Completed, to, at, "支援を終えました".into()));
        }
        self.b.referrals.push(ReferralRow {
            id,
            person_id: p.id,
            intake_id: Some(intake_id),
            from_agency_id: self.agency(from),
            to_agency_id: self.agency(to),
            reason: "専門的な支援が必要なため".into(),
            status,
            sent_by_user_id: self.user(from),
            sent_at,
            decline_reason: if status == S::Declined {
                "当機関の対象外のため".into()
            } else {
                String::new()
            },
            provided: if status == S::Completed {
                "面談と手続きの支援".into()
            } else {
                String::new()
            },
            helped: (status == S::Completed).then(|| {
                pick(
                    &mut self.rng,
                    &[
                        (Helpfulness::Yes, 5),
                        (Helpfulness::Partly, 3),
                        (Helpfulness::No, 1),
                        (Helpfulness::Unknown, 1),
                    ],
                )
            }),
            sender_acknowledged: status == S::Declined && self.rng.gen_bool(0.5),
            updated_at: at,
        });
        for (status, window, occurred_at, note) in events {
            let eid = self.id("referral_event");
            self.b.referral_events.push(ReferralEventRow {
                id: eid,
                referral_id: id,
                status,
                user_id: self.user(window),
                agency_id: self.agency(window),
                note,
                occurred_at,
            });
        }
    }

    #[allow(clippy::too_many_lines)]
    fn case(
        &mut self,
        p: &mut Written,
        intake_id: i64,
        lead: usize,
        household_id: Option<i64>,
        recorded: DateTime<Utc>,
        issues: &[String],
    ) {
        use CaseStatus as S;
        let status = pick(
            &mut self.rng,
            &[
                (S::Intake, 10),
                (S::Assessment, 12),
                (S::Planning, 12),
                (S::Active, 22),
                (S::Monitoring, 18),
                (S::Closed, 18),
                (S::Suspended, 8),
            ],
        );
        // The furthest status on the main path the case reached.
        let reached = match status {
            S::Closed => pick(&mut self.rng, &[(S::Active, 1), (S::Monitoring, 3)]),
            S::Suspended => pick(
                &mut self.rng,
                &[(S::Assessment, 1), (S::Planning, 1), (S::Active, 2)],
            ),
            s => s,
        };
        let id = self.id("cases");
        let (user, agency) = (self.user(lead), self.agency(lead));
        let opened_at = self.later(recorded, 0, 7);
        let mut at = opened_at;
        let push_event = |g: &mut Generator,
                          event: &'static str,
                          from: Option<S>,
                          to: Option<S>,
                          at: DateTime<Utc>,
                          note: &str| {
            let eid = g.id("case_event");
            g.b.case_events.push(CaseEventRow {
                id: eid,
                case_id: id,
                event,
                from_status: from,
                to_status: to,
                note: note.into(),
                user_id: user,
                agency_id: agency,
                occurred_at: at,
            });
        };
        push_event(self, "open", None, Some(S::Intake), at, "多機関協働へ");
        let mut dates: HashMap<S, DateTime<Utc>> = HashMap::new();
        let mut s = S::Intake;
        while s != reached {
            let Some(n) = s.next() else { break };
            at = self.later(at, 7, 45);
            push_event(self, "advance", Some(s), Some(n), at, "");
            dates.insert(n, at);
            s = n;
        }
        let mut closed = None;
        let mut suspended_from = None;
        if status == S::Closed {
            at = self.later(at, 30, 200);
            let reason = pick(
                &mut self.rng,
                &[
                    (ClosureReason::GoalAchieved, 5),
                    (ClosureReason::Transferred, 2),
                    (ClosureReason::MovedOut, 1),
                    (ClosureReason::Deceased, 1),
                    (ClosureReason::Refused, 1),
                ],
            );
            push_event(self, "close", Some(reached), Some(S::Closed), at, "");
            closed = Some((reason, at, user));
        } else if status == S::Suspended {
            at = self.later(at, 14, 90);
            push_event(
                self,
                "suspend",
                Some(reached),
                Some(S::Suspended),
                at,
                "本人と連絡が取れない",
            );
            suspended_from = Some(reached);
        }
        let coordination_ended =
            (status == S::Closed && self.rng.gen_bool(0.5)).then_some((at, user));
        self.b.cases.push(CaseRow {
            id,
            person_id: Some(p.id),
            household_id: household_id.filter(|_| self.rng.gen_bool(0.3)),
            status,
            suspended_from,
            lead_agency_id: agency,
            intake_id: Some(intake_id),
            summary: "複合的な課題があり多機関で支援する".into(),
            coordination_ended,
            handover_note: if coordination_ended.is_some() {
                "主担当機関へ引き継ぎました".into()
            } else {
                String::new()
            },
            closed,
            opened_by_user_id: user,
            opened_at,
            updated_at: at,
        });
        self.b.case_kinds.push(CaseKindRow {
            case_id: id,
            kind: CaseKind::Collaboration,
        });
        if self.rng.gen_bool(0.2) {
            self.b.case_kinds.push(CaseKindRow {
                case_id: id,
                kind: CaseKind::Outreach,
            });
        }
        let mut agencies = vec![lead];
        for _ in 0..self.rng.gen_range(1..=2) {
            let a = self.other_window(lead);
            if !agencies.contains(&a) {
                agencies.push(a);
                let caid = self.id("case_agency");
                self.b.case_agencies.push(CaseAgencyRow {
                    id: caid,
                    case_id: id,
                    agency_id: self.agency(a),
                    joined_at: opened_at,
                    added_by_user_id: user,
                });
            }
        }
        for a in &agencies {
            if !p.involved.contains(a) {
                p.involved.push(*a);
            }
        }
        let Some(&assessed) = dates.get(&S::Assessment) else {
            return;
        };
        for version in 1..=pick(&mut self.rng, &[(1, 7), (2, 3)]) {
            let sheet = AssessmentDraft {
                wishes: "住み慣れた家で暮らし続けたい".into(),
                household: "家族の支えが限られている".into(),
                health: "通院が途切れがち".into(),
                income_debt: "年金と就労収入で不足".into(),
                social_ties: "近所との付き合いは少ない".into(),
                strengths: "話せる親族がいる".into(),
                issues: issues.to_vec(),
                ..AssessmentDraft::default()
            };
            let aid = self.id("assessment");
            self.b.assessments.push(AssessmentRow {
                id: aid,
                case_id: id,
                version,
                sheet: serde_json::to_string(&sheet).unwrap_or_default(),
                author_user_id: user,
                author_agency_id: agency,
                created_at: assessed + TimeDelta::days(version * 7),
            });
        }
        // Consent: some expired (a year after giving it), some withdrawn.
        let consented_on = jst(assessed);
        let cid = self.id("consent");
        let withdrawn = self.rng.gen_bool(0.05).then(|| {
            (
                self.after(assessed, 300),
                user,
                "本人の申し出により撤回".to_string(),
            )
        });
        let proxy = self.rng.gen_bool(0.15);
        self.b.consents.push(ConsentRow {
            id: cid,
            person_id: p.id,
            case_id: Some(id),
            consenter: if proxy {
                Consenter::Proxy
            } else {
                Consenter::Person
            },
            proxy_name: if proxy {
                "家族(架空)".into()
            } else {
                String::new()
            },
            proxy_relation: if proxy { "子".into() } else { String::new() },
            consented_on,
            method: if self.rng.gen_bool(0.8) {
                ConsentMethod::Written
            } else {
                ConsentMethod::Oral
            },
            information: DEFAULT_INFORMATION.into(),
            covers_support_meeting: true,
            covers_multilayer_meeting: self.rng.gen_bool(0.7),
            expires_on: self
                .rng
                .gen_bool(0.6)
                .then(|| consented_on + TimeDelta::days(365)),
            note: String::new(),
            recorded_by_user_id: user,
            recorded_by_agency_id: agency,
            created_at: assessed,
            withdrawn,
        });
        for a in &agencies {
            self.b.consent_agencies.push(ConsentAgencyRow {
                consent_id: cid,
                agency_id: self.agency(*a),
            });
        }
        let Some(&planned) = dates.get(&S::Planning) else {
            return;
        };
        let active = dates.contains_key(&S::Active);
        let mut plan_index = None;
        for version in 1..=pick(&mut self.rng, &[(1, 8), (2, 2)]) {
            let pid = self.id("support_plan");
            let start = jst(planned) + TimeDelta::days((version - 1) * 180);
            plan_index = Some(self.b.plans.len());
            self.b.plans.push(PlanRow {
                id: pid,
                case_id: id,
                version,
                person_goal: "安心して暮らせるようになりたい".into(),
                long_term_goal: "地域とのつながりを取り戻す".into(),
                short_term_goal: "困りごとを相談できる先を持つ".into(),
                period_start: start,
                period_end: start + TimeDelta::days(180),
                approved: None,
                created_by_user_id: user,
                created_by_agency_id: agency,
                created_at: planned,
            });
            let mut actions = Vec::new();
            for (seq, a) in agencies.iter().enumerate() {
                let paid = self.id("plan_action");
                actions.push(paid);
                self.b.plan_actions.push(PlanActionRow {
                    id: paid,
                    plan_id: pid,
                    seq: seq as i64 + 1,
                    what: ACTIONS[seq % ACTIONS.len()].into(),
                    agency_id: self.agency(*a),
                    staff_name: String::new(),
                    by_when: Some(start + TimeDelta::days(90)),
                    frequency: "月1回".into(),
                });
            }
            for k in 1..=2 {
                let due_on = start + TimeDelta::days(90 * k);
                // Drawn whatever the dates: no draw may depend on the time of the run.
                let recorded = self.rng.gen_bool(0.8);
                let done = (active && due_on < self.w.today && recorded).then_some((
                    due_on.and_time(chrono::NaiveTime::MIN).and_utc() + TimeDelta::hours(1),
                    user,
                ));
                let mid = self.id("monitoring");
                self.b.monitorings.push(MonitoringRow {
                    id: mid,
                    plan_id: pid,
                    due_on,
                    done,
                });
                if done.is_some() {
                    for &paid in &actions {
                        let eid = self.id("monitoring_entry");
                        self.b.monitoring_entries.push(MonitoringEntryRow {
                            id: eid,
                            monitoring_id: mid,
                            plan_action_id: paid,
                            progress: pick(
                                &mut self.rng,
                                &[
                                    (Progress::Done, 5),
                                    (Progress::InProgress, 4),
                                    (Progress::NotDone, 1),
                                ],
                            ),
                            note: String::new(),
                        });
                    }
                }
            }
            if let (Some((_, closed_at, _)), Some(_)) = (closed, plan_index) {
                let eid = self.id("evaluation");
                let r = |g: &mut Generator| {
                    pick(
                        &mut g.rng,
                        &[
                            (Achievement::Achieved, 5),
                            (Achievement::Partly, 4),
                            (Achievement::NotAchieved, 1),
                        ],
                    )
                    .code()
                };
                let results = [r(self), r(self), r(self)];
                self.b.evaluations.push(EvaluationRow {
                    id: eid,
                    plan_id: pid,
                    results,
                    note: "目標に沿って支援が進んだ".into(),
                    next_step: NextStep::Closure,
                    evaluated_by_user_id: user,
                    evaluated_at: closed_at,
                });
                break;
            }
        }
        self.pending.push(Waiting {
            case_id: id,
            lead,
            agencies,
            plan: plan_index,
            ready_at: planned,
        });
        if self.pending.len() >= 6 {
            self.flush_meeting();
        }
    }

    /// Holds a meeting for the cases waiting: 支援会議 and 重層的支援会議 by turns.
    fn flush_meeting(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let cases = std::mem::take(&mut self.pending);
        self.meetings_held += 1;
        let support = self.meetings_held % 2 == 1;
        let host = if support {
            self.support_host
        } else {
            self.multilayer_host
        };
        let held_at = cases.iter().map(|c| c.ready_at).max().unwrap_or(self.w.now);
        let held_on = jst(held_at);
        let host_user = self.user(host);
        let mid = self.id("meeting");
        self.b.meetings.push(MeetingRow {
            id: mid,
            kind: if support {
                MeetingKind::Support
            } else {
                MeetingKind::Multilayer
            },
            held_on,
            host_agency_id: self.agency(host),
            place: "市役所 会議室(架空)".into(),
            next_review_on: Some(held_on + TimeDelta::days(90)),
            note: String::new(),
            created_by_user_id: host_user,
            created_at: held_at,
        });
        let mut members: Vec<usize> = vec![host];
        for c in &cases {
            for a in &c.agencies {
                if !members.contains(a) {
                    members.push(*a);
                }
            }
        }
        for a in members {
            let id = self.id("meeting_member");
            self.b.meeting_members.push(MeetingMemberRow {
                id,
                meeting_id: mid,
                agency_id: self.agency(a),
                attendee_name: String::new(),
                acknowledged: support.then(|| (held_at, self.user(a))),
            });
        }
        for Waiting {
            case_id,
            lead,
            plan,
            ..
        } in cases
        {
            let id = self.id("meeting_agenda");
            self.b.agenda.push(AgendaRow {
                id,
                meeting_id: mid,
                case_id,
                added_by_user_id: host_user,
                added_at: held_at,
                discussion: "支援の方針と役割分担を協議した".into(),
                decisions: "プランのとおり進める".into(),
                minutes: Some((host_user, held_at)),
            });
            let rid = self.id("role_assignment");
            self.b.roles.push(RoleRow {
                id: rid,
                meeting_id: mid,
                case_id,
                agency_id: self.agency(lead),
                staff_name: String::new(),
                task: "本人への定期的な連絡".into(),
                due_on: Some(held_on + TimeDelta::days(30)),
                created_by_user_id: host_user,
                created_at: held_at,
            });
            if let Some(plan) = plan.and_then(|i| self.b.plans.get_mut(i)) {
                plan.approved = Some((mid, host_user, held_at));
            }
        }
    }

    /// Support-log entries by the windows involved with the person.
    fn logs(&mut self, p: &Written) {
        let n = self.rng.gen_range(0..=2 * self.logs_per_person);
        for _ in 0..n {
            let window = if self.rng.gen_bool(0.6) {
                p.window
            } else {
                p.involved[self.rng.gen_range(0..p.involved.len())]
            };
            let at = self.after(p.created_at, 3660);
            let id = self.id("support_log");
            let (user, agency) = (self.user(window), self.agency(window));
            self.b.logs.push(LogRow {
                id,
                person_id: Some(p.id),
                household_id: None,
                agency_id: agency,
                created_by_user_id: user,
                created_at: at,
            });
            let versions = if self.rng.gen_bool(0.03) { 2 } else { 1 };
            for version in 1..=versions {
                let vid = self.id("support_log_version");
                let kind = pick(
                    &mut self.rng,
                    &[
                        (EntryKind::Visit, 3),
                        (EntryKind::Phone, 4),
                        (EntryKind::Accompaniment, 1),
                        (EntryKind::Meeting, 1),
                        (EntryKind::Note, 2),
                    ],
                );
                let body = format!(
                    "{}{}",
                    LOG_OPENINGS[self.rng.gen_range(0..LOG_OPENINGS.len())],
                    LOG_BODIES[self.rng.gen_range(0..LOG_BODIES.len())]
                );
                self.b.log_versions.push(LogVersionRow {
                    id: vid,
                    support_log_id: id,
                    version,
                    occurred_on: jst(at),
                    kind,
                    body,
                    edited_by_user_id: user,
                    edited_at: at + TimeDelta::hours(version - 1),
                });
            }
        }
    }
}

const SUMMARIES: &[&str] = &[
    "今後の生活について相談したい。",
    "家族の介護の負担が大きい。",
    "収入が減り生活費が足りない。",
    "子どもの様子が心配。",
    "近所の方から様子が気になると連絡があった。",
    "家から出られない家族がいる。",
];

const ACTIONS: &[&str] = &[
    "定期的な訪問",
    "手続きへの同行",
    "居場所の紹介",
    "家計の相談",
];

const LOG_OPENINGS: &[&str] = &[
    "本人と面談。",
    "家族から電話。",
    "自宅を訪問。",
    "関係機関と打合せ。",
    "状況を確認。",
];

const LOG_BODIES: &[&str] = &[
    "体調は落ち着いている様子。次回は来月訪問予定。",
    "生活費の見通しについて一緒に整理した。",
    "通院の予定を確認し、同行を提案した。",
    "近所との付き合いについて話を聞いた。",
    "手続きの書類をそろえることになった。",
    "不安が強い様子のため、来週もう一度連絡する。",
];
