//! アウトリーチ等を通じた継続的支援 (`outreach`): reaching people who do not ask for help.
//!
//! An outreach case is a case of kind アウトリーチ ([`crate::case::CaseKind::Outreach`]) for
//! a person or household with 潜在的な支援ニーズ, opened with who brought the concern (the
//! [`InformantKind`] and a description: volunteers are not users) and what is known. Its
//! work is told by:
//! - **contact attempts** (`contact_attempt`): when, how ([`ContactMethod`]), by whom (one
//!   or two staff, possibly of two agencies), whom they met ([`WhomMet`]), the
//!   [`ContactOutcome`], what was left, what was seen (安否, with a concern flag) and the
//!   next planned attempt — checked by [`validate_attempt`];
//! - the **engagement stage** (`engagement_stage`, [`EngagementStage`]): it moves forward
//!   one step at a time and only on evidence — a recorded attempt that reached someone
//!   after the last move — and back (関係が途切れた) to any earlier stage only with a
//!   reason ([`check_move`]);
//! - **the rhythm** ([`Rhythm`]): a planned contact interval and the thresholds of the
//!   worklist's [`alerts`] (no attempt within the interval, attempts in a row reaching
//!   nobody, no stage move for months, a 安否 concern); an alert ends when the next attempt
//!   is recorded — the streak of attempts reaching nobody, when one reaches someone;
//! - **information notes** (情報収集, `information_note`) from agencies and volunteers,
//!   with their source, and **accompaniment** (伴走支援) entries — both checked here;
//!   who may read a volunteer's information is [`in_team`].

use chrono::{Months, NaiveDate, NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::identity::AgencyId;
use crate::intake::{FieldError, coded_enum, date_field, date_time_field};

coded_enum! {
    /// 情報提供者の種別: who brought the concern (or a piece of information).
    pub enum InformantKind("情報提供者の種別") {
        MinseiIin => ("minsei_iin", "民生委員"),
        Fukushiin => ("fukushiin", "福祉員"),
        Neighbour => ("neighbour", "近隣住民"),
        Agency => ("agency", "関係機関"),
        Other => ("other", "その他"),
    }
}

coded_enum! {
    /// 接触の方法.
    pub enum ContactMethod("接触の方法") {
        Visit => ("visit", "訪問"),
        Phone => ("phone", "電話"),
        Letter => ("letter", "手紙"),
        NoteLeft => ("note_left", "置き手紙"),
        Message => ("message", "メール/SNS"),
        ViaOthers => ("via_others", "関係者経由"),
    }
}

coded_enum! {
    /// 会えた人.
    pub enum WhomMet("会えた人") {
        Person => ("person", "本人"),
        Family => ("family", "家族"),
        Nobody => ("nobody", "誰にも会えず"),
    }
}

coded_enum! {
    /// 接触の結果.
    pub enum ContactOutcome("接触の結果") {
        Met => ("met", "会えた"),
        NotMet => ("not_met", "会えなかった"),
        Refused => ("refused", "拒否"),
        Partial => ("partial", "一部応答"),
    }
}

coded_enum! {
    /// 関係構築段階, in the order a relationship is built.
    pub enum EngagementStage("関係構築段階") {
        Unreached => ("unreached", "未接触"),
        Contacted => ("contacted", "接触"),
        Rapport => ("rapport", "関係構築"),
        AcceptingSupport => ("accepting_support", "支援受入"),
        Connected => ("connected", "支援機関へつなぎ済"),
    }
}

coded_enum! {
    /// 伴走支援の種類.
    pub enum AccompanimentKind("伴走支援の種類") {
        Clinic => ("clinic", "受診の同行"),
        CityOffice => ("city_office", "役所の手続きの同行"),
        GatheringPlace => ("gathering_place", "居場所への同行"),
        Visit => ("visit", "自宅での面談"),
        Other => ("other", "その他"),
    }
}

impl EngagementStage {
    /// The stage's place on the way (未接触 = 0).
    pub fn rank(self) -> usize {
        EngagementStage::ALL
            .iter()
            .position(|s| *s == self)
            .unwrap_or(0)
    }

    /// The next stage forward, if any.
    pub fn next(self) -> Option<EngagementStage> {
        EngagementStage::ALL.get(self.rank() + 1).copied()
    }

    /// The stages a worker may choose from here: the next one, and every earlier one.
    pub fn moves(self) -> Vec<EngagementStage> {
        let mut moves: Vec<EngagementStage> = self.next().into_iter().collect();
        moves.extend(EngagementStage::ALL[..self.rank()].iter().rev());
        moves
    }
}

impl WhomMet {
    /// Whether the attempt reached someone (the person or their family): what a forward
    /// move of the stage rests on.
    pub fn reached(self) -> bool {
        self != WhomMet::Nobody
    }
}

pub const TEXT_MAX_CHARS: usize = 4000;
pub const SHORT_MAX_CHARS: usize = 200;
/// The longest contact interval a case or a municipality may plan.
pub const MAX_INTERVAL_DAYS: u32 = 365;
/// At most two staff go on one attempt (a team visit).
pub const MAX_STAFF: usize = 2;
/// An attempt may be recorded a few minutes "ahead" (clocks differ).
const CLOCK_SKEW_MINUTES: i64 = 5;

/// The label of a field problem, before 「:」: the form marks the field it names.
fn problem(field: &'static str, label: &str, message: impl std::fmt::Display) -> FieldError {
    FieldError::new(field, format!("{label}: {message}"))
}

/// A choice field's problem, labelled.
fn choice<T>(field: &'static str, label: &str, raw: &str) -> Result<T, FieldError>
where
    T: std::str::FromStr<Err = crate::intake::UnknownCode>,
{
    if raw.trim().is_empty() {
        return Err(problem(field, label, "選んでください"));
    }
    raw.parse().map_err(|e| problem(field, label, e))
}

/// At most `max` characters.
fn within(field: &'static str, label: &str, value: &str, max: usize) -> Result<(), FieldError> {
    let n = value.chars().count();
    if n > max {
        return Err(problem(
            field,
            label,
            format!("{max}文字以内で入力してください(現在{n}文字)"),
        ));
    }
    Ok(())
}

/// A free text, trimmed: required or not, at most `max` characters.
fn text(
    field: &'static str,
    label: &str,
    raw: &str,
    (required, max): (bool, usize),
) -> Result<String, FieldError> {
    let value = raw.trim().to_string();
    if required && value.is_empty() {
        return Err(problem(field, label, "入力してください"));
    }
    within(field, label, &value, max)?;
    Ok(value)
}

/// Collects a field's result into `errors`, answering the value when it was good.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

// ---------------------------------------------------------------------------
// Opening an outreach case
// ---------------------------------------------------------------------------

/// An outreach case to open, as the form and the API send it (whom it is for is the
/// application's: a person, a household, or an intake's person).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpeningDraft {
    /// minsei_iin, fukushiin, neighbour, agency, other
    pub informant_kind: String,
    /// 情報提供者: who they are, as the worker writes it (a volunteer is not a user).
    pub informant: String,
    /// 把握していること: what is known so far.
    pub known: String,
    /// 接触の間隔(日); empty = the municipality's.
    pub interval_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidOpening {
    pub informant_kind: InformantKind,
    pub informant: String,
    pub known: String,
    pub interval_days: Option<u32>,
}

/// A planned contact interval: 1 to [`MAX_INTERVAL_DAYS`] days.
pub fn check_interval(days: u32) -> Result<u32, FieldError> {
    if (1..=MAX_INTERVAL_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(problem(
            "interval_days",
            "接触の間隔",
            format!("1日から{MAX_INTERVAL_DAYS}日の間で入力してください"),
        ))
    }
}

pub fn validate_opening(d: &OpeningDraft) -> Result<ValidOpening, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = keep(
        &mut errors,
        choice("informant_kind", "情報提供者の種別", &d.informant_kind),
    );
    let informant = keep(
        &mut errors,
        text(
            "informant",
            "情報提供者",
            &d.informant,
            (true, SHORT_MAX_CHARS),
        ),
    );
    let known = keep(
        &mut errors,
        text(
            "known",
            "把握していること",
            &d.known,
            (true, TEXT_MAX_CHARS),
        ),
    );
    let interval = match d.interval_days {
        Some(days) => keep(&mut errors, check_interval(days).map(Some)),
        None => Some(None),
    };
    match (kind, informant, known, interval) {
        (Some(informant_kind), Some(informant), Some(known), Some(interval_days))
            if errors.is_empty() =>
        {
            Ok(ValidOpening {
                informant_kind,
                informant,
                known,
                interval_days,
            })
        }
        _ => Err(errors),
    }
}

// ---------------------------------------------------------------------------
// Contact attempts
// ---------------------------------------------------------------------------

/// A contact attempt as the form and the API send it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttemptDraft {
    /// 日時, ISO or 和暦 (`R7.6.1 14:00`), Japan time.
    pub attempted_at: String,
    /// visit, phone, letter, note_left, message, via_others
    pub method: String,
    /// The staff who went (user ids): one or two.
    pub staff: Vec<i64>,
    /// person, family, nobody
    pub met: String,
    /// met, not_met, refused, partial
    pub outcome: String,
    /// 置いてきたもの (手紙, 資料…).
    pub left: String,
    /// 様子・安否 (生活の様子, 郵便物の滞留, 電気メーター…).
    pub observations: String,
    /// 安否の懸念あり.
    pub safety_concern: bool,
    /// 次回の予定日 (ISO or 和暦); empty = not planned yet.
    pub next_planned_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidAttempt {
    /// Japan time.
    pub attempted_at: NaiveDateTime,
    pub method: ContactMethod,
    pub staff: Vec<i64>,
    pub met: WhomMet,
    pub outcome: ContactOutcome,
    pub left: String,
    pub observations: String,
    pub safety_concern: bool,
    pub next_planned_on: Option<NaiveDate>,
}

/// Whom they met and the outcome must tell the same story: reaching nobody is
/// 「会えなかった」, and 「会えなかった」 is reaching nobody.
fn check_story(met: WhomMet, outcome: ContactOutcome) -> Result<(), FieldError> {
    match (met.reached(), outcome == ContactOutcome::NotMet) {
        (false, false) => Err(problem(
            "outcome",
            "結果",
            "誰にも会えなかったときの結果は「会えなかった」です",
        )),
        (true, true) => Err(problem(
            "outcome",
            "結果",
            "本人か家族に会えたときは「会えた」「一部応答」「拒否」から選んでください",
        )),
        _ => Ok(()),
    }
}

/// Checks an attempt, every problem at once. `now` is Japan time: an attempt cannot be
/// recorded before it happened, and the next one is planned after it.
pub fn validate_attempt(
    d: &AttemptDraft,
    now: NaiveDateTime,
) -> Result<ValidAttempt, Vec<FieldError>> {
    let mut errors = Vec::new();
    let at = match date_time_field("attempted_at", "日時", &d.attempted_at) {
        Ok(Some(at)) if at > now + TimeDelta::minutes(CLOCK_SKEW_MINUTES) => {
            errors.push(problem(
                "attempted_at",
                "日時",
                "未来の日時は記録できません",
            ));
            None
        }
        Ok(Some(at)) => Some(at),
        Ok(None) => {
            errors.push(problem("attempted_at", "日時", "入力してください"));
            None
        }
        Err(e) => {
            errors.push(problem("attempted_at", "日時", e.message));
            None
        }
    };
    let method = keep(&mut errors, choice("method", "方法", &d.method));
    let mut staff = d.staff.clone();
    staff.dedup();
    if staff.is_empty() || staff.len() > MAX_STAFF {
        errors.push(problem(
            "staff",
            "訪問した職員",
            format!("1人か{MAX_STAFF}人を選んでください"),
        ));
    }
    let met = keep(&mut errors, choice("met", "会えた人", &d.met));
    let outcome = keep(&mut errors, choice("outcome", "結果", &d.outcome));
    if let (Some(m), Some(o)) = (met, outcome) {
        keep(&mut errors, check_story(m, o));
    }
    let left = keep(
        &mut errors,
        text("left", "置いてきたもの", &d.left, (false, SHORT_MAX_CHARS)),
    );
    let observations = keep(
        &mut errors,
        text(
            "observations",
            "様子・安否",
            &d.observations,
            (false, TEXT_MAX_CHARS),
        ),
    );
    if d.safety_concern && d.observations.trim().is_empty() {
        errors.push(problem(
            "observations",
            "様子・安否",
            "安否の懸念があるときは、何が気になったかを書いてください",
        ));
    }
    let next = match date_field("next_planned_on", "次回の予定日", &d.next_planned_on, false)
    {
        Ok(Some(next)) if at.is_some_and(|at| next < at.date()) => {
            errors.push(problem(
                "next_planned_on",
                "次回の予定日",
                "この接触より前の日付です",
            ));
            None
        }
        Ok(next) => Some(next),
        Err(e) => {
            // date_field's message already begins with the label.
            errors.push(FieldError::new("next_planned_on", e.message));
            None
        }
    };
    match (at, method, met, outcome, left, observations, next) {
        (
            Some(attempted_at),
            Some(method),
            Some(met),
            Some(outcome),
            Some(left),
            Some(observations),
            Some(next_planned_on),
        ) if errors.is_empty() => Ok(ValidAttempt {
            attempted_at,
            method,
            staff,
            met,
            outcome,
            left,
            observations,
            safety_concern: d.safety_concern,
            next_planned_on,
        }),
        _ => Err(errors),
    }
}

// ---------------------------------------------------------------------------
// The engagement stage
// ---------------------------------------------------------------------------

/// A recorded attempt as the stage's rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptFact {
    pub id: i64,
    /// Japan time.
    pub at: NaiveDateTime,
    pub reached: bool,
    pub safety_concern: bool,
}

/// The newest attempt that reached someone after `since` (the last stage move, Japan
/// time; `None` = never moved): the evidence a forward move rests on.
pub fn evidence_since(attempts: &[AttemptFact], since: Option<NaiveDateTime>) -> Option<i64> {
    attempts
        .iter()
        .filter(|a| a.reached && since.is_none_or(|s| a.at > s))
        .max_by_key(|a| (a.at, a.id))
        .map(|a| a.id)
}

/// Which way a stage move goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Forward,
    /// 関係が途切れた.
    Back,
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Direction::Forward => "forward",
            Direction::Back => "back",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Direction::Forward => "進んだ",
            Direction::Back => "関係が途切れた",
        }
    }
}

pub const REASON_MAX_CHARS: usize = 2000;

/// Checks a move of the stage `from` → `to`: forward one step, with `evidence` (an attempt
/// that reached someone after the last move, [`evidence_since`]); back to any earlier
/// stage, with a reason. The problems name the field the form marks.
pub fn check_move(
    from: EngagementStage,
    to: EngagementStage,
    reason: &str,
    evidence: Option<i64>,
) -> Result<Direction, FieldError> {
    let reason = reason.trim();
    within("reason", "理由", reason, REASON_MAX_CHARS)?;
    if to.rank() > from.rank() {
        if from.next() != Some(to) {
            return Err(problem(
                "to",
                "移す先",
                format!(
                    "「{}」からは一段ずつ進めます(次は「{}」です)",
                    from.label(),
                    from.next().map_or("", EngagementStage::label)
                ),
            ));
        }
        if evidence.is_none() {
            return Err(problem(
                "to",
                "移す先",
                "前回の段階の変更の後に、本人か家族に会えた接触の記録がありません。先に接触を記録してください",
            ));
        }
        Ok(Direction::Forward)
    } else if to.rank() < from.rank() {
        if reason.is_empty() {
            return Err(problem(
                "reason",
                "理由",
                "段階を戻すとき(関係が途切れた)は理由を入力してください",
            ));
        }
        Ok(Direction::Back)
    } else {
        Err(problem(
            "to",
            "移す先",
            format!("すでに「{}」です", from.label()),
        ))
    }
}

// ---------------------------------------------------------------------------
// Rhythm and alerts
// ---------------------------------------------------------------------------

/// The contact rhythm: a case's planned interval (its own, else the municipality's) and
/// the municipality's alert thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rhythm {
    /// An attempt is due this many days after the last (or after the opening).
    pub interval_days: u32,
    /// This many attempts in a row reaching nobody raise an alert.
    pub unreached_attempts: u32,
    /// No stage move for this many months raises an alert.
    pub stall_months: u32,
}

impl Default for Rhythm {
    fn default() -> Self {
        Rhythm {
            interval_days: 30,
            unreached_attempts: 3,
            stall_months: 6,
        }
    }
}

/// An outreach case as its alerts see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RhythmFacts<'a> {
    pub opened_on: NaiveDate,
    pub stage: EngagementStage,
    /// The day of the last stage move (the opening, before any).
    pub stage_since: NaiveDate,
    pub attempts: &'a [AttemptFact],
}

/// Why an outreach case is on the worklist, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Alert {
    /// No attempt within the interval: due on `due`, `days` overdue.
    Overdue { due: NaiveDate, days: i64 },
    /// The last `count` attempts (since `since`) reached nobody.
    Unreached { count: usize, since: NaiveDate },
    /// The stage has not moved since `since`: `months` months.
    Stalled { since: NaiveDate, months: u32 },
    /// The last attempt (on `on`) recorded a 安否 concern.
    Safety { on: NaiveDate },
}

impl Alert {
    pub fn code(&self) -> &'static str {
        match self {
            Alert::Overdue { .. } => "overdue",
            Alert::Unreached { .. } => "unreached",
            Alert::Stalled { .. } => "stalled",
            Alert::Safety { .. } => "safety",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Alert::Overdue { .. } => "接触の予定を過ぎています",
            Alert::Unreached { .. } => "誰にも会えない接触が続いています",
            Alert::Stalled { .. } => "関係構築段階が進んでいません",
            Alert::Safety { .. } => "安否の懸念があります",
        }
    }
}

/// The case's alerts on `today`. None once the person is connected to a support agency
/// (its work goes on there); a case that is closed or suspended is not asked.
pub fn alerts(facts: &RhythmFacts<'_>, rhythm: Rhythm, today: NaiveDate) -> Vec<Alert> {
    if facts.stage == EngagementStage::Connected {
        return Vec::new();
    }
    let mut attempts = facts.attempts.to_vec();
    attempts.sort_by_key(|a| (a.at, a.id));
    let mut out = Vec::new();
    let last = attempts.last();
    let from = last.map_or(facts.opened_on, |a| a.at.date());
    let due = from + TimeDelta::days(i64::from(rhythm.interval_days));
    if today > due {
        out.push(Alert::Overdue {
            due,
            days: (today - due).num_days(),
        });
    }
    let streak: Vec<&AttemptFact> = attempts.iter().rev().take_while(|a| !a.reached).collect();
    let threshold = usize::try_from(rhythm.unreached_attempts).unwrap_or(usize::MAX);
    if let Some(first) = streak.last().filter(|_| streak.len() >= threshold.max(1)) {
        out.push(Alert::Unreached {
            count: streak.len(),
            since: first.at.date(),
        });
    }
    // Raised at every `stall_months` mark since the last move; the next attempt after the
    // mark ends it, until the next mark.
    let step = rhythm.stall_months.max(1);
    let mut marks = 0u32;
    while facts
        .stage_since
        .checked_add_months(Months::new(step * (marks + 1)))
        .is_some_and(|m| m <= today)
    {
        marks += 1;
    }
    if marks > 0
        && let Some(mark) = facts
            .stage_since
            .checked_add_months(Months::new(step * marks))
        && !attempts.iter().any(|a| a.at.date() >= mark)
    {
        out.push(Alert::Stalled {
            since: facts.stage_since,
            months: step * marks,
        });
    }
    if let Some(a) = last.filter(|a| a.safety_concern) {
        out.push(Alert::Safety { on: a.at.date() });
    }
    out
}

/// How overdue the case is, for sorting the team's list: the days past due, 0 when not.
pub fn days_overdue(alerts: &[Alert]) -> i64 {
    alerts
        .iter()
        .find_map(|a| match a {
            Alert::Overdue { days, .. } => Some(*days),
            _ => None,
        })
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// Information notes, accompaniment, the team
// ---------------------------------------------------------------------------

/// An information note (情報収集) as the form and the API send it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NoteDraft {
    /// 日付 (ISO or 和暦).
    pub noted_on: String,
    /// minsei_iin, fukushiin, neighbour, agency, other
    pub source_kind: String,
    /// 情報源: who told it (a volunteer's or an agency's name, as written).
    pub source: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidNote {
    pub noted_on: NaiveDate,
    pub source_kind: InformantKind,
    pub source: String,
    pub body: String,
}

/// A required date no later than today.
fn past_date(
    field: &'static str,
    label: &str,
    raw: &str,
    today: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    match date_field(field, label, raw, false) {
        Ok(Some(d)) if d > today => Err(problem(field, label, "未来の日付は記録できません")),
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err(problem(field, label, "入力してください")),
        Err(e) => Err(FieldError::new(field, e.message)),
    }
}

pub fn validate_note(d: &NoteDraft, today: NaiveDate) -> Result<ValidNote, Vec<FieldError>> {
    let mut errors = Vec::new();
    let noted_on = keep(
        &mut errors,
        past_date("noted_on", "日付", &d.noted_on, today),
    );
    let kind = keep(
        &mut errors,
        choice("source_kind", "情報源の種別", &d.source_kind),
    );
    let source = keep(
        &mut errors,
        text("source", "情報源", &d.source, (true, SHORT_MAX_CHARS)),
    );
    let body = keep(
        &mut errors,
        text("body", "内容", &d.body, (true, TEXT_MAX_CHARS)),
    );
    match (noted_on, kind, source, body) {
        (Some(noted_on), Some(source_kind), Some(source), Some(body)) if errors.is_empty() => {
            Ok(ValidNote {
                noted_on,
                source_kind,
                source,
                body,
            })
        }
        _ => Err(errors),
    }
}

/// A 伴走支援 entry as the form and the API send it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccompanimentDraft {
    /// 日付 (ISO or 和暦).
    pub occurred_on: String,
    /// clinic, city_office, gathering_place, visit, other
    pub kind: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidAccompaniment {
    pub occurred_on: NaiveDate,
    pub kind: AccompanimentKind,
    pub body: String,
}

pub fn validate_accompaniment(
    d: &AccompanimentDraft,
    today: NaiveDate,
) -> Result<ValidAccompaniment, Vec<FieldError>> {
    let mut errors = Vec::new();
    let on = keep(
        &mut errors,
        past_date("occurred_on", "日付", &d.occurred_on, today),
    );
    let kind = keep(&mut errors, choice("kind", "伴走支援の種類", &d.kind));
    let body = keep(
        &mut errors,
        text("body", "内容", &d.body, (true, TEXT_MAX_CHARS)),
    );
    match (on, kind, body) {
        (Some(occurred_on), Some(kind), Some(body)) if errors.is_empty() => {
            Ok(ValidAccompaniment {
                occurred_on,
                kind,
                body,
            })
        }
        _ => Err(errors),
    }
}

/// The outreach team of a case: its lead agency, the agencies currently involved, and
/// 多機関協働 while it coordinates the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub lead: AgencyId,
    pub agencies: Vec<AgencyId>,
    /// 多機関協働 still coordinates the case (not closed, no hand-over recorded).
    pub coordinated: bool,
}

/// Whether the staff of `agency` (`coordinates`: a coordinator of the coordinating agency)
/// read what volunteers and agencies told the team (情報収集): the team only — not another
/// agency that reads the person on another basis (an intake of its own, a consent, a
/// 支援会議), since a 民生委員 told it to the outreach team, not to the municipality.
pub fn in_team(team: &Team, agency: AgencyId, coordinates: bool) -> bool {
    team.lead == agency || team.agencies.contains(&agency) || (coordinates && team.coordinated)
}

/// Whether a hand-over may be recorded at `stage`: once the person accepts support.
pub fn may_hand_over(stage: EngagementStage) -> bool {
    stage.rank() >= EngagementStage::AcceptingSupport.rank()
}

#[cfg(test)]
mod tests {
    use super::*;
    use EngagementStage as S;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 6, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn attempt(id: i64, at: NaiveDateTime, reached: bool) -> AttemptFact {
        AttemptFact {
            id,
            at,
            reached,
            safety_concern: false,
        }
    }

    fn fields<T: std::fmt::Debug>(r: Result<T, Vec<FieldError>>) -> Vec<&'static str> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn stages_move_forward_one_step_only_on_evidence() {
        // (from, to, reason, evidence, outcome: Ok(direction) or the field refused)
        type Row = (
            S,
            S,
            &'static str,
            Option<i64>,
            Result<Direction, &'static str>,
        );
        let table: &[Row] = &[
            (
                S::Unreached,
                S::Contacted,
                "",
                Some(1),
                Ok(Direction::Forward),
            ),
            (
                S::Contacted,
                S::Rapport,
                "",
                Some(2),
                Ok(Direction::Forward),
            ),
            (
                S::Rapport,
                S::AcceptingSupport,
                "",
                Some(3),
                Ok(Direction::Forward),
            ),
            (
                S::AcceptingSupport,
                S::Connected,
                "",
                Some(4),
                Ok(Direction::Forward),
            ),
            // No contact that reached someone since the last move.
            (S::Unreached, S::Contacted, "", None, Err("to")),
            (
                S::Rapport,
                S::AcceptingSupport,
                "会えた気がする",
                None,
                Err("to"),
            ),
            // Skipping a stage, even with evidence.
            (S::Unreached, S::Rapport, "", Some(1), Err("to")),
            (S::Contacted, S::Connected, "", Some(1), Err("to")),
            // Staying.
            (S::Rapport, S::Rapport, "x", Some(1), Err("to")),
            // Back, to any earlier stage, only with a reason.
            (
                S::Rapport,
                S::Contacted,
                "玄関に出てこなくなった",
                None,
                Ok(Direction::Back),
            ),
            (
                S::Connected,
                S::Unreached,
                "転居先不明",
                None,
                Ok(Direction::Back),
            ),
            (S::Rapport, S::Contacted, "  ", Some(1), Err("reason")),
            (S::Contacted, S::Unreached, "", None, Err("reason")),
        ];
        for (from, to, reason, evidence, want) in table {
            let got = check_move(*from, *to, reason, *evidence).map_err(|e| e.field);
            assert_eq!(got, *want, "{from:?} → {to:?} ({reason:?}, {evidence:?})");
        }
        let err = check_move(S::Unreached, S::Contacted, "", None).unwrap_err();
        assert!(err.message.starts_with("移す先:"), "{}", err.message);
        let long = "あ".repeat(REASON_MAX_CHARS + 1);
        assert_eq!(
            check_move(S::Rapport, S::Contacted, &long, None).map_err(|e| e.field),
            Err("reason")
        );
    }

    #[test]
    fn the_offered_moves_are_the_next_and_every_earlier_stage() {
        assert_eq!(S::Unreached.moves(), vec![S::Contacted]);
        assert_eq!(
            S::Rapport.moves(),
            vec![S::AcceptingSupport, S::Contacted, S::Unreached]
        );
        assert_eq!(
            S::Connected.moves(),
            vec![S::AcceptingSupport, S::Rapport, S::Contacted, S::Unreached]
        );
        for from in S::ALL {
            for to in from.moves() {
                let evidence = (to.rank() > from.rank()).then_some(1);
                assert!(
                    check_move(from, to, "理由", evidence).is_ok(),
                    "{from:?} → {to:?}"
                );
            }
        }
    }

    #[test]
    fn evidence_is_a_contact_that_reached_someone_after_the_last_move() {
        let attempts = [
            attempt(1, at(1, 10), true),
            attempt(2, at(3, 10), false),
            attempt(3, at(5, 10), true),
            attempt(4, at(7, 10), false),
        ];
        assert_eq!(evidence_since(&attempts, None), Some(3));
        assert_eq!(evidence_since(&attempts, Some(at(2, 0))), Some(3));
        assert_eq!(evidence_since(&attempts, Some(at(5, 10))), None);
        assert_eq!(evidence_since(&attempts, Some(at(6, 0))), None);
        assert_eq!(evidence_since(&[], None), None);
    }

    fn draft() -> AttemptDraft {
        AttemptDraft {
            attempted_at: "R7.6.3 14:00".into(),
            method: "visit".into(),
            staff: vec![7, 9],
            met: "person".into(),
            outcome: "met".into(),
            left: "手紙".into(),
            observations: "玄関先で5分ほど話せた。".into(),
            safety_concern: false,
            next_planned_on: "R7.6.17".into(),
        }
    }

    #[test]
    fn an_attempt_is_read_in_wareki_and_checked_whole() {
        let now = at(10, 12);
        let v = validate_attempt(&draft(), now).unwrap();
        assert_eq!(v.attempted_at, at(3, 14));
        assert_eq!(v.method, ContactMethod::Visit);
        assert_eq!(v.next_planned_on, Some(day(2025, 6, 17)));
        assert!(v.met.reached());
        // (how the draft is changed, the fields refused)
        type Change = fn(&mut AttemptDraft);
        let table: &[(Change, &[&str])] = &[
            (|d| d.attempted_at = String::new(), &["attempted_at"]),
            (
                |d| d.attempted_at = "R7.6.30 10:00".into(),
                &["attempted_at"],
            ),
            (|d| d.attempted_at = "きのう".into(), &["attempted_at"]),
            (|d| d.method = "pigeon".into(), &["method"]),
            (|d| d.staff.clear(), &["staff"]),
            (|d| d.staff = vec![1, 2, 3], &["staff"]),
            (|d| d.met = "nobody".into(), &["outcome"]),
            (|d| d.outcome = "not_met".into(), &["outcome"]),
            (|d| d.met = String::new(), &["met"]),
            (
                |d| d.next_planned_on = "R7.6.1".into(),
                &["next_planned_on"],
            ),
            (|d| d.next_planned_on = "6月".into(), &["next_planned_on"]),
            (
                |d| {
                    d.safety_concern = true;
                    d.observations = " ".into();
                },
                &["observations"],
            ),
            (|d| d.left = "あ".repeat(SHORT_MAX_CHARS + 1), &["left"]),
        ];
        for (change, want) in table {
            let mut d = draft();
            change(&mut d);
            assert_eq!(fields(validate_attempt(&d, now)), *want, "{d:?}");
        }
        // Reaching nobody is 会えなかった; the same staff twice counts once.
        let mut d = draft();
        d.met = "nobody".into();
        d.outcome = "not_met".into();
        d.staff = vec![7, 7];
        let v = validate_attempt(&d, now).unwrap();
        assert!(!v.met.reached());
        assert_eq!(v.staff, vec![7]);
        // Every message names its field's label before 「:」 (the form marks it).
        let mut d = draft();
        d.method = String::new();
        let e = validate_attempt(&d, now).unwrap_err();
        assert_eq!(e[0].message, "方法: 選んでください");
    }

    fn facts(attempts: &[AttemptFact], stage_since: NaiveDate) -> RhythmFacts<'_> {
        RhythmFacts {
            opened_on: day(2025, 6, 1),
            stage: S::Contacted,
            stage_since,
            attempts,
        }
    }

    #[test]
    fn overdue_counts_from_the_last_attempt_and_ends_with_the_next() {
        let r = Rhythm::default();
        let none: [AttemptFact; 0] = [];
        // Opened June 1, no attempt: due July 1.
        assert_eq!(
            alerts(&facts(&none, day(2025, 6, 1)), r, day(2025, 7, 1)),
            vec![]
        );
        assert_eq!(
            alerts(&facts(&none, day(2025, 6, 1)), r, day(2025, 7, 4)),
            vec![Alert::Overdue {
                due: day(2025, 7, 1),
                days: 3
            }]
        );
        let one = [attempt(1, at(20, 10), true)];
        assert_eq!(
            alerts(&facts(&one, day(2025, 6, 1)), r, day(2025, 7, 4)),
            vec![]
        );
        assert_eq!(
            days_overdue(&alerts(&facts(&one, day(2025, 6, 1)), r, day(2025, 7, 25))),
            5
        );
        let weekly = Rhythm {
            interval_days: 7,
            ..r
        };
        assert_eq!(
            days_overdue(&alerts(
                &facts(&one, day(2025, 6, 1)),
                weekly,
                day(2025, 7, 4)
            )),
            7
        );
    }

    #[test]
    fn attempts_reaching_nobody_alert_until_one_reaches_someone() {
        let r = Rhythm::default();
        let today = day(2025, 6, 10);
        let mut attempts = vec![
            attempt(1, at(1, 10), true),
            attempt(2, at(2, 10), false),
            attempt(3, at(3, 10), false),
        ];
        assert_eq!(alerts(&facts(&attempts, day(2025, 6, 1)), r, today), vec![]);
        attempts.push(attempt(4, at(4, 10), false));
        assert_eq!(
            alerts(&facts(&attempts, day(2025, 6, 1)), r, today),
            vec![Alert::Unreached {
                count: 3,
                since: day(2025, 6, 2)
            }]
        );
        attempts.push(attempt(5, at(5, 10), false));
        assert!(matches!(
            alerts(&facts(&attempts, day(2025, 6, 1)), r, today)[..],
            [Alert::Unreached { count: 4, .. }]
        ));
        attempts.push(attempt(6, at(6, 10), true));
        assert_eq!(alerts(&facts(&attempts, day(2025, 6, 1)), r, today), vec![]);
    }

    #[test]
    fn a_stalled_stage_alerts_at_each_mark_until_the_next_attempt() {
        let r = Rhythm {
            interval_days: 365,
            ..Rhythm::default()
        };
        let since = day(2025, 1, 10);
        let early = [attempt(1, at(1, 10), true)];
        // Moved January 10; six months on July 10.
        assert_eq!(alerts(&facts(&early, since), r, day(2025, 7, 9)), vec![]);
        assert_eq!(
            alerts(&facts(&early, since), r, day(2025, 7, 10)),
            vec![Alert::Stalled { since, months: 6 }]
        );
        // The next attempt after the mark ends it…
        let later = [attempt(1, at(1, 10), true), {
            let mut a = attempt(2, at(1, 10), true);
            a.at = day(2025, 7, 12).and_hms_opt(10, 0, 0).unwrap();
            a
        }];
        assert_eq!(alerts(&facts(&later, since), r, day(2025, 8, 1)), vec![]);
        // …until the next mark, twelve months on.
        assert_eq!(
            alerts(&facts(&later, since), r, day(2026, 1, 10)),
            vec![Alert::Stalled { since, months: 12 }]
        );
    }

    #[test]
    fn a_safety_concern_alerts_until_the_next_attempt() {
        let r = Rhythm::default();
        let today = day(2025, 6, 10);
        let mut concern = attempt(1, at(5, 10), false);
        concern.safety_concern = true;
        let attempts = [attempt(0, at(4, 10), true), concern];
        assert_eq!(
            alerts(&facts(&attempts, day(2025, 6, 1)), r, today),
            vec![Alert::Safety {
                on: day(2025, 6, 5)
            }]
        );
        let attempts = [concern, attempt(2, at(6, 10), true)];
        assert_eq!(alerts(&facts(&attempts, day(2025, 6, 1)), r, today), vec![]);
    }

    #[test]
    fn a_connected_case_raises_nothing() {
        let none: [AttemptFact; 0] = [];
        let f = RhythmFacts {
            stage: S::Connected,
            ..facts(&none, day(2024, 1, 1))
        };
        assert_eq!(alerts(&f, Rhythm::default(), day(2025, 6, 1)), vec![]);
    }

    #[test]
    fn opening_notes_and_accompaniment_are_checked() {
        let ok = OpeningDraft {
            informant_kind: "minsei_iin".into(),
            informant: "地区の民生委員(○○さん)".into(),
            known: "昼間も雨戸が閉まったまま。".into(),
            interval_days: Some(14),
        };
        assert_eq!(validate_opening(&ok).unwrap().interval_days, Some(14));
        let bad = OpeningDraft {
            informant_kind: "mayor".into(),
            known: " ".into(),
            interval_days: Some(0),
            ..OpeningDraft::default()
        };
        assert_eq!(
            fields(validate_opening(&bad)),
            ["informant_kind", "informant", "known", "interval_days"]
        );
        let today = day(2025, 6, 10);
        let note = NoteDraft {
            noted_on: "R7.6.9".into(),
            source_kind: "neighbour".into(),
            source: "隣家の方".into(),
            body: "夜に明かりがつく。".into(),
        };
        assert_eq!(
            validate_note(&note, today).unwrap().noted_on,
            day(2025, 6, 9)
        );
        let future = NoteDraft {
            noted_on: "R7.6.11".into(),
            ..note.clone()
        };
        assert_eq!(fields(validate_note(&future, today)), ["noted_on"]);
        assert_eq!(
            fields(validate_note(&NoteDraft::default(), today)),
            ["noted_on", "source_kind", "source", "body"]
        );
        let walk = AccompanimentDraft {
            occurred_on: "2025-06-10".into(),
            kind: "clinic".into(),
            body: "内科の受診に同行。".into(),
        };
        assert!(validate_accompaniment(&walk, today).is_ok());
        assert_eq!(
            fields(validate_accompaniment(
                &AccompanimentDraft::default(),
                today
            )),
            ["occurred_on", "kind", "body"]
        );
    }

    #[test]
    fn a_volunteers_information_stays_within_the_team() {
        let team = Team {
            lead: 1,
            agencies: vec![2],
            coordinated: true,
        };
        // (agency, coordinates, reads)
        for (agency, coordinates, reads) in [
            (1, false, true),
            (2, false, true),
            (3, false, false),
            (3, true, true),
        ] {
            assert_eq!(
                in_team(&team, agency, coordinates),
                reads,
                "{agency} {coordinates}"
            );
        }
        let handed_over = Team {
            coordinated: false,
            ..team
        };
        assert!(!in_team(&handed_over, 3, true));
    }

    #[test]
    fn a_hand_over_waits_for_the_person_to_accept_support() {
        assert_eq!(S::ALL.map(may_hand_over), [false, false, false, true, true]);
    }
}
