//! 相談受付 (intake): one form for every window and every field. This module parses the
//! raw form into a [`ValidIntake`] or refuses it with every problem at once; storage and
//! the clock live elsewhere (the current time comes in through [`IntakeRules`]).
//!
//! Also home to the two things the other record-keeping modules share: [`FieldError`]
//! and the `coded_enum!` macro behind every `code()`/`label()` enum here.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::identity::AgencyId;
use crate::municipality::MunicipalityConfig;
use crate::wareki;

// ---------------------------------------------------------------------------
// Shared: field errors and coded enums
// ---------------------------------------------------------------------------

/// One problem with one form field. `field` is the draft's field name (the form puts the
/// message next to that input); Display shows only the Japanese message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// A code that is not one of an enum's codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("不明な{what}です: 「{given}」({expected} のいずれか)")]
pub struct UnknownCode {
    /// What was being chosen (相談経路, 緊急度…).
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

/// Declares a closed set of codes with `ALL`, `code()`, `label()`, `Display` (the code),
/// `FromStr` (from the code, surrounding spaces ignored) and serde as the code — so the
/// stored code, the URL/API code and the form value can never drift apart.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => ($code:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        $vis enum $name {
            $( $(#[$vmeta])* #[doc = $label] #[serde(rename = $code)] $variant ),+
        }

        impl $name {
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The Japanese label shown in the UI.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::intake::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let s = s.trim();
                $name::ALL
                    .into_iter()
                    .find(|v| v.code() == s)
                    .ok_or_else(|| $crate::intake::UnknownCode {
                        what: $what,
                        given: s.to_string(),
                        expected: $name::ALL.map($name::code).join(", "),
                    })
            }
        }

        /// A stored code read back (the store decodes rows with it).
        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::intake::UnknownCode;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}
pub(crate) use coded_enum;

/// Parses a required coded field: empty → "〜を選んでください", unknown → the code error.
pub(crate) fn parse_choice<T>(field: &'static str, what: &str, raw: &str) -> Result<T, FieldError>
where
    T: std::str::FromStr<Err = UnknownCode>,
{
    if raw.trim().is_empty() {
        return Err(FieldError::new(field, format!("{what}を選んでください")));
    }
    raw.parse()
        .map_err(|e: UnknownCode| FieldError::new(field, e.to_string()))
}

// ---------------------------------------------------------------------------
// The choices on the form
// ---------------------------------------------------------------------------

coded_enum! {
    /// 相談経路 — how the consultation reached the window.
    pub enum Channel("相談経路") {
        VisitIn => ("visit_in", "来所"),
        Phone => ("phone", "電話"),
        HomeVisit => ("home_visit", "訪問"),
        Email => ("email", "メール"),
        ReferralIn => ("referral_in", "関係機関から"),
        Outreach => ("outreach", "アウトリーチで発見"),
    }
}

coded_enum! {
    /// 相談者 — who came or called (not necessarily the person supported).
    pub enum ConsulterKind("相談者") {
        Person => ("person", "本人"),
        Family => ("family", "家族"),
        Neighbour => ("neighbour", "近隣"),
        CommunityVolunteer => ("community_volunteer", "民生委員・福祉員"),
        Agency => ("agency", "関係機関"),
        Other => ("other", "その他"),
    }
}

coded_enum! {
    /// 緊急度.
    pub enum Urgency("緊急度") {
        Normal => ("normal", "通常"),
        High => ("high", "至急"),
        Emergency => ("emergency", "緊急"),
    }
}

coded_enum! {
    /// 対応結果 — what the receiving window did with the consultation.
    pub enum Outcome("対応結果") {
        Handled => ("handled", "単独対応"),
        Referred => ("referred", "つなぎ"),
        Escalated => ("escalated", "多機関協働へ"),
        InfoOnly => ("info_only", "情報提供のみ"),
    }
}

coded_enum! {
    /// 相談内容 — the checklist of the 生活困窮 標準様式 相談受付・申込票, in the form's order.
    pub enum ConcernItem("相談内容") {
        HealthDisability => ("health_disability", "病気・健康・障害"),
        Housing => ("housing", "住まい"),
        Income => ("income", "収入・生活費"),
        RentLoan => ("rent_loan", "家賃・ローン"),
        TaxUtilities => ("tax_utilities", "税金・公共料金"),
        Debt => ("debt", "債務"),
        JobSearch => ("job_search", "仕事探し"),
        WorkTrouble => ("work_trouble", "仕事上のトラブル"),
        CommunityRelations => ("community_relations", "地域との関係"),
        FamilyRelations => ("family_relations", "家族との関係"),
        Childcare => ("childcare", "子育て"),
        Care => ("care", "介護"),
        Hikikomori => ("hikikomori", "ひきこもり・不登校"),
        DvAbuse => ("dv_abuse", "DV・虐待"),
        NoFood => ("no_food", "食べるものがない"),
        Other => ("other", "その他"),
    }
}

/// The checklist item a municipality issue code (課題タグ) corresponds to, for pre-ticking
/// the checklist and for reporting in 標準様式 terms. `None` for codes outside the common
/// taxonomy (a municipality's own tags); the worker ticks the checklist by hand then.
///
/// `suicide` maps to 病気・健康・障害: the 標準様式 has no item for it, and 自殺念慮 is
/// followed up as mental health. Its urgency is carried by the immediate-action rule in
/// [`validate`], not by the checklist. `young_carer` is 介護 because the carer is caring.
pub fn concern_for_issue(issue_code: &str) -> Option<ConcernItem> {
    use ConcernItem as C;
    Some(match issue_code.trim() {
        "hikikomori" | "household_8050" => C::Hikikomori,
        "isolation" => C::CommunityRelations,
        "care" | "young_carer" => C::Care,
        "childcare" => C::Childcare,
        "disability" | "health" | "suicide" => C::HealthDisability,
        "employment" => C::JobSearch,
        "poverty" => C::Income,
        "abuse" | "dv" => C::DvAbuse,
        "housing" => C::Housing,
        "debt" => C::Debt,
        _ => return None,
    })
}

/// Issue codes whose intake cannot be saved without the immediate action already taken:
/// a life or safety may be at stake, and the record must show it was acted on, not only
/// noted. `dv` is included because its checklist item (DV・虐待) triggers the rule anyway.
pub const IMMEDIATE_ACTION_ISSUES: [&str; 3] = ["abuse", "suicide", "dv"];

/// Whether these issues and checklist items require 「緊急対応の内容」 — the form uses this
/// to show the field as soon as a triggering box is ticked.
pub fn requires_immediate_action<'a>(
    issues: impl IntoIterator<Item = &'a str>,
    concerns: impl IntoIterator<Item = ConcernItem>,
) -> bool {
    issues
        .into_iter()
        .any(|i| IMMEDIATE_ACTION_ISSUES.contains(&i.trim()))
        || concerns.into_iter().any(|c| c == ConcernItem::DvAbuse)
}

/// One row of the intake form's single checklist: a 課題 of the municipality's taxonomy
/// (ticking it ticks its 標準様式 item, [`checklist_concern`]), or a 標準様式 item that no 課題
/// of the taxonomy covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecklistRow<'a> {
    Issue {
        code: &'a str,
        name: &'a str,
        concern: ConcernItem,
    },
    Concern(ConcernItem),
}

impl ChecklistRow<'_> {
    pub fn concern(self) -> ConcernItem {
        match self {
            ChecklistRow::Issue { concern, .. } => concern,
            ChecklistRow::Concern(c) => c,
        }
    }

    /// The value its ◎ sends as `most_pressing` (read back by [`most_pressing_of_row`]).
    pub fn key(self) -> String {
        match self {
            ChecklistRow::Issue { code, .. } => format!("{ISSUE_ROW_PREFIX}{code}"),
            ChecklistRow::Concern(c) => c.code().to_string(),
        }
    }
}

const ISSUE_ROW_PREFIX: &str = "issue-";

/// The 標準様式 item a 課題 ticks on the single checklist: its [`concern_for_issue`], or
/// その他 for a municipality's own tag.
pub fn checklist_concern(issue_code: &str) -> ConcernItem {
    concern_for_issue(issue_code).unwrap_or(ConcernItem::Other)
}

/// The single checklist: the 標準様式 items in the form's order, each shown as the
/// municipality's 課題 that map onto it (a municipality's own tags at その他), so no item
/// appears twice. An item covered by 課題 is still shown on its own when `ticked` has it
/// without any of those 課題 (an intake recorded through the API), so a correction keeps it.
pub fn checklist<'a>(
    config: &'a MunicipalityConfig,
    issues: &[String],
    concerns: &[String],
) -> Vec<ChecklistRow<'a>> {
    let mut rows = Vec::new();
    for item in ConcernItem::ALL {
        let covering: Vec<ChecklistRow<'a>> = config
            .issue_categories
            .iter()
            .filter(|c| checklist_concern(&c.code) == item)
            .map(|c| ChecklistRow::Issue {
                code: &c.code,
                name: &c.name,
                concern: item,
            })
            .collect();
        let covering_ticked = covering.iter().any(|r| match r {
            ChecklistRow::Issue { code, .. } => issues.iter().any(|i| i.trim() == *code),
            ChecklistRow::Concern(_) => false,
        });
        let item_ticked = concerns.iter().any(|c| c.trim() == item.code());
        let own_row =
            covering.is_empty() || item == ConcernItem::Other || (item_ticked && !covering_ticked);
        rows.extend(covering);
        if own_row {
            rows.push(ChecklistRow::Concern(item));
        }
    }
    rows
}

/// A ◎ as the checklist sends it (a row's [`ChecklistRow::key`]) as a 相談内容 code; any
/// other value is passed on unchanged for [`validate`] to judge.
pub fn most_pressing_of_row(value: &str) -> String {
    match value.trim().strip_prefix(ISSUE_ROW_PREFIX) {
        Some(issue) => checklist_concern(issue).code().to_string(),
        None => value.trim().to_string(),
    }
}

impl IntakeDraft {
    /// Ticks the 標準様式 item of every ticked 課題 (the single checklist ticks both at once).
    pub fn tick_concerns_of_issues(&mut self) {
        for issue in &self.issues {
            let code = checklist_concern(issue).code();
            if !issue.trim().is_empty() && !self.concerns.iter().any(|c| c == code) {
                self.concerns.push(code.to_string());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The form and its validation
// ---------------------------------------------------------------------------

pub const SUMMARY_MAX_CHARS: usize = 4000;
pub const IMMEDIATE_ACTION_MAX_CHARS: usize = 4000;
pub const CONSULTER_NAME_MAX_CHARS: usize = 100;
pub const CONSULTER_RELATION_MAX_CHARS: usize = 50;
/// A consulter picked while 相談者 is 本人: the person's own record is the intake's.
pub const CONSULTER_IS_THE_PERSON: &str = "相談者が「本人」のときは、相談者を登録済みの方から選ばないでください(本人の記録に記録されます)";
/// How far ahead of the server clock a received time may be (a worker's PC clock runs fast).
pub const CLOCK_SKEW_MINUTES: i64 = 5;
/// How far back an intake may be dated: older than this is almost always a typo in the year.
pub const MAX_BACKDATE_MONTHS: u32 = 12;

/// The intake form as submitted: strings and options, nothing trusted yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntakeDraft {
    /// `2025-04-01T10:30` (as `<input type=datetime-local>` sends it), `2025-04-01 10:30`,
    /// or a 和暦 date and a time (`R7.4.1 10:30`). Empty means now.
    pub received_at: String,
    /// `None` means the user's own agency.
    pub receiving_agency_id: Option<AgencyId>,
    pub channel: String,
    pub consulter_kind: String,
    /// The consulter's own record, when they are a registered person (picked, never typed).
    pub consulter_person_id: Option<i64>,
    pub consulter_name: String,
    pub consulter_relation: String,
    /// 課題 codes from the municipality's taxonomy.
    pub issues: Vec<String>,
    /// Ticked [`ConcernItem`] codes.
    pub concerns: Vec<String>,
    /// The ◎ item: must be one of the ticked `concerns`.
    pub most_pressing: Option<String>,
    /// 本人同意あり (true) / なし (false); must be answered.
    pub consent_to_share: Option<bool>,
    pub summary: String,
    pub urgency: String,
    pub outcome: String,
    /// Required when `outcome` is `referred`.
    pub referred_to_agency_id: Option<AgencyId>,
    /// 緊急対応の内容: required with [`IMMEDIATE_ACTION_ISSUES`] or DV・虐待.
    pub immediate_action: String,
}

/// What validation needs from outside the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeRules {
    /// The municipality's 課題 codes; any other code is refused.
    pub issue_codes: BTreeSet<String>,
    /// Local (municipal) time now; the caller reads the clock.
    pub now: NaiveDateTime,
    /// The user's agency: the receiving agency when the form leaves it empty.
    pub default_agency_id: AgencyId,
}

impl IntakeRules {
    pub fn new(
        issue_codes: impl IntoIterator<Item = impl Into<String>>,
        now: NaiveDateTime,
        default_agency_id: AgencyId,
    ) -> Self {
        IntakeRules {
            issue_codes: issue_codes.into_iter().map(Into::into).collect(),
            now,
            default_agency_id,
        }
    }

    /// Rules with the issue taxonomy of a municipality's configuration.
    pub fn from_config(
        config: &MunicipalityConfig,
        now: NaiveDateTime,
        default_agency_id: AgencyId,
    ) -> Self {
        Self::new(
            config.issue_categories.iter().map(|c| c.code.clone()),
            now,
            default_agency_id,
        )
    }
}

/// A checked intake, ready to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidIntake {
    pub received_at: NaiveDateTime,
    pub receiving_agency_id: AgencyId,
    pub channel: Channel,
    pub consulter_kind: ConsulterKind,
    /// Never with [`ConsulterKind::Person`]: the person themself has their own record.
    pub consulter_person_id: Option<i64>,
    /// Trimmed; may be empty (匿名の通報 happen).
    pub consulter_name: String,
    pub consulter_relation: String,
    /// Distinct, in the order given.
    pub issues: Vec<String>,
    /// Distinct, in the order given.
    pub concerns: Vec<ConcernItem>,
    pub most_pressing: Option<ConcernItem>,
    pub consent_to_share: bool,
    pub summary: String,
    pub urgency: Urgency,
    pub outcome: Outcome,
    /// `Some` exactly when `outcome` is [`Outcome::Referred`].
    pub referred_to_agency_id: Option<AgencyId>,
    pub immediate_action: Option<String>,
}

/// Checks an intake form, reporting every problem at once.
///
/// The ◎ item: with a single ticked concern it defaults to that one; with several, the
/// worker must choose (the 標準様式 asks for exactly one ◎).
pub fn validate(draft: &IntakeDraft, rules: &IntakeRules) -> Result<ValidIntake, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut check = |r: Result<(), FieldError>| {
        if let Err(e) = r {
            errors.push(e);
        }
    };

    let received_at = match parse_received_at(&draft.received_at, rules.now) {
        Ok(at) => {
            check(check_received_at(at, rules.now));
            Some(at)
        }
        Err(e) => {
            check(Err(e));
            None
        }
    };
    let receiving_agency_id = draft.receiving_agency_id.unwrap_or(rules.default_agency_id);

    let channel = parse_choice::<Channel>("channel", "相談経路", &draft.channel);
    let consulter_kind =
        parse_choice::<ConsulterKind>("consulter_kind", "相談者", &draft.consulter_kind);
    let urgency = parse_choice::<Urgency>("urgency", "緊急度", &draft.urgency);
    let outcome = parse_choice::<Outcome>("outcome", "対応結果", &draft.outcome);

    if matches!(consulter_kind, Ok(ConsulterKind::Person)) && draft.consulter_person_id.is_some() {
        check(Err(FieldError::new(
            "consulter_person_id",
            CONSULTER_IS_THE_PERSON,
        )));
    }
    let consulter_name = draft.consulter_name.trim().to_string();
    check(max_chars(
        "consulter_name",
        "相談者の氏名",
        &consulter_name,
        CONSULTER_NAME_MAX_CHARS,
    ));
    let consulter_relation = draft.consulter_relation.trim().to_string();
    check(max_chars(
        "consulter_relation",
        "本人との関係",
        &consulter_relation,
        CONSULTER_RELATION_MAX_CHARS,
    ));

    let mut issues: Vec<String> = Vec::new();
    for raw in &draft.issues {
        let code = raw.trim();
        if code.is_empty() || issues.iter().any(|i| i == code) {
            continue;
        }
        if rules.issue_codes.contains(code) {
            issues.push(code.to_string());
        } else {
            check(Err(FieldError::new(
                "issues",
                format!("「{code}」はこの自治体の課題の一覧にありません"),
            )));
        }
    }

    let mut concerns: Vec<ConcernItem> = Vec::new();
    for raw in draft.concerns.iter().filter(|c| !c.trim().is_empty()) {
        match raw.parse::<ConcernItem>() {
            Ok(c) if !concerns.contains(&c) => concerns.push(c),
            Ok(_) => {}
            Err(e) => check(Err(FieldError::new("concerns", e.to_string()))),
        }
    }
    // Only when nothing was ticked at all: an unknown code already has its own message.
    if draft
        .issues
        .iter()
        .chain(&draft.concerns)
        .all(|s| s.trim().is_empty())
    {
        check(Err(FieldError::new(
            "issues",
            "課題または相談内容を1つ以上選んでください",
        )));
    }

    let most_pressing = match draft.most_pressing.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => match raw.parse::<ConcernItem>() {
            Ok(c) if concerns.contains(&c) => Some(c),
            Ok(_) => {
                check(Err(FieldError::new(
                    "most_pressing",
                    "最も困っていること(◎)は、チェックした相談内容の中から選んでください",
                )));
                None
            }
            Err(e) => {
                check(Err(FieldError::new("most_pressing", e.to_string())));
                None
            }
        },
        _ => match concerns.as_slice() {
            [only] => Some(*only),
            [] => None,
            _ => {
                check(Err(FieldError::new(
                    "most_pressing",
                    "チェックした相談内容のうち、最も困っていること(◎)を1つ選んでください",
                )));
                None
            }
        },
    };

    let consent_to_share = draft.consent_to_share;
    if consent_to_share.is_none() {
        check(Err(FieldError::new(
            "consent_to_share",
            "関係機関との情報共有について、本人同意の有無を選んでください",
        )));
    }

    let summary = draft.summary.trim().to_string();
    check(required_text(
        "summary",
        "相談内容の要旨",
        &summary,
        SUMMARY_MAX_CHARS,
    ));

    let referred_to_agency_id = match outcome {
        Ok(Outcome::Referred) => match draft.referred_to_agency_id {
            None => {
                check(Err(FieldError::new(
                    "referred_to_agency_id",
                    "つなぎ先の機関を選んでください",
                )));
                None
            }
            Some(to) if to == receiving_agency_id => {
                check(Err(FieldError::new(
                    "referred_to_agency_id",
                    "受付した機関自身にはつなげません。別の機関を選んでください",
                )));
                None
            }
            Some(to) => Some(to),
        },
        // A つなぎ先 left over from switching the outcome away from つなぎ is not a referral.
        _ => None,
    };

    let immediate_action = draft.immediate_action.trim().to_string();
    if requires_immediate_action(issues.iter().map(String::as_str), concerns.iter().copied())
        && immediate_action.is_empty()
    {
        check(Err(FieldError::new(
            "immediate_action",
            "虐待・DV・自殺の課題があるときは、すでに行った緊急対応の内容を記入してください",
        )));
    }
    check(max_chars(
        "immediate_action",
        "緊急対応の内容",
        &immediate_action,
        IMMEDIATE_ACTION_MAX_CHARS,
    ));

    match (
        received_at,
        channel,
        consulter_kind,
        urgency,
        outcome,
        consent_to_share,
    ) {
        (
            Some(received_at),
            Ok(channel),
            Ok(consulter_kind),
            Ok(urgency),
            Ok(outcome),
            Some(consent),
        ) if errors.is_empty() => Ok(ValidIntake {
            received_at,
            receiving_agency_id,
            channel,
            consulter_kind,
            consulter_person_id: draft.consulter_person_id,
            consulter_name,
            consulter_relation,
            issues,
            concerns,
            most_pressing,
            consent_to_share: consent,
            summary,
            urgency,
            outcome,
            referred_to_agency_id,
            immediate_action: (!immediate_action.is_empty()).then_some(immediate_action),
        }),
        (_, channel, consulter_kind, urgency, outcome, _) => {
            // Choice errors were held back so they are reported in form order, first.
            let mut all: Vec<FieldError> = [
                channel.err(),
                consulter_kind.err(),
                urgency.err(),
                outcome.err(),
            ]
            .into_iter()
            .flatten()
            .collect();
            all.append(&mut errors);
            Err(all)
        }
    }
}

/// Reads the received date-time; empty means `now`.
fn parse_received_at(raw: &str, now: NaiveDateTime) -> Result<NaiveDateTime, FieldError> {
    Ok(date_time_field("received_at", "受付日時", raw)?.unwrap_or(now))
}

/// A date-time field as staff type it: ISO (`2025-04-01T10:30`, `2025-04-01 10:30`) or any
/// date the 和暦 parser reads, a space, then the time (`R7.4.1 10:30`). `Ok(None)` when
/// empty; an error naming `what` when unreadable.
pub(crate) fn date_time_field(
    field: &'static str,
    what: &str,
    raw: &str,
) -> Result<Option<NaiveDateTime>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    const ISO: [&str; 4] = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ];
    if let Some(at) = ISO
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
    {
        return Ok(Some(at));
    }
    // Keyboard entry: any date the wareki parser reads, a space, then the time.
    let bad = || {
        FieldError::new(
            field,
            format!("「{raw}」を{what}として読み取れません(例: 2025-04-01 10:30、R7.4.1 10:30)"),
        )
    };
    let (date, time) = raw.rsplit_once(char::is_whitespace).ok_or_else(bad)?;
    let date = wareki::parse_date(date).map_err(|e| FieldError::new(field, e.to_string()))?;
    let time = wareki::normalize(time);
    let time = NaiveTime::parse_from_str(&time, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(&time, "%H:%M:%S"))
        .map_err(|_| bad())?;
    Ok(Some(date.and_time(time)))
}

fn check_received_at(at: NaiveDateTime, now: NaiveDateTime) -> Result<(), FieldError> {
    if at > now + TimeDelta::minutes(CLOCK_SKEW_MINUTES) {
        return Err(FieldError::new(
            "received_at",
            "受付日時が未来になっています",
        ));
    }
    if now
        .checked_sub_months(Months::new(MAX_BACKDATE_MONTHS))
        .is_some_and(|limit| at < limit)
    {
        return Err(FieldError::new(
            "received_at",
            "受付日時が1年以上前になっています。年を確認してください",
        ));
    }
    Ok(())
}

/// A required free-text field of at most `max` characters (already trimmed).
pub(crate) fn required_text(
    field: &'static str,
    what: &str,
    value: &str,
    max: usize,
) -> Result<(), FieldError> {
    if value.is_empty() {
        return Err(FieldError::new(field, format!("{what}を入力してください")));
    }
    max_chars(field, what, value, max)
}

/// A date field typed as ISO or 和暦: `Ok(None)` when empty and optional, an error naming
/// `what` when empty and required or unreadable.
pub(crate) fn date_field(
    field: &'static str,
    what: &str,
    raw: &str,
    required: bool,
) -> Result<Option<NaiveDate>, FieldError> {
    if raw.trim().is_empty() {
        return match required {
            true => Err(FieldError::new(field, format!("{what}を入力してください"))),
            false => Ok(None),
        };
    }
    wareki::parse_date(raw)
        .map(Some)
        .map_err(|e| FieldError::new(field, format!("{what}: {e}")))
}

pub(crate) fn max_chars(
    field: &'static str,
    what: &str,
    value: &str,
    max: usize,
) -> Result<(), FieldError> {
    let n = value.chars().count();
    if n > max {
        return Err(FieldError::new(
            field,
            format!("{what}は{max}文字以内で入力してください(現在{n}文字)"),
        ));
    }
    Ok(())
}

impl fmt::Display for ValidIntake {
    /// A one-line gist for timelines: `R7.4.1 10:30 電話(家族) つなぎ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}:{:02} {}({}) {}",
            wareki::format_wareki_short(self.received_at.date()),
            chrono::Timelike::hour(&self.received_at),
            chrono::Timelike::minute(&self.received_at),
            self.channel.label(),
            self.consulter_kind.label(),
            self.outcome.label()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn daisen() -> MunicipalityConfig {
        crate::municipality::parse_config(include_str!("../../../data/municipalities/daisen.toml"))
            .unwrap()
    }

    #[test]
    fn the_single_checklist_shows_every_item_once() {
        let cfg = daisen();
        let rows = checklist(&cfg, &[], &[]);
        // Every 課題 once, and every 標準様式 item either as its own row or through 課題.
        for c in &cfg.issue_categories {
            let n = rows
                .iter()
                .filter(|r| matches!(r, ChecklistRow::Issue { code, .. } if *code == c.code))
                .count();
            assert_eq!(n, 1, "{}", c.code);
        }
        for item in ConcernItem::ALL {
            let own = rows
                .iter()
                .filter(|r| **r == ChecklistRow::Concern(item))
                .count();
            let through_issues = rows
                .iter()
                .any(|r| matches!(r, ChecklistRow::Issue { concern, .. } if *concern == item));
            assert!(own + usize::from(through_issues) >= 1, "{item:?}");
            assert!(own <= 1, "{item:?}");
            // 介護, 子育て, 住まい, 債務, ひきこもり: the 課題 only, not a second box.
            if item != ConcernItem::Other {
                assert!(!(own == 1 && through_issues), "{item:?} twice");
            }
        }
        // In the 標準様式 order: 病気・健康・障害 (as 障がい, 健康, 自殺) first.
        assert_eq!(rows[0].concern(), ConcernItem::HealthDisability);
        assert_eq!(
            rows.last(),
            Some(&ChecklistRow::Concern(ConcernItem::Other))
        );
    }

    #[test]
    fn an_item_ticked_without_its_issue_keeps_its_own_row() {
        let cfg = daisen();
        let rows = checklist(&cfg, &[], &["housing".into()]);
        assert!(rows.contains(&ChecklistRow::Concern(ConcernItem::Housing)));
        let rows = checklist(&cfg, &["housing".into()], &["housing".into()]);
        assert!(!rows.contains(&ChecklistRow::Concern(ConcernItem::Housing)));
    }

    #[test]
    fn a_ticked_issue_ticks_its_item_and_its_main_mark_reads_back() {
        let mut d = IntakeDraft {
            issues: vec!["care".into(), "young_carer".into(), "local_tag".into()],
            concerns: vec!["family_relations".into()],
            ..IntakeDraft::default()
        };
        d.tick_concerns_of_issues();
        assert_eq!(d.concerns, ["family_relations", "care", "other"]);
        let row = ChecklistRow::Issue {
            code: "isolation",
            name: "社会的孤立",
            concern: ConcernItem::CommunityRelations,
        };
        assert_eq!(most_pressing_of_row(&row.key()), "community_relations");
        assert_eq!(most_pressing_of_row("family_relations"), "family_relations");
        assert_eq!(most_pressing_of_row("bogus"), "bogus");
    }

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 6, 2)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn rules() -> IntakeRules {
        IntakeRules::new(
            [
                "hikikomori",
                "isolation",
                "care",
                "abuse",
                "suicide",
                "dv",
                "employment",
            ],
            now(),
            10,
        )
    }

    fn draft() -> IntakeDraft {
        IntakeDraft {
            received_at: "2025-06-02T09:30".into(),
            receiving_agency_id: None,
            channel: "phone".into(),
            consulter_kind: "family".into(),
            consulter_person_id: None,
            consulter_name: " 佐藤 花子 ".into(),
            consulter_relation: "母".into(),
            issues: vec!["hikikomori".into(), "employment".into()],
            concerns: vec!["hikikomori".into()],
            most_pressing: None,
            consent_to_share: Some(true),
            summary: "40代の長男が10年ほど自宅にこもっている。".into(),
            urgency: "normal".into(),
            outcome: "handled".into(),
            referred_to_agency_id: None,
            immediate_action: String::new(),
        }
    }

    fn fields(r: Result<ValidIntake, Vec<FieldError>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn codes_round_trip_and_unknown_is_refused() {
        for c in Channel::ALL {
            assert_eq!(c.code().parse::<Channel>(), Ok(c));
        }
        for c in ConsulterKind::ALL {
            assert_eq!(c.code().parse::<ConsulterKind>(), Ok(c));
        }
        for c in Urgency::ALL {
            assert_eq!(c.code().parse::<Urgency>(), Ok(c));
        }
        for c in Outcome::ALL {
            assert_eq!(c.code().parse::<Outcome>(), Ok(c));
        }
        for c in ConcernItem::ALL {
            assert_eq!(c.code().parse::<ConcernItem>(), Ok(c));
        }
        assert_eq!(ConcernItem::ALL.len(), 16);
        assert_eq!(Channel::ALL.len(), 6);
        assert_eq!(Outcome::InfoOnly.code(), "info_only");
        assert_eq!(Channel::Outreach.label(), "アウトリーチで発見");
        let e = "fax".parse::<Channel>().unwrap_err();
        assert!(e.to_string().contains("相談経路"), "{e}");
        assert!(e.to_string().contains("visit_in"), "{e}");
    }

    #[test]
    fn serde_uses_the_codes() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        #[derive(Serialize)]
        struct W {
            c: Channel,
        }
        let s = toml::to_string(&W {
            c: Channel::HomeVisit,
        })
        .unwrap();
        assert_eq!(s.trim(), r#"c = "home_visit""#);
        let d: StrDeserializer<'_, Error> = "info_only".into_deserializer();
        assert_eq!(Outcome::deserialize(d), Ok(Outcome::InfoOnly));
    }

    #[test]
    fn every_common_issue_maps_onto_the_checklist() {
        use ConcernItem as C;
        let table = [
            ("hikikomori", C::Hikikomori),
            ("isolation", C::CommunityRelations),
            ("care", C::Care),
            ("childcare", C::Childcare),
            ("disability", C::HealthDisability),
            ("employment", C::JobSearch),
            ("poverty", C::Income),
            ("abuse", C::DvAbuse),
            ("suicide", C::HealthDisability),
            ("housing", C::Housing),
            ("health", C::HealthDisability),
            ("dv", C::DvAbuse),
            ("young_carer", C::Care),
            ("household_8050", C::Hikikomori),
            ("debt", C::Debt),
        ];
        for (code, item) in table {
            assert_eq!(concern_for_issue(code), Some(item), "{code}");
        }
        assert_eq!(concern_for_issue("gambling"), None);
    }

    #[test]
    fn valid_draft_is_accepted_with_defaults() {
        let v = validate(&draft(), &rules()).unwrap();
        assert_eq!(v.receiving_agency_id, 10);
        assert_eq!(v.consulter_name, "佐藤 花子");
        assert_eq!(v.most_pressing, Some(ConcernItem::Hikikomori));
        assert_eq!(v.channel, Channel::Phone);
        assert_eq!(v.immediate_action, None);
        assert!(v.consent_to_share);
        assert_eq!(v.to_string(), "R7.6.2 9:30 電話(家族) 単独対応");
    }

    #[test]
    fn empty_received_at_means_now_and_wareki_is_read() {
        let mut d = draft();
        d.received_at = String::new();
        assert_eq!(validate(&d, &rules()).unwrap().received_at, now());
        d.received_at = "R7.6.1 １４：０５".into();
        assert_eq!(
            validate(&d, &rules()).unwrap().received_at,
            NaiveDate::from_ymd_opt(2025, 6, 1)
                .unwrap()
                .and_hms_opt(14, 5, 0)
                .unwrap()
        );
        d.received_at = "2025-06-01 14:05:30".into();
        assert!(validate(&d, &rules()).is_ok());
        for bad in ["昨日", "2025-06-01", "R7.6.1 25:00", "平成31年5月1日 10:00"] {
            d.received_at = bad.into();
            assert_eq!(fields(validate(&d, &rules())), ["received_at"], "{bad}");
        }
    }

    #[test]
    fn received_at_boundaries() {
        let mut d = draft();
        for (at, ok) in [
            ("2025-06-02T10:05:00", true),  // exactly the allowed skew
            ("2025-06-02T10:05:01", false), // one second past it
            ("2024-06-02T10:00:00", true),  // exactly one year back
            ("2024-06-02T09:59:59", false),
        ] {
            d.received_at = at.into();
            assert_eq!(validate(&d, &rules()).is_ok(), ok, "{at}");
        }
    }

    #[test]
    fn every_error_is_collected() {
        let d = IntakeDraft {
            channel: "fax".into(),
            most_pressing: Some("debt".into()),
            summary: " ".into(),
            outcome: "referred".into(),
            ..IntakeDraft::default()
        };
        let f = fields(validate(&d, &rules()));
        assert_eq!(
            f,
            [
                "channel",
                "consulter_kind",
                "urgency",
                "issues",
                "most_pressing",
                "consent_to_share",
                "summary",
                "referred_to_agency_id",
            ]
        );
    }

    #[test]
    fn a_picked_consulter_is_someone_else_than_the_person() {
        let mut d = draft();
        for (kind, picked, ok) in [
            ("family", Some(7), true),
            ("family", None, true),
            ("person", None, true),
            ("person", Some(7), false),
        ] {
            d.consulter_kind = kind.into();
            d.consulter_person_id = picked;
            match validate(&d, &rules()) {
                Ok(v) => {
                    assert!(ok, "{kind} {picked:?}");
                    assert_eq!(v.consulter_person_id, picked);
                }
                Err(e) => {
                    assert!(!ok, "{kind} {picked:?}");
                    assert_eq!(e[0].field, "consulter_person_id");
                    assert_eq!(e[0].message, CONSULTER_IS_THE_PERSON);
                }
            }
        }
    }

    #[test]
    fn issues_and_concerns_are_checked() {
        let mut d = draft();
        d.issues = vec!["gambling".into()];
        d.concerns = vec!["hikikomori".into(), "nope".into()];
        assert_eq!(fields(validate(&d, &rules())), ["issues", "concerns"]);

        // Concerns alone are enough; issues alone are enough; duplicates collapse.
        d.issues = vec![];
        d.concerns = vec!["care".into()];
        assert!(validate(&d, &rules()).is_ok());
        d.issues = vec!["care".into(), " care ".into()];
        d.concerns = vec![];
        let v = validate(&d, &rules()).unwrap();
        assert_eq!(v.issues, ["care"]);
        assert_eq!(v.most_pressing, None);
    }

    #[test]
    fn most_pressing_must_be_a_ticked_concern() {
        let mut d = draft();
        d.concerns = vec!["hikikomori".into(), "income".into()];
        assert_eq!(fields(validate(&d, &rules())), ["most_pressing"]);
        d.most_pressing = Some("debt".into());
        assert_eq!(fields(validate(&d, &rules())), ["most_pressing"]);
        d.most_pressing = Some("income".into());
        assert_eq!(
            validate(&d, &rules()).unwrap().most_pressing,
            Some(ConcernItem::Income)
        );
    }

    #[test]
    fn summary_length_limits() {
        let mut d = draft();
        d.summary = "あ".repeat(SUMMARY_MAX_CHARS);
        assert!(validate(&d, &rules()).is_ok());
        d.summary = "あ".repeat(SUMMARY_MAX_CHARS + 1);
        assert_eq!(fields(validate(&d, &rules())), ["summary"]);
    }

    #[test]
    fn referral_outcome_needs_another_agency() {
        let mut d = draft();
        d.outcome = "referred".into();
        assert_eq!(fields(validate(&d, &rules())), ["referred_to_agency_id"]);
        d.referred_to_agency_id = Some(10);
        assert_eq!(fields(validate(&d, &rules())), ["referred_to_agency_id"]);
        d.referred_to_agency_id = Some(11);
        assert_eq!(
            validate(&d, &rules()).unwrap().referred_to_agency_id,
            Some(11)
        );
        // Escalation needs nothing more; a stale つなぎ先 is dropped.
        d.outcome = "escalated".into();
        let v = validate(&d, &rules()).unwrap();
        assert_eq!(
            (v.outcome, v.referred_to_agency_id),
            (Outcome::Escalated, None)
        );
    }

    #[test]
    fn abuse_suicide_and_dv_require_the_immediate_action() {
        for (issues, concerns) in [
            (vec!["abuse"], vec![]),
            (vec!["suicide"], vec![]),
            (vec!["dv"], vec![]),
            (vec![], vec!["dv_abuse"]),
        ] {
            let mut d = draft();
            d.issues = issues.iter().map(|s| s.to_string()).collect();
            d.concerns = concerns.iter().map(|s| s.to_string()).collect();
            let errs = validate(&d, &rules()).unwrap_err();
            assert_eq!(errs.len(), 1, "{issues:?} {concerns:?}");
            assert_eq!(errs[0].field, "immediate_action");
            assert!(errs[0].to_string().contains("緊急対応"));
            d.immediate_action = "  警察・児童相談所へ通報済み ".into();
            assert_eq!(
                validate(&d, &rules()).unwrap().immediate_action.as_deref(),
                Some("警察・児童相談所へ通報済み")
            );
        }
        assert!(!requires_immediate_action(["care"], [ConcernItem::Care]));
    }

    #[test]
    fn consent_must_be_answered_either_way() {
        let mut d = draft();
        d.consent_to_share = None;
        assert_eq!(fields(validate(&d, &rules())), ["consent_to_share"]);
        d.consent_to_share = Some(false);
        assert!(!validate(&d, &rules()).unwrap().consent_to_share);
    }
}
