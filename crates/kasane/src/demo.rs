//! The demo: both seed municipalities (大仙市, 湯沢市) and clearly fictional staff accounts.
//! Also what the integration tests load, so the demo is exercised on every test run.

use anyhow::{Result, anyhow, bail};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use kasane_app::consultation::person::PersonDraft;
use kasane_domain::audit::AuditKey;
use kasane_domain::identity::{
    AgencyId, DisplayName, MunicipalityId, NewPassword, Roles, UserId, Username,
};
use kasane_domain::intake::{Channel, ConsulterKind, Outcome, Urgency};
use kasane_domain::municipality::parse_config;
use kasane_domain::referral::ReferralStatus;
use kasane_domain::support_log::EntryKind;
use kasane_store::Store;
use kasane_store::household::NewMember;
use kasane_store::intake::NewIntake;
use kasane_store::referral::ReferralMove;
use kasane_store::support_log::EntryContent;
use kasane_store::user::NewUser;

mod collaboration;
mod match_review;
mod outreach;

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
const USERS: [(&str, &str, &str, &str, &str); 14] = [
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
        "daisen.jiritsu",
        "工藤 真理子",
        "daisen",
        "jiritsu_sodan",
        "staff",
    ),
    (
        "daisen.fukushi",
        "石川 浩",
        "daisen",
        "shakai_fukushi_ka",
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
pub async fn fresh_store(url: &str, audit_key: AuditKey) -> Result<Store> {
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
    let store = Store::open(url, audit_key).await?;
    if !store.municipalities().await?.is_empty() {
        bail!("デモは空のデータベースにのみ作成できます(既にデータがあります)");
    }
    Ok(store)
}

/// How long before loading the demo's municipalities and accounts were set up: before the
/// oldest of its records.
const SET_UP_DAYS_AGO: i64 = 400;

/// Imports both municipalities, the demo accounts and the demo records.
pub async fn load(store: &Store) -> Result<Vec<DemoLogin>> {
    let set_up = kasane_store::wall_clock() - TimeDelta::days(SET_UP_DAYS_AGO);
    let logins = kasane_store::as_of(set_up, set_up_accounts(store)).await?;
    load_records(store).await?;
    Ok(logins)
}

async fn set_up_accounts(store: &Store) -> Result<Vec<DemoLogin>> {
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

// ---------------------------------------------------------------------------
// Demo records: persons, households, intakes, referrals and support log entries.
// Everyone here is fictional: surnames are the municipality's place names, addresses are
// 字見本 ("sample"), telephone numbers use the unassigned 00 exchange, and every person
// carries the note below. Dates are relative to today, so the demo never goes stale, and
// every record is written at its moment in that history (`kasane_store::as_of`): a person
// is registered before their first intake, a 支援経過記録 entry is stamped the day it
// tells of, a case moves on the days its meetings and consents allow.
// ---------------------------------------------------------------------------

/// The 備考 of every demo person.
const FICTIONAL: &str = "デモ用の架空の人物です。";

/// A staff member acting in the demo: who records, and for which window.
#[derive(Debug, Clone, Copy)]
struct Worker {
    user: UserId,
    agency: AgencyId,
}

/// A demo person as the intake form would take them.
#[derive(Clone)]
struct Someone<'a> {
    name: &'a str,
    furigana: &'a str,
    /// Age today, and the birthday (month, day): the age stays right whenever the demo runs.
    age: i32,
    birthday: (u32, u32),
    sex: &'a str,
    address: &'a str,
    district: &'a str,
    phone: &'a str,
}

/// One municipality's demo records being written.
struct Records<'a> {
    store: &'a Store,
    municipality: MunicipalityId,
    districts: Vec<String>,
    /// When loading began: no record is dated after it.
    started: DateTime<Utc>,
    /// Today in Japan.
    today: NaiveDate,
}

fn codes(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| (*c).to_string()).collect()
}

/// The day `at` falls on in Japan.
fn japan_date(at: DateTime<Utc>) -> NaiveDate {
    (at + TimeDelta::hours(9)).date_naive()
}

impl<'a> Records<'a> {
    async fn new(store: &'a Store, code: &str) -> Result<Records<'a>> {
        let m = store.municipality_by_code(code).await?;
        let districts = store
            .districts(m.id)
            .await?
            .into_iter()
            .map(|d| d.code)
            .collect();
        let started = kasane_store::wall_clock();
        Ok(Records {
            store,
            municipality: m.id,
            districts,
            started,
            today: japan_date(started),
        })
    }

    async fn worker(&self, username: &str) -> Result<Worker> {
        match self.store.user_by_username(username).await? {
            Some(u) => Ok(Worker {
                user: u.id,
                agency: u.agency_id,
            }),
            None => bail!("デモの職員 {username} がいません"),
        }
    }

    async fn agency(&self, code: &str) -> Result<AgencyId> {
        Ok(self.store.agency_by_code(self.municipality, code).await?.id)
    }

    /// `days_ago` days before today, at `hour:minute` Japan time — or now, if that is
    /// still ahead today.
    fn at(&self, days_ago: i64, hour: u32, minute: u32) -> DateTime<Utc> {
        let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default();
        let at = self.on(days_ago).and_time(time).and_utc() - TimeDelta::hours(9);
        at.min(self.started)
    }

    fn on(&self, days_ago: i64) -> NaiveDate {
        self.today - TimeDelta::days(days_ago)
    }

    /// Creates the person through the same validation as the intake form (名寄せ keys
    /// included), as recorded by `by` at `at`.
    async fn person(&self, by: Worker, p: Someone<'_>, at: DateTime<Utc>) -> Result<i64> {
        let (month, day) = p.birthday;
        let before_birthday = (month, day) > (self.today.month(), self.today.day());
        let year = self.today.year() - p.age - i32::from(before_birthday);
        let form = PersonDraft {
            name: p.name.to_string(),
            furigana: p.furigana.to_string(),
            birth_date: format!("{year:04}-{month:02}-{day:02}"),
            sex: p.sex.to_string(),
            address: p.address.to_string(),
            district: p.district.to_string(),
            phone: p.phone.to_string(),
            note: FICTIONAL.to_string(),
            external_id: String::new(),
        };
        let districts: Vec<&str> = self.districts.iter().map(String::as_str).collect();
        let fields = form.parse(&districts, self.today).map_err(|errors| {
            let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            anyhow!("デモの人物 {}: {}", p.name, messages.join("、"))
        })?;
        let created = self
            .store
            .create_person(self.municipality, by.agency, by.user, &fields);
        Ok(kasane_store::as_of(at, created).await?)
    }

    /// A household of `members` (person, 続柄 code, cares for a family member), recorded
    /// at `at`; the member whose 続柄 is `head` heads it.
    async fn household(
        &self,
        by: Worker,
        label: &str,
        (address, district): (&str, &str),
        members: &[(i64, &str, bool)],
        at: DateTime<Utc>,
    ) -> Result<i64> {
        kasane_store::as_of(at, async {
            let id = self
                .store
                .create_household(self.municipality, by.agency, label, address, Some(district))
                .await?;
            for &(person_id, relationship, is_carer) in members {
                self.store
                    .add_member(
                        self.municipality,
                        by.user,
                        &NewMember {
                            household_id: id,
                            person_id,
                            relationship,
                            is_head: relationship == "head",
                            is_carer,
                            joined_on: japan_date(at),
                        },
                    )
                    .await?;
            }
            Ok(id)
        })
        .await
    }

    /// The defaults of the intake form (来所, 本人, 通常, 単独対応, consent given); each
    /// intake below overrides what differs.
    fn intake(
        &self,
        by: Worker,
        person_id: i64,
        household_id: Option<i64>,
        received_at: DateTime<Utc>,
    ) -> NewIntake {
        NewIntake {
            person_id,
            household_id,
            received_at,
            receiving_agency_id: by.agency,
            channel: Channel::VisitIn,
            consulter_kind: ConsulterKind::Person,
            consulter_person_id: None,
            consulter_name: String::new(),
            consulter_relation: String::new(),
            consent_to_share: true,
            summary: String::new(),
            urgency: Urgency::Normal,
            outcome: Outcome::Handled,
            referred_to_agency_id: None,
            referral_reason: String::new(),
            immediate_action: String::new(),
            most_pressing: None,
            issues: Vec::new(),
            concerns: Vec::new(),
        }
    }

    /// Records an intake half an hour after it was received (with its referral, if the
    /// outcome is つなぎ): the intake id and the referral id.
    async fn record(&self, by: Worker, n: NewIntake) -> Result<(i64, Option<i64>)> {
        let recorded = (n.received_at + TimeDelta::minutes(30)).min(self.started);
        let created = self.store.create_intake(self.municipality, by.user, &n);
        Ok(kasane_store::as_of(recorded, created).await?)
    }

    /// Records a つなぎ intake and yields its referral.
    async fn refer(&self, by: Worker, n: NewIntake) -> Result<i64> {
        match self.record(by, n).await? {
            (_, Some(referral)) => Ok(referral),
            (_, None) => bail!("デモの相談受付がつなぎになっていません"),
        }
    }

    async fn move_referral(
        &self,
        by: Worker,
        referral_id: i64,
        (from_status, to_status): (ReferralStatus, ReferralStatus),
        (decline_reason, provided, helped): (&str, &str, Option<&str>),
        at: DateTime<Utc>,
    ) -> Result<()> {
        let change = ReferralMove {
            referral_id,
            from_status,
            to_status,
            user_id: by.user,
            agency_id: by.agency,
            decline_reason,
            provided,
            helped,
            note: if decline_reason.is_empty() {
                provided
            } else {
                decline_reason
            },
        };
        Ok(kasane_store::as_of(at, self.store.move_referral(&change)).await?)
    }

    async fn accept(&self, by: Worker, referral: i64, at: DateTime<Utc>) -> Result<()> {
        self.move_referral(
            by,
            referral,
            (ReferralStatus::Sent, ReferralStatus::Accepted),
            ("", "", None),
            at,
        )
        .await
    }

    async fn decline(
        &self,
        by: Worker,
        referral: i64,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.move_referral(
            by,
            referral,
            (ReferralStatus::Sent, ReferralStatus::Declined),
            (reason, "", None),
            at,
        )
        .await
    }

    async fn complete(
        &self,
        by: Worker,
        referral: i64,
        (provided, helped): (&str, &str),
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.move_referral(
            by,
            referral,
            (ReferralStatus::Accepted, ReferralStatus::Completed),
            ("", provided, Some(helped)),
            at,
        )
        .await
    }

    /// A 支援経過記録 entry on a person and/or a household, written up at the end of the
    /// day it tells of.
    async fn log(
        &self,
        by: Worker,
        (person_id, household_id): (Option<i64>, Option<i64>),
        days_ago: i64,
        kind: EntryKind,
        body: &str,
    ) -> Result<i64> {
        let content = EntryContent {
            occurred_on: self.on(days_ago),
            kind,
            body: body.to_string(),
        };
        let written = self.store.create_support_log(
            self.municipality,
            by.agency,
            by.user,
            person_id,
            household_id,
            &content,
        );
        Ok(kasane_store::as_of(self.at(days_ago, 17, 0), written).await?)
    }
}

/// The demo's consultation records for both municipalities, written through the store as
/// the pages would write them (no audit entries: nobody read or wrote them through the app).
///
/// Together they show every derived household signal (8050, ヤングケアラー, 高齢独居,
/// 高齢夫婦のみ), early warnings (複合課題の可能性), a referral in every state with an
/// overdue one, and in 大仙市 a pair of unlinked records of one person (渡邉/渡辺) for the
/// coordinator to try 名寄せ on. 大仙市's 高齢者包括支援センター is left with nothing on its
/// worklist, so its first screen stays the quiet one the login tests expect.
pub async fn load_records(store: &Store) -> Result<()> {
    load_daisen(store).await?;
    load_yuzawa(store).await
}

async fn load_daisen(store: &Store) -> Result<()> {
    let r = Records::new(store, "daisen").await?;
    let houkatsu = r.worker("daisen.houkatsu").await?;
    let kikan = r.worker("daisen.kikan").await?;
    let jiritsu = r.worker("daisen.jiritsu").await?;
    let shakyo = r.worker("daisen.coordinator").await?;
    match_review::pending(
        &r,
        houkatsu,
        kikan,
        Someone {
            name: "小野寺 良子",
            furigana: "オノデラ ヨシコ",
            age: 71,
            birthday: (5, 9),
            sex: "female",
            address: "大仙市大曲花園町3-4",
            district: "omagari",
            phone: "",
        },
    )
    .await?;
    let kodomo_shien_ka = r.agency("kodomo_shien_ka").await?;

    // 8050: 84歳の母と、ひきこもり状態の54歳の長男(神岡)。包括 → 社協のアウトリーチへ(受理)、
    // 社協 → 基幹へ(送付したばかり)。
    let home = ("大仙市神岡字見本12", "kamioka");
    let toshi = r
        .person(
            houkatsu,
            Someone {
                name: "神岡 トシ",
                furigana: "カミオカ トシ",
                age: 84,
                birthday: (3, 18),
                sex: "female",
                address: home.0,
                district: home.1,
                phone: "0187-00-1201",
            },
            r.at(35, 10, 20),
        )
        .await?;
    let ichiro = r
        .person(
            houkatsu,
            Someone {
                name: "神岡 一郎",
                furigana: "カミオカ イチロウ",
                age: 54,
                birthday: (11, 2),
                sex: "male",
                address: home.0,
                district: home.1,
                phone: "0187-00-1201",
            },
            r.at(35, 10, 20),
        )
        .await?;
    let kamioka = r
        .household(
            houkatsu,
            "神岡さんの世帯",
            home,
            &[(toshi, "head", false), (ichiro, "child", false)],
            r.at(35, 10, 25),
        )
        .await?;
    r.record(
        houkatsu,
        NewIntake {
            channel: Channel::HomeVisit,
            consulter_kind: ConsulterKind::CommunityVolunteer,
            consulter_name: "地区の民生委員".into(),
            summary: "民生委員から「最近トシさんの姿を見ない」と連絡があり訪問。腰痛で外出が減り、買い物は同居の長男が担っている。要介護認定の申請を案内した。".into(),
            issues: codes(&["care", "isolation"]),
            concerns: codes(&["care", "community_relations"]),
            most_pressing: Some("care".into()),
            ..r.intake(houkatsu, toshi, Some(kamioka), r.at(35, 10, 30))
        },
    )
    .await?;
    let to_outreach = r
        .refer(
            houkatsu,
            NewIntake {
                channel: Channel::HomeVisit,
                consulter_kind: ConsulterKind::Family,
                consulter_person_id: Some(toshi),
                consulter_name: "神岡 トシ".into(),
                consulter_relation: "母".into(),
                summary: "訪問時に母から相談。長男は10年ほど前に離職してから自宅にこもりがちで、収入は母の年金のみ。本人とは襖越しにあいさつだけできた。".into(),
                issues: codes(&["hikikomori", "employment", "household_8050"]),
                concerns: codes(&["hikikomori", "income", "job_search"]),
                most_pressing: Some("hikikomori".into()),
                outcome: Outcome::Referred,
                referred_to_agency_id: Some(shakyo.agency),
                referral_reason: "ひきこもり状態の長男(50代)への継続的な訪問(アウトリーチ)をお願いしたい。母の介護は当センターで対応中。".into(),
                ..r.intake(houkatsu, ichiro, Some(kamioka), r.at(35, 11, 10))
            },
        )
        .await?;
    r.accept(shakyo, to_outreach, r.at(33, 9, 15)).await?;
    r.log(
        shakyo,
        (Some(ichiro), None),
        27,
        EntryKind::Visit,
        "アウトリーチ支援員と2回目の訪問。本人が玄関まで出てきて5分ほど話せた。好きな釣りの話題で表情が和らぐ。次回は2週間後。",
    )
    .await?;
    r.log(
        houkatsu,
        (None, Some(kamioka)),
        20,
        EntryKind::Phone,
        "トシさんの要介護認定(要支援2)の結果を電話で伝えた。デイサービスの見学を提案し、長男も同席するとのこと。",
    )
    .await?;
    // Sent this morning: not yet overdue, waiting on 基幹相談支援センター's worklist.
    let sent = store.create_referral(
        r.municipality,
        ichiro,
        shakyo.agency,
        kikan.agency,
        "訪問を重ねる中で、発達障害の可能性がうかがえる。障害福祉サービスや手帳について、本人・母と一緒に相談したい。",
        shakyo.user,
    );
    kasane_store::as_of(r.at(0, 9, 0), sent).await?;

    // ヤングケアラー: 障がいのある母を15歳の長女が支える(中仙)。基幹 → 子ども支援課へのつなぎが
    // 受理されないまま6日(受理期限切れ)。
    let home = ("大仙市中仙字見本3-7", "nakasen");
    let yuki = r
        .person(
            kikan,
            Someone {
                name: "中仙 由紀",
                furigana: "ナカセン ユキ",
                age: 43,
                birthday: (6, 9),
                sex: "female",
                address: home.0,
                district: home.1,
                phone: "090-0000-3107",
            },
            r.at(60, 13, 50),
        )
        .await?;
    let hina = r
        .person(
            kikan,
            Someone {
                name: "中仙 陽菜",
                furigana: "ナカセン ヒナ",
                age: 15,
                birthday: (9, 21),
                sex: "female",
                address: home.0,
                district: home.1,
                phone: "",
            },
            r.at(60, 13, 50),
        )
        .await?;
    let aoi = r
        .person(
            kikan,
            Someone {
                name: "中仙 蒼",
                furigana: "ナカセン アオイ",
                age: 8,
                birthday: (1, 30),
                sex: "male",
                address: home.0,
                district: home.1,
                phone: "",
            },
            r.at(60, 13, 50),
        )
        .await?;
    let nakasen = r
        .household(
            kikan,
            "中仙さんの世帯",
            home,
            &[
                (yuki, "head", false),
                (hina, "child", true),
                (aoi, "child", false),
            ],
            r.at(60, 13, 55),
        )
        .await?;
    r.record(
        kikan,
        NewIntake {
            summary: "うつ病で通院中。体調の波が大きく、家事や下の子の世話を長女に頼ることが増えていると本人から相談。計画相談の利用を検討する。".into(),
            issues: codes(&["disability", "childcare"]),
            concerns: codes(&["health_disability", "childcare", "income"]),
            most_pressing: Some("health_disability".into()),
            ..r.intake(kikan, yuki, Some(nakasen), r.at(60, 14, 0))
        },
    )
    .await?;
    r.log(
        kikan,
        (None, Some(nakasen)),
        45,
        EntryKind::Visit,
        "自宅訪問。由紀さんと家事援助(居宅介護)の利用について話し合う。長女は学校で不在。",
    )
    .await?;
    r.refer(
        kikan,
        NewIntake {
            channel: Channel::ReferralIn,
            consulter_kind: ConsulterKind::Agency,
            consulter_name: "中学校 スクールソーシャルワーカー".into(),
            summary: "中学校のSSWから連絡。長女(中学3年)が母の体調の悪い日に弟の送迎や家事を担い、遅刻・欠席が増えている。本人は「大丈夫」と話すが疲れが見える。".into(),
            issues: codes(&["young_carer", "childcare"]),
            concerns: codes(&["family_relations", "childcare"]),
            most_pressing: Some("family_relations".into()),
            urgency: Urgency::High,
            outcome: Outcome::Referred,
            referred_to_agency_id: Some(kodomo_shien_ka),
            referral_reason: "ヤングケアラーとしての支援(家事支援・学習支援の検討)をお願いしたい。母の障がい福祉サービスは当センターで継続する。".into(),
            ..r.intake(kikan, hina, Some(nakasen), r.at(6, 10, 0))
        },
    )
    .await?;

    // 高齢独居、複合課題の可能性: 包括と自立相談の2つの窓口、介護・生活困窮・障がいの3分野(協和)。
    // 自立相談 → 基幹へのつなぎは完了。
    let home = ("大仙市協和字見本21", "kyowa");
    let masao = r
        .person(
            houkatsu,
            Someone {
                name: "協和 正男",
                furigana: "キョウワ マサオ",
                age: 67,
                birthday: (7, 14),
                sex: "male",
                address: home.0,
                district: home.1,
                phone: "0187-00-2101",
            },
            r.at(120, 9, 30),
        )
        .await?;
    let kyowa = r
        .household(
            houkatsu,
            "協和さんの世帯",
            home,
            &[(masao, "head", false)],
            r.at(120, 9, 35),
        )
        .await?;
    r.record(
        houkatsu,
        NewIntake {
            channel: Channel::Phone,
            consulter_kind: ConsulterKind::Neighbour,
            consulter_name: "近所の方".into(),
            consent_to_share: false,
            summary: "近所の方から「新聞がたまっている」と電話。訪問すると在宅で、糖尿病の治療を中断していた。受診を勧め、見守りを続ける。".into(),
            issues: codes(&["isolation", "health", "care"]),
            concerns: codes(&["health_disability", "community_relations"]),
            most_pressing: Some("health_disability".into()),
            ..r.intake(houkatsu, masao, Some(kyowa), r.at(120, 9, 40))
        },
    )
    .await?;
    let to_kikan = r
        .refer(
            jiritsu,
            NewIntake {
                summary: "年金が少なく、消費者金融からの借入れが返せないと来所。以前から不眠と気分の落ち込みがあり、精神科の受診歴がある。家計改善支援を始める。".into(),
                issues: codes(&["poverty", "debt", "disability"]),
                concerns: codes(&["debt", "income", "tax_utilities", "health_disability"]),
                most_pressing: Some("debt".into()),
                outcome: Outcome::Referred,
                referred_to_agency_id: Some(kikan.agency),
                referral_reason: "精神面の不調があり、自立支援医療・障害者手帳の申請支援をお願いしたい。家計と債務は当機関で継続する。".into(),
                ..r.intake(jiritsu, masao, Some(kyowa), r.at(100, 13, 30))
            },
        )
        .await?;
    r.accept(kikan, to_kikan, r.at(98, 9, 30)).await?;
    r.log(
        jiritsu,
        (Some(masao), None),
        25,
        EntryKind::Accompaniment,
        "法テラスの無料法律相談に同行。債務整理(任意整理)の方針となった。",
    )
    .await?;
    r.complete(
        kikan,
        to_kikan,
        (
            "自立支援医療(精神通院)の申請に同行し、相談支援事業所を紹介した。今後は計画相談で支援を続ける。",
            "yes",
        ),
        r.at(12, 16, 0),
    )
    .await?;

    // 高齢夫婦のみ(南外)。
    let home = ("大仙市南外字見本5", "nangai");
    let masaru = r
        .person(
            houkatsu,
            Someone {
                name: "南外 勝",
                furigana: "ナンガイ マサル",
                age: 81,
                birthday: (2, 11),
                sex: "male",
                address: home.0,
                district: home.1,
                phone: "0187-00-0501",
            },
            r.at(212, 10, 0),
        )
        .await?;
    let kiyo = r
        .person(
            houkatsu,
            Someone {
                name: "南外 キヨ",
                furigana: "ナンガイ キヨ",
                age: 78,
                birthday: (10, 5),
                sex: "female",
                address: home.0,
                district: home.1,
                phone: "0187-00-0501",
            },
            r.at(212, 10, 0),
        )
        .await?;
    let nangai = r
        .household(
            houkatsu,
            "南外さんの世帯",
            home,
            &[(masaru, "head", false), (kiyo, "spouse", false)],
            r.at(212, 10, 5),
        )
        .await?;
    r.record(
        houkatsu,
        NewIntake {
            channel: Channel::Phone,
            consulter_kind: ConsulterKind::Family,
            consulter_name: "南外 勝".into(),
            consulter_relation: "夫".into(),
            summary: "夫から「妻の物忘れが増え、火の不始末が心配」と電話。訪問して認知症初期集中支援チームの利用を検討する。".into(),
            issues: codes(&["care", "health"]),
            concerns: codes(&["care", "health_disability"]),
            most_pressing: Some("care".into()),
            ..r.intake(houkatsu, kiyo, Some(nangai), r.at(14, 10, 15))
        },
    )
    .await?;
    r.log(
        houkatsu,
        (None, Some(nangai)),
        7,
        EntryKind::Visit,
        "自宅訪問。キヨさんは穏やかに会話できるが日付があいまい。かかりつけ医への相談を勧めた。",
    )
    .await?;

    // 辞退されたつなぎ: 自立相談 → 包括。紹介元(自立相談)のワークリストに戻っている(太田)。
    let ken = r
        .person(
            jiritsu,
            Someone {
                name: "太田 健",
                furigana: "オオタ ケン",
                age: 60,
                birthday: (5, 27),
                sex: "male",
                address: "大仙市太田字見本8",
                district: "ota",
                phone: "080-0000-0808",
            },
            r.at(10, 14, 50),
        )
        .await?;
    let to_houkatsu = r
        .refer(
            jiritsu,
            NewIntake {
                summary: "勤め先の廃業で失職。昨年母を看取ってから一人暮らし。働きたい気持ちはあるが腰痛がある。".into(),
                issues: codes(&["employment", "poverty", "isolation"]),
                concerns: codes(&["job_search", "income"]),
                most_pressing: Some("job_search".into()),
                outcome: Outcome::Referred,
                referred_to_agency_id: Some(houkatsu.agency),
                referral_reason: "腰痛があり今後の生活に不安がある。介護保険サービスの利用について相談したい。".into(),
                ..r.intake(jiritsu, ken, None, r.at(10, 15, 0))
            },
        )
        .await?;
    r.decline(
        houkatsu,
        to_houkatsu,
        "60歳で、介護保険の対象となる特定疾病も確認できないため、当センターでは受理できません。就労と生活の立て直しは自立相談支援機関で継続をお願いします。腰痛については受診をお勧めください。",
        r.at(9, 11, 0),
    )
    .await?;

    // 包括に届いたばかりのつなぎ(未受理): README の最初のログイン例のワークリストに出る。
    let tome = r
        .person(
            shakyo,
            Someone {
                name: "刈和野 トメ",
                furigana: "カリワノ トメ",
                age: 86,
                birthday: (2, 14),
                sex: "female",
                address: "大仙市刈和野字見本4-2",
                district: "kyowa",
                phone: "0187-00-0402",
            },
            r.at(1, 9, 20),
        )
        .await?;
    r.refer(
        shakyo,
        NewIntake {
            summary:
                "近所の民生委員から、一人暮らしで最近外出が減り、物忘れもあるようだと相談があった。"
                    .into(),
            issues: codes(&["care", "isolation"]),
            concerns: codes(&["care", "community_relations"]),
            most_pressing: Some("care".into()),
            outcome: Outcome::Referred,
            referred_to_agency_id: Some(houkatsu.agency),
            referral_reason: "物忘れと閉じこもりが心配。介護保険の申請と見守りについて相談したい。"
                .into(),
            ..r.intake(shakyo, tome, None, r.at(1, 9, 30))
        },
    )
    .await?;

    // 名寄せ: 同じ方が二つの窓口で、異体字(渡邉/渡辺)と半角カナで記録されている。結び付けていないので、
    // 推進員が記録番号で結び付けを試せる(包括の記録は多機関協働へ上げてあるので推進員にも見える)。
    let sachiko = r
        .person(
            houkatsu,
            Someone {
                name: "渡邉 幸子",
                furigana: "ワタナベ サチコ",
                age: 74,
                birthday: (12, 3),
                sex: "female",
                address: "大仙市大曲字見本2-15",
                district: "omagari",
                phone: "0187-00-0215",
            },
            r.at(75, 10, 50),
        )
        .await?;
    let (sachiko_intake, _) = r.record(
        houkatsu,
        NewIntake {
            summary: "要介護3の夫の介護を一人で担っている。年金生活で介護サービスの自己負担が重いと来所。".into(),
            issues: codes(&["care", "poverty"]),
            concerns: codes(&["care", "income"]),
            most_pressing: Some("care".into()),
            outcome: Outcome::Escalated,
            ..r.intake(houkatsu, sachiko, None, r.at(75, 11, 0))
        },
    )
    .await?;
    let sachiko_variant = r
        .person(
            shakyo,
            Someone {
                name: "渡辺 幸子",
                furigana: "ﾜﾀﾅﾍﾞ ｻﾁｺ",
                age: 74,
                birthday: (12, 3),
                sex: "female",
                address: "大仙市大曲字見本2-15",
                district: "omagari",
                phone: "",
            },
            r.at(18, 14, 10),
        )
        .await?;
    r.record(
        shakyo,
        NewIntake {
            summary:
                "生活福祉資金の貸付について来所。夫の介護費用がかさみ、公共料金を滞納している。"
                    .into(),
            issues: codes(&["poverty", "debt"]),
            concerns: codes(&["tax_utilities", "income"]),
            most_pressing: Some("tax_utilities".into()),
            ..r.intake(shakyo, sachiko_variant, None, r.at(18, 14, 20))
        },
    )
    .await?;
    collaboration::daisen(
        &r,
        collaboration::DaisenIds {
            kamioka,
            ichiro,
            nakasen,
            masao,
            nangai,
            masaru,
            ken,
            sachiko,
            sachiko_intake,
        },
    )
    .await?;
    outreach::daisen(&r).await
}

async fn load_yuzawa(store: &Store) -> Result<()> {
    let r = Records::new(store, "yuzawa").await?;
    let houkatsu = r.worker("yuzawa.houkatsu").await?;
    let kikan = r.worker("yuzawa.kikan").await?;
    let kodomo = r.worker("yuzawa.kodomo").await?;
    match_review::pending(
        &r,
        houkatsu,
        kikan,
        Someone {
            name: "菅 和子",
            furigana: "スガ カズコ",
            age: 69,
            birthday: (11, 2),
            sex: "female",
            address: "湯沢市表町1-2",
            district: "yuzawa",
            phone: "",
        },
    )
    .await?;
    let sogo_sodan = r.agency("sogo_sodan").await?;

    // 8050: 86歳の母と、ひきこもり状態の57歳の長男(稲川)。包括 → 社協総合相談室へのつなぎが
    // 8日間受理されていない(受理期限切れ)。
    let home = ("湯沢市稲川字見本4", "inakawa");
    let haru = r
        .person(
            houkatsu,
            Someone {
                name: "稲川 ハル",
                furigana: "イナカワ ハル",
                age: 86,
                birthday: (4, 22),
                sex: "female",
                address: home.0,
                district: home.1,
                phone: "0183-00-0404",
            },
            r.at(8, 9, 50),
        )
        .await?;
    let koji = r
        .person(
            houkatsu,
            Someone {
                name: "稲川 浩二",
                furigana: "イナカワ コウジ",
                age: 57,
                birthday: (8, 8),
                sex: "male",
                address: home.0,
                district: home.1,
                phone: "0183-00-0404",
            },
            r.at(8, 9, 50),
        )
        .await?;
    let inakawa = r
        .household(
            houkatsu,
            "稲川さんの世帯",
            home,
            &[(haru, "head", false), (koji, "child", false)],
            r.at(8, 9, 55),
        )
        .await?;
    r.record(
        houkatsu,
        NewIntake {
            channel: Channel::HomeVisit,
            consulter_kind: ConsulterKind::Agency,
            consulter_name: "担当ケアマネジャー".into(),
            summary: "担当ケアマネジャーから、同居の長男が介護サービスの利用を断るようになったと相談。訪問して状況を確認した。".into(),
            issues: codes(&["care"]),
            concerns: codes(&["care"]),
            ..r.intake(houkatsu, haru, Some(inakawa), r.at(8, 10, 0))
        },
    )
    .await?;
    r.refer(
        houkatsu,
        NewIntake {
            channel: Channel::HomeVisit,
            consulter_kind: ConsulterKind::Family,
            consulter_name: "稲川 ハル".into(),
            consulter_relation: "母".into(),
            summary: "訪問時に母から相談。長男は20年以上ほとんど外出せず、母の年金で暮らしている。母は「自分がいなくなった後が心配」と話す。".into(),
            issues: codes(&["hikikomori", "employment", "poverty"]),
            concerns: codes(&["hikikomori", "income", "family_relations"]),
            most_pressing: Some("hikikomori".into()),
            outcome: Outcome::Referred,
            referred_to_agency_id: Some(sogo_sodan),
            referral_reason: "長男(50代)が長年ひきこもり状態。今後の生活と就労について、総合相談室での継続相談につなぎたい。".into(),
            ..r.intake(houkatsu, koji, Some(inakawa), r.at(8, 10, 40))
        },
    )
    .await?;

    // ヤングケアラー: 難病で車いすを使う母を15歳の長男が支える(雄勝)。基幹 → 子ども家庭センター(受理)。
    let home = ("湯沢市雄勝字見本10", "ogachi");
    let misaki = r
        .person(
            kikan,
            Someone {
                name: "雄勝 美咲",
                furigana: "オガチ ミサキ",
                age: 41,
                birthday: (5, 5),
                sex: "female",
                address: home.0,
                district: home.1,
                phone: "090-0000-1010",
            },
            r.at(90, 12, 50),
        )
        .await?;
    let ren = r
        .person(
            kikan,
            Someone {
                name: "雄勝 蓮",
                furigana: "オガチ レン",
                age: 15,
                birthday: (12, 24),
                sex: "male",
                address: home.0,
                district: home.1,
                phone: "",
            },
            r.at(90, 12, 50),
        )
        .await?;
    let ogachi = r
        .household(
            kikan,
            "雄勝さんの世帯",
            home,
            &[(misaki, "head", false), (ren, "child", true)],
            r.at(90, 12, 55),
        )
        .await?;
    r.record(
        kikan,
        NewIntake {
            summary: "進行性の難病で車いすを使用。日中の家事や入浴の介助を長男(中学3年)が担っていると本人から相談。居宅介護の支給量の見直しを検討する。".into(),
            issues: codes(&["disability", "care"]),
            concerns: codes(&["health_disability", "care"]),
            most_pressing: Some("health_disability".into()),
            ..r.intake(kikan, misaki, Some(ogachi), r.at(90, 13, 0))
        },
    )
    .await?;
    let to_kodomo = r
        .refer(
            kikan,
            NewIntake {
                channel: Channel::Phone,
                consulter_kind: ConsulterKind::Family,
                consulter_name: "雄勝 美咲".into(),
                consulter_relation: "母".into(),
                summary: "母から電話。長男が部活動をやめると言い出した。家のことで疲れているのではと心配している。".into(),
                issues: codes(&["young_carer"]),
                concerns: codes(&["family_relations"]),
                outcome: Outcome::Referred,
                referred_to_agency_id: Some(kodomo.agency),
                referral_reason: "ヤングケアラーの可能性。長男本人の気持ちを聞き、学校と連携した支援をお願いしたい。".into(),
                ..r.intake(kikan, ren, Some(ogachi), r.at(30, 16, 0))
            },
        )
        .await?;
    r.accept(kodomo, to_kodomo, r.at(28, 9, 0)).await?;
    r.log(
        kodomo,
        (Some(ren), None),
        21,
        EntryKind::Meeting,
        "蓮さんと面談。部活動は続けたいとの希望。ヘルパーの利用を増やして放課後の負担を減らす方向で、基幹相談支援センターと調整する。",
    )
    .await?;

    // 高齢独居(皆瀬)。包括 → 基幹へのつなぎは辞退され、包括のワークリストに戻っている。
    let home = ("湯沢市皆瀬字見本2", "minase");
    let miyo = r
        .person(
            houkatsu,
            Someone {
                name: "皆瀬 ミヨ",
                furigana: "ミナセ ミヨ",
                age: 89,
                birthday: (1, 15),
                sex: "female",
                address: home.0,
                district: home.1,
                phone: "0183-00-0202",
            },
            r.at(25, 9, 20),
        )
        .await?;
    let minase = r
        .household(
            houkatsu,
            "皆瀬さんの世帯",
            home,
            &[(miyo, "head", false)],
            r.at(25, 9, 25),
        )
        .await?;
    let to_kikan = r
        .refer(
            houkatsu,
            NewIntake {
                channel: Channel::Phone,
                consulter_kind: ConsulterKind::CommunityVolunteer,
                consulter_name: "地区の民生委員".into(),
                summary: "民生委員から、冬の除雪と通院が難しくなっていると電話。耳が遠くなり、電話での連絡も取りにくい。".into(),
                issues: codes(&["care", "isolation", "housing"]),
                concerns: codes(&["care", "housing", "community_relations"]),
                most_pressing: Some("care".into()),
                outcome: Outcome::Referred,
                referred_to_agency_id: Some(kikan.agency),
                referral_reason: "聴力の低下があり、身体障害者手帳の取得と補聴器の支給について支援をお願いしたい。".into(),
                ..r.intake(houkatsu, miyo, Some(minase), r.at(25, 9, 30))
            },
        )
        .await?;
    r.decline(
        kikan,
        to_kikan,
        "身体障害者手帳の申請と補聴器(補装具)の支給は福祉課の窓口で手続きできます。当センターの継続支援の対象ではないため、窓口への案内をお願いします。",
        r.at(24, 15, 0),
    )
    .await?;

    // 複合課題の可能性: 65歳で障がい福祉から介護保険へ(湯沢)。基幹 → 包括へのつなぎは完了。
    let kazuo = r
        .person(
            kikan,
            Someone {
                name: "三関 和夫",
                furigana: "サンセキ カズオ",
                age: 65,
                birthday: (3, 3),
                sex: "male",
                address: "湯沢市三関字見本6",
                district: "yuzawa",
                phone: "0183-00-0606",
            },
            r.at(60, 10, 50),
        )
        .await?;
    let to_houkatsu = r
        .refer(
            kikan,
            NewIntake {
                summary: "65歳になり、障害福祉サービスから介護保険サービスへの移行について相談。就労継続支援B型の利用は続けたい。収入は障害年金のみ。".into(),
                issues: codes(&["disability", "care", "poverty"]),
                concerns: codes(&["health_disability", "care", "income"]),
                most_pressing: Some("care".into()),
                outcome: Outcome::Referred,
                referred_to_agency_id: Some(houkatsu.agency),
                referral_reason: "65歳到達による介護保険サービスへの移行。移行後もB型事業所の利用継続を希望している。".into(),
                ..r.intake(kikan, kazuo, None, r.at(60, 11, 0))
            },
        )
        .await?;
    r.accept(houkatsu, to_houkatsu, r.at(58, 10, 0)).await?;
    r.complete(
        houkatsu,
        to_houkatsu,
        (
            "要介護認定(要支援1)の申請を支援し、通所型サービスの利用を始めた。B型事業所の利用継続も調整した。",
            "partly",
        ),
        r.at(30, 14, 0),
    )
    .await?;
    r.log(
        houkatsu,
        (Some(kazuo), None),
        20,
        EntryKind::Phone,
        "通所型サービスの利用状況を電話で確認。週2回通えている。",
    )
    .await?;
    collaboration::yuzawa(
        &r,
        collaboration::YuzawaIds {
            inakawa,
            koji,
            ogachi,
            misaki,
            kazuo,
            miyo,
        },
    )
    .await?;
    outreach::yuzawa(&r).await
}
