//! Municipality configuration (自治体設定): who the consultation windows are, what the
//! two meetings are called locally, the districts, the issue taxonomy, the figures the
//! municipality published and its implementation-plan schedule.
//!
//! Loaded from TOML (`data/municipalities/*.toml`) by [`parse_config`], which refuses
//! unknown fields and then checks the whole file, reporting every problem at once.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------

/// 分野 — the field an agency or issue belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// 高齢
    Elderly,
    /// 障がい
    Disability,
    /// 子ども・子育て
    Child,
    /// 生活困窮
    Poverty,
    /// その他（分野横断を含む）
    Other,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Elderly,
        Field::Disability,
        Field::Child,
        Field::Poverty,
        Field::Other,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            Field::Elderly => "elderly",
            Field::Disability => "disability",
            Field::Child => "child",
            Field::Poverty => "poverty",
            Field::Other => "other",
        }
    }

    /// The Japanese label shown in the UI.
    pub fn label(&self) -> &'static str {
        match self {
            Field::Elderly => "高齢",
            Field::Disability => "障がい",
            Field::Child => "子ども・子育て",
            Field::Poverty => "生活困窮",
            Field::Other => "その他",
        }
    }
}

/// 実施方式 — how the municipality runs an agency or programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationMode {
    /// 直営
    Direct,
    /// 委託
    Commissioned,
    /// 補助
    Subsidised,
}

impl OperationMode {
    pub const ALL: [OperationMode; 3] = [
        OperationMode::Direct,
        OperationMode::Commissioned,
        OperationMode::Subsidised,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            OperationMode::Direct => "direct",
            OperationMode::Commissioned => "commissioned",
            OperationMode::Subsidised => "subsidised",
        }
    }

    /// The Japanese label shown in the UI.
    pub fn label(&self) -> &'static str {
        match self {
            OperationMode::Direct => "直営",
            OperationMode::Commissioned => "委託",
            OperationMode::Subsidised => "補助",
        }
    }
}

/// What part an agency plays in the consultation system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// 包括的相談窓口: receives consultations whatever the field and keeps the records.
    ComprehensiveWindow,
    /// 身近な相談場所 (介護サービス事業所, 障がいサービス事業所, 子育て支援センター…):
    /// notices and connects people to a window; keeps no case records.
    NearbyPlace,
    /// 行政 (社会福祉課, 福祉課…): hosts meetings, coordinates, keeps records.
    Administration,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 3] = [
        AgencyKind::ComprehensiveWindow,
        AgencyKind::NearbyPlace,
        AgencyKind::Administration,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            AgencyKind::ComprehensiveWindow => "comprehensive_window",
            AgencyKind::NearbyPlace => "nearby_place",
            AgencyKind::Administration => "administration",
        }
    }

    /// The Japanese label shown in the UI.
    pub fn label(&self) -> &'static str {
        match self {
            AgencyKind::ComprehensiveWindow => "包括的相談窓口",
            AgencyKind::NearbyPlace => "身近な相談場所",
            AgencyKind::Administration => "行政",
        }
    }

    /// Whether agencies of this kind receive consultations and keep case records.
    /// 身近な相談場所 only notice and connect.
    pub fn holds_records(&self) -> bool {
        match self {
            AgencyKind::ComprehensiveWindow | AgencyKind::Administration => true,
            AgencyKind::NearbyPlace => false,
        }
    }
}

/// The five functions of 重層的支援体制整備事業.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pillar {
    /// 相談支援
    Consultation,
    /// 参加支援
    Participation,
    /// 地域づくり
    Community,
    /// 多機関協働
    Collaboration,
    /// アウトリーチ
    Outreach,
}

impl Pillar {
    pub const ALL: [Pillar; 5] = [
        Pillar::Consultation,
        Pillar::Participation,
        Pillar::Community,
        Pillar::Collaboration,
        Pillar::Outreach,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            Pillar::Consultation => "consultation",
            Pillar::Participation => "participation",
            Pillar::Community => "community",
            Pillar::Collaboration => "collaboration",
            Pillar::Outreach => "outreach",
        }
    }

    /// The Japanese label shown in the UI.
    pub fn label(&self) -> &'static str {
        match self {
            Pillar::Consultation => "相談支援",
            Pillar::Participation => "参加支援",
            Pillar::Community => "地域づくり",
            Pillar::Collaboration => "多機関協働",
            Pillar::Outreach => "アウトリーチ",
        }
    }
}

macro_rules! display_as_code {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    )*};
}
display_as_code!(Field, OperationMode, AgencyKind, Pillar);

// ---------------------------------------------------------------------------
// Configuration types
// ---------------------------------------------------------------------------

/// One municipality's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityConfig {
    /// Short ASCII slug used in the CLI and URLs, e.g. `daisen`.
    pub code: String,
    /// 全国地方公共団体コード (6 digits including the check digit), e.g. `052124`.
    pub lg_code: String,
    /// 自治体名, e.g. 大仙市.
    pub name: String,
    /// 都道府県名, e.g. 秋田県.
    pub prefecture: String,
    /// The local name of the programme, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme_name: Option<String>,
    /// Only when the source documents give figures; never invented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<Population>,
    /// 多機関協働事業者 (or where the 相談支援包括化推進員 sit): an agency code.
    pub coordinating_agency: String,
    /// 支援会議 (法第106条の6).
    pub support_meeting: MeetingConfig,
    /// 重層的支援会議.
    pub multilayer_meeting: MeetingConfig,
    #[serde(default)]
    pub districts: Vec<District>,
    pub agencies: Vec<AgencyConfig>,
    pub issue_categories: Vec<IssueCategory>,
    #[serde(default)]
    pub seed_figures: Vec<SeedFigure>,
    /// 実施計画の年度別スケジュール.
    #[serde(default)]
    pub plan_schedule: Vec<PlanScheduleItem>,
    /// Days a receiving agency has to acknowledge a つなぎ before it turns overdue
    /// (default [`crate::referral::DEFAULT_ACK_DAYS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_ack_days: Option<u32>,
    /// アウトリーチの接触リズム: the defaults every outreach case starts from (each field
    /// optional; kasane's own defaults otherwise, see [`crate::outreach::Rhythm`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outreach: Option<OutreachConfig>,
}

/// `[outreach]`: how often an outreach case is to be contacted and when its worklist
/// alerts are raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutreachConfig {
    /// 接触の間隔(日): an attempt is due this many days after the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_interval_days: Option<u32>,
    /// This many attempts in a row reaching nobody raise an alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreached_attempts: Option<u32>,
    /// No move of the 関係構築段階 for this many months raises an alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_months: Option<u32>,
}

/// 自治体概要 figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// 時点. In TOML a bare date (`2023-06-30`) or a string.
    #[serde(deserialize_with = "date::deserialize")]
    pub as_of: NaiveDate,
    /// 人口
    pub total: u32,
    /// うち65歳以上
    pub aged_65_plus: u32,
    /// 世帯数
    pub households: u32,
    /// 面積 (km²)
    pub area_km2: f64,
    /// 高齢化率 (%)
    pub ageing_rate_percent: f64,
}

/// A meeting and the agency that hosts (convenes) it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingConfig {
    /// The local name, e.g. 「つながる・ささえる」ネットワーク会議.
    pub name: String,
    /// Agency code of the host.
    pub host_agency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// 地域 / 地区.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    pub code: String,
    pub name: String,
}

/// 相談支援機関 / 相談窓口 / 身近な相談場所 / 行政.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyConfig {
    pub code: String,
    pub name: String,
    pub field: Field,
    /// `None` when the municipality neither runs, commissions nor subsidises it
    /// (e.g. private 介護サービス事業所) or the source does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_mode: Option<OperationMode>,
    pub kind: AgencyKind,
    /// 箇所数, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<u32>,
    /// 人員配置.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staffing: Vec<Staffing>,
    /// 担当課 / 所管課.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// District code, when the agency serves one district.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl AgencyConfig {
    /// Whether this agency receives consultations and keeps case records.
    pub fn holds_records(&self) -> bool {
        self.kind.holds_records()
    }

    /// Total staff listed.
    pub fn staff_total(&self) -> u32 {
        self.staffing.iter().map(|s| s.count).sum()
    }
}

/// 人員配置: one profession and its head count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staffing {
    pub profession: String,
    pub count: u32,
}

/// 課題 tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueCategory {
    pub code: String,
    pub name: String,
    pub field: Field,
}

/// A figure published in the source documents (箇所数, 団体数, 人数…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFigure {
    pub key: String,
    pub label: String,
    pub value: i64,
    pub unit: String,
    /// 年度 the figure refers to, when the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_year: Option<i32>,
    pub pillar: Pillar,
}

/// One row of the implementation-plan schedule, spanning fiscal years inclusively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanScheduleItem {
    pub pillar: Pillar,
    pub item: String,
    pub from_fiscal_year: i32,
    pub to_fiscal_year: i32,
}

impl PlanScheduleItem {
    /// Whether the item is scheduled in `fiscal_year`.
    pub fn covers(&self, fiscal_year: i32) -> bool {
        (self.from_fiscal_year..=self.to_fiscal_year).contains(&fiscal_year)
    }
}

impl MunicipalityConfig {
    pub fn agency(&self, code: &str) -> Option<&AgencyConfig> {
        self.agencies.iter().find(|a| a.code == code)
    }

    pub fn district(&self, code: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.code == code)
    }

    /// The codes of the issue taxonomy (課題の分野), in the configured order.
    pub fn issue_codes(&self) -> Vec<&str> {
        self.issue_categories
            .iter()
            .map(|c| c.code.as_str())
            .collect()
    }

    pub fn issue_category(&self, code: &str) -> Option<&IssueCategory> {
        self.issue_categories.iter().find(|c| c.code == code)
    }

    pub fn seed_figure(&self, key: &str) -> Option<&SeedFigure> {
        self.seed_figures.iter().find(|f| f.key == key)
    }

    /// The 多機関協働事業者 (validated to exist by [`parse_config`]).
    pub fn coordinating(&self) -> Option<&AgencyConfig> {
        self.agency(&self.coordinating_agency)
    }

    /// Agencies that receive consultations and keep records.
    pub fn record_holding_agencies(&self) -> impl Iterator<Item = &AgencyConfig> {
        self.agencies.iter().filter(|a| a.holds_records())
    }

    /// Schedule rows of one pillar, in file order.
    pub fn schedule_for(&self, pillar: Pillar) -> impl Iterator<Item = &PlanScheduleItem> {
        self.plan_schedule
            .iter()
            .filter(move |i| i.pillar == pillar)
    }

    /// The outreach rhythm: the configured values, kasane's defaults for the rest.
    pub fn outreach_rhythm(&self) -> crate::outreach::Rhythm {
        let d = crate::outreach::Rhythm::default();
        let o = self.outreach.unwrap_or_default();
        crate::outreach::Rhythm {
            interval_days: o.contact_interval_days.unwrap_or(d.interval_days),
            unreached_attempts: o.unreached_attempts.unwrap_or(d.unreached_attempts),
            stall_months: o.stall_months.unwrap_or(d.stall_months),
        }
    }

    /// First and last fiscal year of the schedule, if there is one.
    pub fn schedule_span(&self) -> Option<(i32, i32)> {
        let from = self
            .plan_schedule
            .iter()
            .map(|i| i.from_fiscal_year)
            .min()?;
        let to = self.plan_schedule.iter().map(|i| i.to_fiscal_year).max()?;
        Some((from, to))
    }
}

// ---------------------------------------------------------------------------
// Errors and parsing
// ---------------------------------------------------------------------------

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The TOML could not be read or does not fit the schema. `line`/`column` are
    /// 1-based (column counts characters); both are 0 when the position is unknown.
    #[error("{}", syntax_display(*line, *column, message))]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// The TOML was read, but its contents are inconsistent. Lists every problem.
    #[error("設定に誤りがあります（{}件）:\n{}", .0.len(), bullet_list(.0))]
    Invalid(Vec<String>),
}

fn syntax_display(line: usize, column: usize, message: &str) -> String {
    if line == 0 {
        format!("設定ファイルを読み込めません: {message}")
    } else {
        format!("{line}行目 {column}列目: {message}")
    }
}

fn bullet_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("- {s}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parse and validate a municipality configuration.
pub fn parse_config(src: &str) -> Result<MunicipalityConfig, ConfigError> {
    let config: MunicipalityConfig = toml::from_str(src).map_err(|e| syntax_error(src, &e))?;
    let problems = validate(&config);
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError::Invalid(problems))
    }
}

fn syntax_error(src: &str, e: &toml::de::Error) -> ConfigError {
    let (line, column) = match e.span() {
        Some(span) => line_column(src, span.start),
        None => (0, 0),
    };
    ConfigError::Syntax {
        line,
        column,
        message: japanese_message(e.message()),
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Put the common schema messages into Japanese; keep the rest as the parser wrote them.
fn japanese_message(message: &str) -> String {
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let message = message.as_str();
    let expected = |rest: &str| -> String {
        let rest = rest.trim_start_matches(',').trim();
        let list = rest
            .strip_prefix("expected one of ")
            .or_else(|| rest.strip_prefix("expected "));
        match list {
            Some(list) => format!("使えるのは {}", list.replace("` or `", "`, `")),
            None => rest.to_string(),
        }
    };
    let quoted = |rest: &str| -> Option<(String, String)> {
        let rest = rest.strip_prefix('`')?;
        let end = rest.find('`')?;
        Some((rest[..end].to_string(), rest[end + 1..].to_string()))
    };
    if let Some((name, rest)) = message.strip_prefix("unknown field ").and_then(quoted) {
        let expected = expected(&rest);
        return if expected.is_empty() {
            format!("不明な項目 `{name}` です")
        } else {
            format!("不明な項目 `{name}` です（{expected}）")
        };
    }
    if let Some((name, _)) = message.strip_prefix("missing field ").and_then(quoted) {
        return format!("必須項目 `{name}` がありません");
    }
    if let Some((name, rest)) = message.strip_prefix("unknown variant ").and_then(quoted) {
        return format!("`{name}` は使えない値です（{}）", expected(&rest));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return format!("値の型が違います（{rest}）");
    }
    if message.starts_with("duplicate key") {
        return format!("同じキーが2回書かれています（{message}）");
    }
    format!("TOMLの書式に誤りがあります（{message}）")
}

/// TOML dates: accept a bare TOML date (`2023-06-30`) or a string.
mod date {
    use chrono::NaiveDate;
    use serde::de::{self, Deserializer, MapAccess, Visitor};
    use std::fmt;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        d.deserialize_any(DateVisitor)
    }

    struct DateVisitor;

    impl<'de> Visitor<'de> for DateVisitor {
        type Value = NaiveDate;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("日付（例: 2023-06-30）")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<NaiveDate, E> {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| E::custom(format!("日付 \"{v}\" を読めません（例: 2023-06-30）")))
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<NaiveDate, A::Error> {
            let dt = <toml::value::Datetime as de::Deserialize>::deserialize(
                de::value::MapAccessDeserializer::new(map),
            )?;
            match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                        .ok_or_else(|| de::Error::custom(format!("日付 {dt} は存在しません")))
                }
                _ => Err(de::Error::custom(format!(
                    "{dt} は日付だけで指定してください（例: 2023-06-30）"
                ))),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

/// 都道府県コード 01..=47 → name.
const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

const MIN_FISCAL_YEAR: i32 = 1989; // 平成元年度
const MAX_FISCAL_YEAR: i32 = 2100;

/// A code used in CLI/URLs/data: starts with a lowercase ASCII letter or digit,
/// then lowercase letters, digits, `_` or `-`; at most 40 characters.
fn is_slug(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// The check digit of a 全国地方公共団体コード, from its first five digits.
fn lg_check_digit(first5: &[u32]) -> u32 {
    let sum: u32 = first5.iter().zip([6, 5, 4, 3, 2]).map(|(d, w)| d * w).sum();
    (11 - sum % 11) % 10
}

fn check_lg_code(config: &MunicipalityConfig, problems: &mut Vec<String>) {
    let code = &config.lg_code;
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    if code.chars().count() != 6 || digits.len() != 6 || !code.is_ascii() {
        problems.push(format!(
            "全国地方公共団体コード \"{code}\" は6桁の半角数字で指定してください（例: 052124）"
        ));
        return;
    }
    let expected = lg_check_digit(&digits[..5]);
    if digits[5] != expected {
        problems.push(format!(
            "全国地方公共団体コード \"{code}\" の検査数字（6桁目）が正しくありません（{expected} のはずです）"
        ));
    }
    let pref = (digits[0] * 10 + digits[1]) as usize;
    match pref.checked_sub(1).and_then(|i| PREFECTURES.get(i)) {
        None => problems.push(format!(
            "全国地方公共団体コード \"{code}\" の都道府県コード {:02} は存在しません",
            pref
        )),
        Some(name) if !config.prefecture.trim().is_empty() && *name != config.prefecture => {
            problems.push(format!(
                "全国地方公共団体コード \"{code}\" は{name}のコードですが、都道府県名は \"{}\" になっています",
                config.prefecture
            ));
        }
        Some(_) => {}
    }
}

fn check_population(p: &Population, problems: &mut Vec<String>) {
    if p.total == 0 {
        problems.push("人口（total）が0です".to_string());
        return;
    }
    if p.aged_65_plus > p.total {
        problems.push(format!(
            "65歳以上人口 {} が総人口 {} を超えています",
            p.aged_65_plus, p.total
        ));
    }
    if p.households == 0 || p.households > p.total {
        problems.push(format!(
            "世帯数 {} が正しくありません（1以上、人口 {} 以下）",
            p.households, p.total
        ));
    }
    if !(p.area_km2.is_finite() && p.area_km2 > 0.0) {
        problems.push(format!("面積 {} km² が正しくありません", p.area_km2));
    }
    let computed = f64::from(p.aged_65_plus) * 100.0 / f64::from(p.total);
    if !p.ageing_rate_percent.is_finite() || (computed - p.ageing_rate_percent).abs() > 0.1 {
        problems.push(format!(
            "高齢化率 {}% が 65歳以上人口÷人口（{:.2}%）と合いません",
            p.ageing_rate_percent, computed
        ));
    }
}

/// Records each code, reporting empty, malformed and duplicate ones.
fn check_codes<'a>(
    what: &str,
    codes: impl Iterator<Item = &'a str>,
    problems: &mut Vec<String>,
) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    for code in codes {
        if !is_slug(code) {
            problems.push(format!(
                "{what} \"{code}\" は半角英小文字・数字・「_」「-」で指定してください"
            ));
        }
        if !seen.insert(code) {
            problems.push(format!("{what} \"{code}\" が重複しています"));
        }
    }
    seen
}

fn check_unique_names<'a>(
    what: &str,
    names: impl Iterator<Item = &'a str>,
    problems: &mut Vec<String>,
) {
    let mut seen = BTreeSet::new();
    for name in names {
        if name.trim().is_empty() {
            problems.push(format!("{what}が空の項目があります"));
        } else if !seen.insert(name) {
            problems.push(format!("{what} \"{name}\" が重複しています"));
        }
    }
}

fn check_year(what: &str, year: i32, problems: &mut Vec<String>) {
    if !(MIN_FISCAL_YEAR..=MAX_FISCAL_YEAR).contains(&year) {
        problems.push(format!(
            "{what}の年度 {year} が範囲外です（{MIN_FISCAL_YEAR}〜{MAX_FISCAL_YEAR}）"
        ));
    }
}

fn check_host(
    what: &str,
    code: &str,
    config: &MunicipalityConfig,
    agency_codes: &BTreeSet<&str>,
    problems: &mut Vec<String>,
) {
    if !agency_codes.contains(code) {
        problems.push(format!("{what} \"{code}\" が agencies にありません"));
    } else if let Some(a) = config.agency(code).filter(|a| !a.holds_records()) {
        problems.push(format!(
            "{what} \"{code}\"（{}）は身近な相談場所のため指定できません（記録を持つ機関を指定してください）",
            a.name
        ));
    }
}

/// Every semantic problem in the configuration, in Japanese. Empty when valid.
pub fn validate(config: &MunicipalityConfig) -> Vec<String> {
    let mut problems = Vec::new();

    if !is_slug(&config.code) {
        problems.push(format!(
            "自治体コード（code） \"{}\" は半角英小文字・数字・「_」「-」で指定してください（例: daisen）",
            config.code
        ));
    }
    check_lg_code(config, &mut problems);
    if config.name.trim().is_empty() {
        problems.push("自治体名（name）が空です".to_string());
    }
    if config.prefecture.trim().is_empty() {
        problems.push("都道府県名（prefecture）が空です".to_string());
    }
    if let Some(p) = &config.population {
        check_population(p, &mut problems);
    }

    // 地区
    let district_codes = check_codes(
        "地区コード",
        config.districts.iter().map(|d| d.code.as_str()),
        &mut problems,
    );
    check_unique_names(
        "地区名",
        config.districts.iter().map(|d| d.name.as_str()),
        &mut problems,
    );

    // 機関
    if config.agencies.is_empty() {
        problems.push("機関（agencies）が1つもありません".to_string());
    }
    let agency_codes = check_codes(
        "機関コード",
        config.agencies.iter().map(|a| a.code.as_str()),
        &mut problems,
    );
    check_unique_names(
        "機関名",
        config.agencies.iter().map(|a| a.name.as_str()),
        &mut problems,
    );
    for a in &config.agencies {
        if let Some(d) = a
            .district
            .as_deref()
            .filter(|d| !district_codes.contains(d))
        {
            problems.push(format!(
                "機関 \"{}\" の地区 \"{d}\" が districts にありません",
                a.code
            ));
        }
        if a.sites == Some(0) {
            problems.push(format!("機関 \"{}\" の箇所数が0です", a.code));
        }
        if a.department.as_deref().is_some_and(|s| s.trim().is_empty()) {
            problems.push(format!("機関 \"{}\" の担当課が空です", a.code));
        }
        let mut professions = BTreeSet::new();
        for s in &a.staffing {
            if s.profession.trim().is_empty() {
                problems.push(format!(
                    "機関 \"{}\" の人員配置に職種が空の行があります",
                    a.code
                ));
            } else if !professions.insert(s.profession.as_str()) {
                problems.push(format!(
                    "機関 \"{}\" の人員配置で職種 \"{}\" が重複しています",
                    a.code, s.profession
                ));
            }
            if s.count == 0 {
                problems.push(format!(
                    "機関 \"{}\" の人員配置で \"{}\" の人数が0です",
                    a.code, s.profession
                ));
            }
        }
    }

    // 多機関協働事業者・会議
    check_host(
        "多機関協働事業者",
        &config.coordinating_agency,
        config,
        &agency_codes,
        &mut problems,
    );
    for (what, meeting) in [
        ("支援会議", &config.support_meeting),
        ("重層的支援会議", &config.multilayer_meeting),
    ] {
        if meeting.name.trim().is_empty() {
            problems.push(format!("{what}の名称が空です"));
        }
        check_host(
            &format!("{what}の主催機関"),
            &meeting.host_agency,
            config,
            &agency_codes,
            &mut problems,
        );
    }
    if !config.support_meeting.name.trim().is_empty()
        && config.support_meeting.name == config.multilayer_meeting.name
    {
        problems.push(format!(
            "支援会議と重層的支援会議が同じ名称 \"{}\" です（同意の要否が違うため区別が必要です）",
            config.support_meeting.name
        ));
    }

    // 課題分類
    if config.issue_categories.is_empty() {
        problems.push("課題分類（issue_categories）が1つもありません".to_string());
    }
    check_codes(
        "課題分類コード",
        config.issue_categories.iter().map(|c| c.code.as_str()),
        &mut problems,
    );
    check_unique_names(
        "課題分類名",
        config.issue_categories.iter().map(|c| c.name.as_str()),
        &mut problems,
    );

    // 実績値
    check_codes(
        "実績値キー",
        config.seed_figures.iter().map(|f| f.key.as_str()),
        &mut problems,
    );
    for f in &config.seed_figures {
        if f.label.trim().is_empty() {
            problems.push(format!("実績値 \"{}\" の名称（label）が空です", f.key));
        }
        if f.unit.trim().is_empty() {
            problems.push(format!("実績値 \"{}\" の単位（unit）が空です", f.key));
        }
        if f.value < 0 {
            problems.push(format!("実績値 \"{}\" が負の値 {} です", f.key, f.value));
        }
        if let Some(y) = f.fiscal_year {
            check_year(&format!("実績値 \"{}\"", f.key), y, &mut problems);
        }
    }

    // 実施計画スケジュール
    for item in &config.plan_schedule {
        if item.item.trim().is_empty() {
            problems.push(format!(
                "実施計画スケジュール（{}）に内容が空の行があります",
                item.pillar.label()
            ));
        }
        let what = format!("実施計画スケジュール「{}」", item.item);
        check_year(
            &format!("{what}の開始"),
            item.from_fiscal_year,
            &mut problems,
        );
        check_year(&format!("{what}の終了"), item.to_fiscal_year, &mut problems);
        if item.from_fiscal_year > item.to_fiscal_year {
            problems.push(format!(
                "{what}の開始年度 {} が終了年度 {} より後になっています",
                item.from_fiscal_year, item.to_fiscal_year
            ));
        }
    }

    // アウトリーチの接触リズム
    if let Some(o) = &config.outreach {
        for (key, value, max) in [
            (
                "contact_interval_days",
                o.contact_interval_days,
                crate::outreach::MAX_INTERVAL_DAYS,
            ),
            ("unreached_attempts", o.unreached_attempts, 20),
            ("stall_months", o.stall_months, 36),
        ] {
            if let Some(v) = value.filter(|v| !(1..=max).contains(v)) {
                problems.push(format!(
                    "outreach.{key} は1から{max}の範囲で指定してください（{v}）"
                ));
            }
        }
    }

    problems
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const DAISEN: &str = include_str!("../../../data/municipalities/daisen.toml");
    const YUZAWA: &str = include_str!("../../../data/municipalities/yuzawa.toml");

    /// A small valid configuration to break in tests.
    const MINIMAL: &str = r#"
code = "testcity"
lg_code = "052124"
name = "テスト市"
prefecture = "秋田県"
coordinating_agency = "shakyo"

[support_meeting]
name = "支援会議"
host_agency = "fukushi"

[multilayer_meeting]
name = "重層的支援会議"
host_agency = "shakyo"

[[districts]]
code = "chuo"
name = "中央"

[[agencies]]
code = "fukushi"
name = "福祉課"
field = "other"
operation_mode = "direct"
kind = "administration"

[[agencies]]
code = "shakyo"
name = "社会福祉協議会"
field = "other"
operation_mode = "commissioned"
kind = "comprehensive_window"

[[agencies]]
code = "hiroba"
name = "ひろば"
field = "child"
kind = "nearby_place"
district = "chuo"

[[issue_categories]]
code = "care"
name = "介護"
field = "elderly"

[[plan_schedule]]
pillar = "consultation"
item = "相談窓口の周知"
from_fiscal_year = 2024
to_fiscal_year = 2025
"#;

    fn figure(c: &MunicipalityConfig, key: &str) -> i64 {
        match c.seed_figure(key) {
            Some(f) => f.value,
            None => panic!("実績値 {key} がありません"),
        }
    }

    fn invalid(src: &str) -> Vec<String> {
        match parse_config(src) {
            Err(ConfigError::Invalid(p)) => p,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn minimal_parses() {
        let c = parse_config(MINIMAL).unwrap();
        assert_eq!(c.code, "testcity");
        assert_eq!(c.agency("hiroba").unwrap().operation_mode, None);
        assert!(!c.agency("hiroba").unwrap().holds_records());
        assert!(c.agency("nope").is_none());
        assert_eq!(c.coordinating().unwrap().name, "社会福祉協議会");
        assert_eq!(c.record_holding_agencies().count(), 2);
    }

    #[test]
    fn the_outreach_rhythm_defaults_and_its_bounds() {
        let c = parse_config(MINIMAL).unwrap();
        assert_eq!(c.outreach_rhythm(), crate::outreach::Rhythm::default());
        let src = format!("{MINIMAL}\n[outreach]\ncontact_interval_days = 14\n");
        let c = parse_config(&src).unwrap_or_else(|e| panic!("{e}"));
        let r = c.outreach_rhythm();
        assert_eq!(r.interval_days, 14);
        assert_eq!(
            r.unreached_attempts,
            crate::outreach::Rhythm::default().unreached_attempts
        );
        let src = format!("{MINIMAL}\n[outreach]\nstall_months = 0\nunreached_attempts = 99\n");
        let problems = invalid(&src);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("outreach.unreached_attempts"),
            "{problems:?}"
        );
        let src = format!("{MINIMAL}\n[outreach]\nweekly = true\n");
        assert!(matches!(
            parse_config(&src),
            Err(ConfigError::Syntax { .. })
        ));
    }

    #[test]
    fn daisen_file_parses_with_seed_contents() {
        let c = parse_config(DAISEN).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.code, "daisen");
        assert_eq!(c.lg_code, "052124");
        assert_eq!(c.name, "大仙市");
        assert_eq!(c.prefecture, "秋田県");
        assert_eq!(
            c.programme_name.as_deref(),
            Some("「つながる・ささえる」ネットワーク整備事業")
        );

        let p = c.population.as_ref().unwrap();
        assert_eq!(p.as_of, NaiveDate::from_ymd_opt(2023, 6, 30).unwrap());
        assert_eq!(
            (p.total, p.aged_65_plus, p.households),
            (75_718, 29_860, 31_632)
        );
        assert!((p.area_km2 - 866.79).abs() < 1e-9);
        assert!((p.ageing_rate_percent - 39.4).abs() < 1e-9);

        assert_eq!(
            c.support_meeting.name,
            "「つながる・ささえる」ネットワーク会議"
        );
        assert_eq!(
            c.agency(&c.support_meeting.host_agency).unwrap().name,
            "社会福祉課"
        );
        assert_eq!(c.multilayer_meeting.name, "「つながる・ささえる」支援会議");
        assert_eq!(c.multilayer_meeting.host_agency, c.coordinating_agency);

        let coord = c.coordinating().unwrap();
        assert_eq!(coord.name, "大仙市社会福祉協議会");
        assert_eq!(coord.operation_mode, Some(OperationMode::Commissioned));
        assert!(coord.holds_records());

        let districts: Vec<&str> = c.districts.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            districts,
            [
                "大曲",
                "神岡",
                "西仙北",
                "中仙",
                "協和",
                "南外",
                "仙北",
                "太田"
            ]
        );

        // Seed-named agencies.
        for name in [
            "社会福祉課",
            "大仙市社会福祉協議会",
            "高齢者包括支援センター",
            "子ども支援課",
            "地域活動支援センターふれあい",
            "まるこのひろば",
            "つなっこひろば",
            "うさちゃんひろば",
        ] {
            assert!(
                c.agencies.iter().any(|a| a.name == name),
                "{name} がありません"
            );
        }
        // Anything not in the seed is marked as such.
        for a in &c.agencies {
            if a.name == "基幹相談支援センター" || a.name == "自立相談支援機関" {
                assert_eq!(a.note.as_deref(), Some("シードに明記なし・デモ用"));
            }
        }
        let hiroba = c
            .agencies
            .iter()
            .find(|a| a.name == "つなっこひろば")
            .unwrap();
        assert_eq!(hiroba.kind, AgencyKind::NearbyPlace);
        assert_eq!(
            c.district(hiroba.district.as_deref().unwrap())
                .unwrap()
                .name,
            "西仙北"
        );

        assert_eq!(figure(&c, "ikiiki_course_sessions"), 5);
        assert_eq!(figure(&c, "ikiiki_graduates"), 13);
        assert_eq!(figure(&c, "self_help_circles"), 47);
        assert_eq!(figure(&c, "senior_clubs"), 14);
        assert_eq!(figure(&c, "kayoi_grants"), 11);
        assert_eq!(figure(&c, "life_support_coordinators"), 3);
        assert_eq!(figure(&c, "kurashi_support_councils"), 10);
        assert_eq!(figure(&c, "community_activity_centres"), 1);
        assert_eq!(figure(&c, "childcare_hubs"), 3);
        assert_eq!(
            c.seed_figure("self_help_circles").unwrap().fiscal_year,
            Some(2021)
        );
        assert_eq!(
            c.seed_figure("kurashi_support_councils")
                .unwrap()
                .fiscal_year,
            None
        );
        assert!(c.plan_schedule.is_empty());
        assert_eq!(c.schedule_span(), None);

        for code in [
            "hikikomori",
            "isolation",
            "care",
            "childcare",
            "disability",
            "employment",
            "poverty",
            "abuse",
            "suicide",
            "housing",
            "health",
            "dv",
            "young_carer",
            "household_8050",
            "debt",
        ] {
            assert!(c.issue_category(code).is_some(), "課題 {code} がありません");
        }
    }

    #[test]
    fn yuzawa_file_parses_with_seed_contents() {
        let c = parse_config(YUZAWA).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.code, "yuzawa");
        assert_eq!(c.lg_code, "052078");
        assert_eq!(c.name, "湯沢市");
        assert!(c.population.is_none(), "湯沢市の人口はシードにありません");

        assert_eq!(c.support_meeting.name, "支援会議");
        assert_eq!(c.multilayer_meeting.name, "重層的支援会議");
        let coord = c.coordinating().unwrap();
        assert_eq!(coord.name, "福祉課地域福祉班");
        assert_eq!(coord.kind, AgencyKind::Administration);
        assert_eq!(c.multilayer_meeting.host_agency, c.coordinating_agency);

        let districts: Vec<&str> = c.districts.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(districts, ["湯沢", "稲川", "雄勝", "皆瀬"]);

        let windows: Vec<&str> = c
            .agencies
            .iter()
            .filter(|a| a.kind == AgencyKind::ComprehensiveWindow)
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(
            windows,
            [
                "湯沢市地域包括支援センター",
                "湯沢市稲川・皆瀬地域包括支援センター",
                "湯沢市基幹相談支援センター",
                "湯沢市子ども家庭センター",
                "湯沢市社会福祉協議会総合相談室",
            ]
        );
        let houkatsu = c
            .agencies
            .iter()
            .find(|a| a.name == "湯沢市地域包括支援センター")
            .unwrap();
        assert_eq!(houkatsu.staff_total(), 9);
        assert!(houkatsu.note.as_deref().unwrap().contains("合計"));
        let chikatsu = c
            .agencies
            .iter()
            .find(|a| a.name == "地域活動支援センター")
            .unwrap();
        assert_eq!(chikatsu.operation_mode, Some(OperationMode::Subsidised));
        assert_eq!(chikatsu.staff_total(), 3);

        assert_eq!(figure(&c, "council_tier1"), 1);
        assert_eq!(figure(&c, "council_tier2"), 4);
        assert_eq!(figure(&c, "coordinator_tier1"), 1);
        assert_eq!(figure(&c, "coordinator_tier2"), 4);
        assert_eq!(figure(&c, "childcare_hub_nursery_teachers"), 5);

        assert_eq!(c.schedule_span(), Some((2024, 2028)));
        for year in 2024..=2028 {
            for pillar in Pillar::ALL {
                assert!(
                    c.schedule_for(pillar).any(|i| i.covers(year)),
                    "{}: {year}年度の予定がありません",
                    pillar.label()
                );
            }
        }
        let span = |item: &str| {
            let i = c
                .plan_schedule
                .iter()
                .find(|i| i.item == item)
                .unwrap_or_else(|| panic!("{item} がありません"));
            (i.from_fiscal_year, i.to_fiscal_year)
        };
        assert_eq!(span("相談窓口の周知強化"), (2024, 2024));
        assert_eq!(span("相談窓口の周知継続"), (2025, 2028));
        assert_eq!(span("相談体制の整備"), (2024, 2024));
        assert_eq!(span("相談体制の評価見直し"), (2025, 2028));
        assert_eq!(span("参加支援体制の整備"), (2024, 2026));
        assert_eq!(span("参加支援体制の評価・見直し"), (2027, 2028));
        assert_eq!(span("地域づくり支援体制の評価・見直し"), (2028, 2028));
    }

    #[test]
    fn both_files_share_the_issue_taxonomy() {
        let d = parse_config(DAISEN).unwrap();
        let y = parse_config(YUZAWA).unwrap();
        assert_eq!(d.issue_categories, y.issue_categories);
        assert_eq!(d.issue_category("care").unwrap().field, Field::Elderly);
        assert_eq!(
            d.issue_category("young_carer").unwrap().name,
            "ヤングケアラー"
        );
    }

    #[test]
    fn malformed_toml_reports_line_and_column() {
        let src = "code = \"x\"\nlg_code = \"052124\"\nname = \"大仙市\nprefecture = \"秋田県\"\n";
        match parse_config(src) {
            Err(ConfigError::Syntax { line, column, .. }) => {
                // The string runs to the end of line 3; the column is counted in
                // characters (`name = "大仙市` is 11), so Japanese text does not skew it.
                assert_eq!((line, column), (3, 12));
            }
            other => panic!("expected Syntax, got {other:?}"),
        }
        let src = "code = \"x\"\nlg_code = \"052124\"\nname = = 1\n";
        match parse_config(src) {
            Err(e @ ConfigError::Syntax { .. }) => {
                let ConfigError::Syntax { line, column, .. } = &e else {
                    unreachable!()
                };
                assert_eq!((*line, *column), (3, 8));
                assert!(e.to_string().starts_with("3行目 8列目: "), "{e}");
            }
            other => panic!("expected Syntax, got {other:?}"),
        }
    }

    #[test]
    fn unknown_field_is_refused_with_its_position() {
        let src = MINIMAL.replace("name = \"中央\"", "name = \"中央\"\npopulation_total = 3");
        match parse_config(&src) {
            Err(e @ ConfigError::Syntax { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("population_total"), "{msg}");
                assert!(msg.contains("不明な項目"), "{msg}");
                assert!(msg.contains("使えるのは `code`, `name`"), "{msg}");
                let line = src
                    .lines()
                    .position(|l| l.starts_with("population_total"))
                    .unwrap()
                    + 1;
                assert!(msg.starts_with(&format!("{line}行目 1列目")), "{msg}");
            }
            other => panic!("expected Syntax, got {other:?}"),
        }
        let src = MINIMAL.replace(
            "code = \"testcity\"",
            "code = \"testcity\"\ncolour = \"red\"",
        );
        assert!(matches!(
            parse_config(&src),
            Err(ConfigError::Syntax { .. })
        ));
    }

    #[test]
    fn unknown_enum_value_is_refused() {
        let src = MINIMAL.replace("field = \"child\"", "field = \"kids\"");
        let e = parse_config(&src).unwrap_err();
        assert!(e.to_string().contains("kids"), "{e}");
    }

    #[test]
    fn every_semantic_problem_is_listed() {
        let src = MINIMAL
            .replace("lg_code = \"052124\"", "lg_code = \"05212\"")
            .replace(
                "coordinating_agency = \"shakyo\"",
                "coordinating_agency = \"y\"",
            )
            .replace("host_agency = \"fukushi\"", "host_agency = \"kacho\"")
            .replace("code = \"hiroba\"", "code = \"shakyo\"")
            .replace("from_fiscal_year = 2024", "from_fiscal_year = 2026");
        let problems = invalid(&src);
        let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
        assert!(has("全国地方公共団体コード \"05212\""), "{problems:#?}");
        assert!(
            has("機関コード \"shakyo\" が重複しています"),
            "{problems:#?}"
        );
        assert!(
            has("多機関協働事業者 \"y\" が agencies にありません"),
            "{problems:#?}"
        );
        assert!(
            has("支援会議の主催機関 \"kacho\" が agencies にありません"),
            "{problems:#?}"
        );
        assert!(has("開始年度 2026 が終了年度 2025 より後"), "{problems:#?}");
        assert_eq!(problems.len(), 5, "{problems:#?}");
        let shown = ConfigError::Invalid(problems).to_string();
        assert!(shown.starts_with("設定に誤りがあります（5件）"), "{shown}");
    }

    #[test]
    fn lg_code_check_digit_and_prefecture() {
        assert_eq!(lg_check_digit(&[0, 5, 2, 1, 2]), 4); // 大仙市 052124
        assert_eq!(lg_check_digit(&[0, 5, 2, 0, 7]), 8); // 湯沢市 052078
        assert_eq!(lg_check_digit(&[1, 1, 0, 0, 0]), 1); // 埼玉県 110001 (remainder 0)
        assert_eq!(lg_check_digit(&[0, 9, 0, 0, 0]), 0); // 栃木県 090000 (remainder 1)

        let bad_digit = MINIMAL.replace("\"052124\"", "\"052125\"");
        assert!(invalid(&bad_digit)[0].contains("検査数字"));
        let wrong_pref = MINIMAL.replace("prefecture = \"秋田県\"", "prefecture = \"山形県\"");
        assert!(invalid(&wrong_pref)[0].contains("秋田県のコード"));
        let letters = MINIMAL.replace("\"052124\"", "\"05212a\"");
        assert!(invalid(&letters)[0].contains("6桁"));
        let no_pref = MINIMAL.replace("\"052124\"", "\"482120\"");
        assert!(
            invalid(&no_pref)
                .iter()
                .any(|p| p.contains("都道府県コード 48"))
        );
    }

    #[test]
    fn nearby_place_cannot_coordinate_or_host() {
        let src = MINIMAL
            .replace(
                "coordinating_agency = \"shakyo\"",
                "coordinating_agency = \"hiroba\"",
            )
            .replace("host_agency = \"shakyo\"", "host_agency = \"hiroba\"");
        let problems = invalid(&src);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems.iter().all(|p| p.contains("身近な相談場所")));
    }

    #[test]
    fn other_reference_and_value_checks() {
        let src = MINIMAL
            .replace("district = \"chuo\"", "district = \"kita\"")
            .replace("name = \"重層的支援会議\"", "name = \"支援会議\"");
        let problems = invalid(&src);
        assert!(
            problems.iter().any(|p| p.contains("地区 \"kita\"")),
            "{problems:#?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("同じ名称")),
            "{problems:#?}"
        );

        let with_pop = MINIMAL.replace(
            "[support_meeting]",
            "[population]\nas_of = 2023-06-30\ntotal = 100\naged_65_plus = 40\nhouseholds = 50\narea_km2 = 1.0\nageing_rate_percent = 30.0\n\n[support_meeting]",
        );
        let problems = invalid(&with_pop);
        assert!(problems[0].contains("高齢化率"), "{problems:#?}");

        let string_date = with_pop
            .replace("2023-06-30", "\"2023-06-30\"")
            .replace("30.0", "40.0");
        let c = parse_config(&string_date).unwrap();
        assert_eq!(
            c.population.unwrap().as_of,
            NaiveDate::from_ymd_opt(2023, 6, 30).unwrap()
        );
        let datetime = with_pop.replace("2023-06-30", "2023-06-30T10:00:00");
        assert!(matches!(
            parse_config(&datetime),
            Err(ConfigError::Syntax { .. })
        ));
    }

    #[test]
    fn line_column_counts_characters() {
        let src = "あいう\nえお=";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, "あいう\n".len()), (2, 1));
        assert_eq!(line_column(src, "あいう\nえお".len()), (2, 3));
        assert_eq!(line_column(src, 1), (1, 1)); // inside a character
        assert_eq!(line_column(src, 999), (2, 4));
    }

    #[test]
    fn labels_are_japanese() {
        assert_eq!(Field::Child.label(), "子ども・子育て");
        assert_eq!(OperationMode::Subsidised.label(), "補助");
        assert_eq!(AgencyKind::NearbyPlace.label(), "身近な相談場所");
        assert_eq!(Pillar::Outreach.label(), "アウトリーチ");
        assert!(AgencyKind::ComprehensiveWindow.holds_records());
        assert!(AgencyKind::Administration.holds_records());
        assert!(!AgencyKind::NearbyPlace.holds_records());
        assert_eq!(Pillar::Community.to_string(), "community");
    }
}
