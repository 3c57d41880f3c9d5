//! 名寄せ: how likely a newly entered person is someone already on file, and why.
//!
//! The score only proposes candidates; a person decides, and a merge keeps an audit trail.
//!
//! Where both records carry a 住民宛名番号 it decides alone: the same number is the same
//! person (100), a different number is never the same person (0). Otherwise points add up,
//! clamped to 0..=99 so that 100 always means "decided by the number":
//!
//! | evidence | points | why |
//! |---|---|---|
//! | 氏名一致 (same after trimming) | +55 | a name alone is worth a look, even without a birth date |
//! | 異体字・表記ゆれ (same [`match_key`]) | +50 | still a candidate on its own: 表記ゆれ is what 名寄せ is for |
//! | 氏名(かな)とフリガナ一致 | +45 | a name typed in kana (`わたなべ さちこ`) read as the other's フリガナ (渡邉 幸子, ワタナベ サチコ): with the birth date, as strong as the name |
//! | フリガナ一致 (same [`kana_key`]) | +25 | catches 斉藤/西藤 read サイトウ, but many people share a reading |
//! | 生年月日一致 | +35 | with the reading, makes a candidate despite different kanji |
//! | 生年月日が近い ([`birth_dates_near`]) | +5 | a typing slip (03-21/03-12, 10-01/01-10, one day): never a strong candidate (at most [`NEAR_MISS_MAX`]) |
//! | 生年月日不一致 (both known, not near) | −70 | same name, different birthday: different people |
//! | 電話番号一致 | +15 | with the birthday, makes a candidate: a new surname after 婚姻, or twins — either way worth a look |
//!
//! Missing data on either side counts neither way. Different フリガナ or phone numbers
//! cost nothing: readings of one name vary (ヤマサキ/ヤマザキ) and numbers change.
//!
//! A candidate is 有力候補 from [`STRONG_THRESHOLD`] (the name and the birth date agree, or
//! the number decides), else 参考候補 from [`CANDIDATE_THRESHOLD`] ([`MatchLevel`]).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::name::{kana_key, match_key, reading_of_name};

/// What is known of one person, for comparison. Blank strings count as unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchInput<'a> {
    pub name: &'a str,
    pub furigana: Option<&'a str>,
    pub birth_date: Option<NaiveDate>,
    /// 住民宛名番号.
    pub external_id: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// One piece of evidence for or against two records being the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    ExternalIdSame,
    ExternalIdDiffers,
    /// The names are identical after trimming.
    NameSame,
    /// The names differ only by 異体字, kana, width or spaces.
    NameVariant,
    /// One name is written in kana only and reads as the other's フリガナ.
    NameKana,
    FuriganaSame,
    BirthDateSame,
    /// The birth dates differ by a typing slip ([`birth_dates_near`]).
    BirthDateNear,
    BirthDateDiffers,
    PhoneSame,
}

impl MatchReason {
    /// The Japanese label shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            MatchReason::ExternalIdSame => "住民宛名番号一致",
            MatchReason::ExternalIdDiffers => "住民宛名番号不一致",
            MatchReason::NameSame => "氏名一致",
            MatchReason::NameVariant => "異体字・表記ゆれ",
            MatchReason::NameKana => "氏名(かな)とフリガナ一致",
            MatchReason::FuriganaSame => "フリガナ一致",
            MatchReason::BirthDateSame => "生年月日一致",
            MatchReason::BirthDateNear => "生年月日が近い",
            MatchReason::BirthDateDiffers => "生年月日不一致",
            MatchReason::PhoneSame => "電話番号一致",
        }
    }

    /// Points this evidence adds when no 住民宛名番号 decides (see the module docs).
    const fn points(self) -> i32 {
        match self {
            MatchReason::ExternalIdSame | MatchReason::ExternalIdDiffers => 0,
            MatchReason::NameSame => 55,
            MatchReason::NameVariant => 50,
            MatchReason::NameKana => 45,
            MatchReason::FuriganaSame => 25,
            MatchReason::BirthDateSame => 35,
            MatchReason::BirthDateNear => 5,
            MatchReason::BirthDateDiffers => -70,
            MatchReason::PhoneSame => 15,
        }
    }
}

/// How alike two records are, with the evidence in [`MatchReason`] order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchScore {
    /// 0..=100; 100 only when the 住民宛名番号 is the same.
    pub score: u8,
    pub reasons: Vec<MatchReason>,
    /// The 住民宛名番号 decided (both records have one); the other reasons are shown only.
    pub decisive: bool,
}

/// The score from which a record is offered as a possible match (参考候補).
pub const CANDIDATE_THRESHOLD: u8 = 50;

/// The score from which a candidate is 有力候補.
pub const STRONG_THRESHOLD: u8 = 80;

/// The highest score with a near-miss birth date: a slip is to be checked, never strong.
pub const NEAR_MISS_MAX: u8 = STRONG_THRESHOLD - 1;

/// How strongly a candidate is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchLevel {
    /// 有力候補: most likely the same person.
    Strong,
    /// 参考候補: worth a look.
    Reference,
}

impl MatchLevel {
    pub fn label(self) -> &'static str {
        match self {
            MatchLevel::Strong => "有力候補",
            MatchLevel::Reference => "参考候補",
        }
    }
}

impl MatchScore {
    /// The level the record is offered at; `None` when it is not a candidate.
    pub fn level(&self) -> Option<MatchLevel> {
        if self.score >= STRONG_THRESHOLD {
            Some(MatchLevel::Strong)
        } else if self.score >= CANDIDATE_THRESHOLD {
            Some(MatchLevel::Reference)
        } else {
            None
        }
    }
}

/// The highest score evidence other than the 住民宛名番号 can reach.
const UNDECIDED_MAX: i32 = 99;

/// A phone number shorter than this (110, an extension) says nothing about who someone is.
/// Six digits still admits a local number written without its 市外局番.
const MIN_PHONE_DIGITS: usize = 6;

/// Compares a newly entered person with one on file. Symmetric in its arguments.
pub fn score(new: &MatchInput, existing: &MatchInput) -> MatchScore {
    let mut reasons = Vec::new();

    let same_external_id = match (
        external_id_key(new.external_id),
        external_id_key(existing.external_id),
    ) {
        (Some(a), Some(b)) => Some(a == b),
        _ => None,
    };
    match same_external_id {
        Some(true) => reasons.push(MatchReason::ExternalIdSame),
        Some(false) => reasons.push(MatchReason::ExternalIdDiffers),
        None => {}
    }

    let name_key = match_key(new.name);
    if !name_key.is_empty() && name_key == match_key(existing.name) {
        reasons.push(if new.name.trim() == existing.name.trim() {
            MatchReason::NameSame
        } else {
            MatchReason::NameVariant
        });
    } else if name_read_as(new.name, existing.furigana) || name_read_as(existing.name, new.furigana)
    {
        reasons.push(MatchReason::NameKana);
    }

    if let (Some(a), Some(b)) = (new.furigana, existing.furigana) {
        let key = kana_key(a);
        if !key.is_empty() && key == kana_key(b) {
            reasons.push(MatchReason::FuriganaSame);
        }
    }

    if let (Some(a), Some(b)) = (new.birth_date, existing.birth_date) {
        reasons.push(if a == b {
            MatchReason::BirthDateSame
        } else if birth_dates_near(a, b) {
            MatchReason::BirthDateNear
        } else {
            MatchReason::BirthDateDiffers
        });
    }

    if let (Some(a), Some(b)) = (new.phone, existing.phone) {
        let phone = normalise_phone(a);
        if phone.len() >= MIN_PHONE_DIGITS && phone == normalise_phone(b) {
            reasons.push(MatchReason::PhoneSame);
        }
    }

    let (score, decisive) = match same_external_id {
        Some(true) => (100, true),
        Some(false) => (0, true),
        None => {
            let points: i32 = reasons.iter().map(|r| r.points()).sum();
            let max = if reasons.contains(&MatchReason::BirthDateNear) {
                i32::from(NEAR_MISS_MAX)
            } else {
                UNDECIDED_MAX
            };
            (u8::try_from(points.clamp(0, max)).unwrap_or(0), false)
        }
    };
    MatchScore {
        score,
        reasons,
        decisive,
    }
}

/// Whether `name` is written in kana only and reads as `furigana`.
fn name_read_as(name: &str, furigana: Option<&str>) -> bool {
    match (reading_of_name(name), furigana.map(kana_key)) {
        (Some(reading), Some(f)) => !reading.is_empty() && reading == f,
        _ => false,
    }
}

/// The birth dates a typing slip makes of `d`: one day either side, two neighbouring digits
/// of `YYYYMMDD` swapped (03-21 / 03-12, 1947 / 1974), and day and month swapped
/// (10-01 / 01-10); only real dates, never `d` itself. The relation is symmetric.
pub fn near_birth_dates(d: NaiveDate) -> Vec<NaiveDate> {
    let mut out: Vec<NaiveDate> = [d.pred_opt(), d.succ_opt()].into_iter().flatten().collect();
    let digits: Vec<u32> = d
        .format("%Y%m%d")
        .to_string()
        .chars()
        .filter_map(|c| c.to_digit(10))
        .collect();
    if digits.len() == 8 {
        for i in 0..7 {
            let mut s = digits.clone();
            s.swap(i, i + 1);
            let number = |range: std::ops::Range<usize>| s[range].iter().fold(0, |n, d| n * 10 + d);
            let year = i32::try_from(number(0..4)).unwrap_or(0);
            out.extend(NaiveDate::from_ymd_opt(year, number(4..6), number(6..8)));
        }
    }
    out.extend(NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()));
    out.retain(|&n| n != d);
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether two different birth dates differ by a typing slip ([`near_birth_dates`]).
pub fn birth_dates_near(a: NaiveDate, b: NaiveDate) -> bool {
    a != b && near_birth_dates(a).contains(&b)
}

/// Whether to offer the record as a possible match.
pub fn is_candidate(s: &MatchScore) -> bool {
    s.score >= CANDIDATE_THRESHOLD
}

/// The reasons as one line for the UI: `氏名一致・生年月日一致`.
pub fn reasons_label(reasons: &[MatchReason]) -> String {
    reasons
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("・")
}

/// A phone number as digits only: full-width digits folded, punctuation dropped, and the
/// international form `+81 90-…` / `+81 (0)90-…` written as the domestic `090…`.
pub fn normalise_phone(s: &str) -> String {
    let s: String = s.nfkc().collect();
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let national = s
        .trim_start()
        .starts_with('+')
        .then(|| digits.strip_prefix("81"))
        .flatten();
    match national {
        Some(national) if national.starts_with('0') => national.to_string(),
        Some(national) => format!("0{national}"),
        None => digits,
    }
}

/// A 住民宛名番号 for comparison: width folded, spaces and hyphens dropped, and leading
/// zeros dropped from an all-digit number (a spreadsheet export loses them).
fn external_id_key(id: Option<&str>) -> Option<String> {
    let key: String = id?
        .nfkc()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if key.is_empty() {
        return None;
    }
    if key.chars().all(|c| c.is_ascii_digit()) {
        let trimmed = key.trim_start_matches('0');
        return Some(if trimmed.is_empty() { "0" } else { trimmed }.to_string());
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use MatchReason::*;
    use proptest::prelude::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn person(name: &'static str) -> MatchInput<'static> {
        MatchInput {
            name,
            ..MatchInput::default()
        }
    }

    struct Scenario {
        what: &'static str,
        new: MatchInput<'static>,
        existing: MatchInput<'static>,
        candidate: bool,
        score: u8,
        reasons: &'static [MatchReason],
    }

    fn scenarios() -> Vec<Scenario> {
        let born = Some(date("1952-03-14"));
        let born_other = Some(date("1980-11-02"));
        let with = |name: &'static str,
                    furigana: Option<&'static str>,
                    birth_date: Option<NaiveDate>,
                    phone: Option<&'static str>| MatchInput {
            name,
            furigana,
            birth_date,
            phone,
            external_id: None,
        };
        vec![
            Scenario {
                what: "同姓同名・生年月日一致",
                new: with("佐藤 花子", None, born, None),
                existing: with("佐藤 花子", None, born, None),
                candidate: true,
                score: 90,
                reasons: &[NameSame, BirthDateSame],
            },
            Scenario {
                what: "旧字体と生年月日",
                new: with("齋藤 一郎", None, born, None),
                existing: with("斎藤 一郎", None, born, None),
                candidate: true,
                score: 85,
                reasons: &[NameVariant, BirthDateSame],
            },
            Scenario {
                what: "氏名だけ一致(生年月日不明): 弱い候補",
                new: person("佐藤 花子"),
                existing: with("佐藤 花子", Some("サトウ ハナコ"), born, None),
                candidate: true,
                score: 55,
                reasons: &[NameSame],
            },
            Scenario {
                what: "異体字だけ一致",
                new: person("髙橋 誠"),
                existing: person("高橋 誠"),
                candidate: true,
                score: 50,
                reasons: &[NameVariant],
            },
            Scenario {
                what: "同姓同名でも生年月日が違えば別人",
                new: with("佐藤 花子", None, born, None),
                existing: with("佐藤 花子", None, born_other, None),
                candidate: false,
                score: 0,
                reasons: &[NameSame, BirthDateDiffers],
            },
            Scenario {
                what: "氏名・フリガナ・電話が一致しても生年月日が違えば別人",
                new: with(
                    "佐藤 花子",
                    Some("サトウ ハナコ"),
                    born,
                    Some("0187-62-1234"),
                ),
                existing: with(
                    "佐藤 花子",
                    Some("さとう はなこ"),
                    born_other,
                    Some("0187621234"),
                ),
                candidate: false,
                score: 25,
                reasons: &[NameSame, FuriganaSame, BirthDateDiffers, PhoneSame],
            },
            Scenario {
                what: "漢字が違ってもフリガナと生年月日が一致(斉藤/西藤)",
                new: with("斉藤 花子", Some("サイトウ ハナコ"), born, None),
                existing: with("西藤 花子", Some("ｻｲﾄｳ ﾊﾅｺ"), born, None),
                candidate: true,
                score: 60,
                reasons: &[FuriganaSame, BirthDateSame],
            },
            Scenario {
                what: "濁点の違うフリガナは別の読み(サイトウ/サイドウ)",
                new: with("斉藤 花子", Some("サイトウ ハナコ"), born, None),
                existing: with("西藤 花子", Some("サイドウ ハナコ"), born, None),
                candidate: false,
                score: 35,
                reasons: &[BirthDateSame],
            },
            Scenario {
                what: "フリガナだけ一致",
                new: with("斉藤 花子", Some("サイトウ ハナコ"), None, None),
                existing: with("西藤 花子", Some("サイトウ ハナコ"), None, None),
                candidate: false,
                score: 25,
                reasons: &[FuriganaSame],
            },
            Scenario {
                what: "生年月日だけ一致",
                new: with("佐藤 花子", None, born, None),
                existing: with("鈴木 一郎", None, born, None),
                candidate: false,
                score: 35,
                reasons: &[BirthDateSame],
            },
            Scenario {
                what: "生年月日と電話が一致(婚姻で姓が変わった)",
                new: with("山田 花子", None, born, Some("090-1234-5678")),
                existing: with("佐藤 花子", None, born, Some("09012345678")),
                candidate: true,
                score: 50,
                reasons: &[BirthDateSame, PhoneSame],
            },
            Scenario {
                what: "電話だけ一致(同じ世帯の別人)",
                new: with("佐藤 花子", None, None, Some("0187-62-1234")),
                existing: with("佐藤 一郎", None, None, Some("0187-62-1234")),
                candidate: false,
                score: 15,
                reasons: &[PhoneSame],
            },
            Scenario {
                what: "フリガナと電話(生年月日不明)",
                new: with(
                    "斉藤 花子",
                    Some("サイトウ ハナコ"),
                    None,
                    Some("0187621234"),
                ),
                existing: with(
                    "西藤 花子",
                    Some("サイトウ ハナコ"),
                    None,
                    Some("0187621234"),
                ),
                candidate: false,
                score: 40,
                reasons: &[FuriganaSame, PhoneSame],
            },
            Scenario {
                what: "すべて一致しても番号なしなら100にならない",
                new: with(
                    "佐藤 花子",
                    Some("サトウ ハナコ"),
                    born,
                    Some("090-1234-5678"),
                ),
                existing: with(
                    "佐藤 花子",
                    Some("サトウ ハナコ"),
                    born,
                    Some("+81 90 1234 5678"),
                ),
                candidate: true,
                score: 99,
                reasons: &[NameSame, FuriganaSame, BirthDateSame, PhoneSame],
            },
            Scenario {
                what: "ひらがなの氏名とカタカナの氏名",
                new: person("さいとう はなこ"),
                existing: person("サイトウ ハナコ"),
                candidate: true,
                score: 50,
                reasons: &[NameVariant],
            },
            Scenario {
                what: "半角カナの氏名",
                new: with("ｻｲﾄｳ ﾊﾅｺ", None, born, None),
                existing: with("サイトウ ハナコ", None, born, None),
                candidate: true,
                score: 85,
                reasons: &[NameVariant, BirthDateSame],
            },
            Scenario {
                what: "空白の違いは表記ゆれ",
                new: person("佐藤　花子"),
                existing: person("佐藤花子"),
                candidate: true,
                score: 50,
                reasons: &[NameVariant],
            },
            Scenario {
                what: "前後の空白だけなら氏名一致",
                new: person(" 佐藤 花子　"),
                existing: person("佐藤 花子"),
                candidate: true,
                score: 55,
                reasons: &[NameSame],
            },
            Scenario {
                what: "異体字でも生年月日が違えば別人",
                new: with("渡邊 剛", None, born, None),
                existing: with("渡辺 剛", None, born_other, None),
                candidate: false,
                score: 0,
                reasons: &[NameVariant, BirthDateDiffers],
            },
            Scenario {
                what: "似ているが別の姓(伊藤/伊東)",
                new: with("伊藤 花子", None, born, None),
                existing: with("伊東 花子", None, born, None),
                candidate: false,
                score: 35,
                reasons: &[BirthDateSame],
            },
            Scenario {
                what: "氏名が空なら氏名の一致にしない",
                new: with("", None, None, None),
                existing: with("　", None, None, None),
                candidate: false,
                score: 0,
                reasons: &[],
            },
            Scenario {
                what: "短い番号は電話番号の一致にしない",
                new: with("佐藤 花子", None, None, Some("110")),
                existing: with("佐藤 花子", None, None, Some("１１０")),
                candidate: true,
                score: 55,
                reasons: &[NameSame],
            },
            Scenario {
                what: "空のフリガナは一致にしない",
                new: with("佐藤 花子", Some(" "), None, None),
                existing: with("加藤 花子", Some(""), None, None),
                candidate: false,
                score: 0,
                reasons: &[],
            },
        ]
    }

    #[test]
    fn scenarios_score_as_documented() {
        let scenarios = scenarios();
        assert!(scenarios.len() >= 20);
        for s in &scenarios {
            let got = score(&s.new, &s.existing);
            assert_eq!(got.reasons, s.reasons, "{}", s.what);
            assert_eq!(got.score, s.score, "{}", s.what);
            assert_eq!(is_candidate(&got), s.candidate, "{}", s.what);
            assert!(!got.decisive, "{}", s.what);
        }
    }

    /// What is compared, the level expected and the reasons.
    type LevelCase = (
        &'static str,
        MatchInput<'static>,
        MatchInput<'static>,
        Option<MatchLevel>,
        &'static [MatchReason],
    );

    /// The two levels, the name typed in kana and the near-miss birth dates (#11).
    #[test]
    fn candidates_come_in_two_levels_with_their_reasons() {
        let with = |name: &'static str, furigana: Option<&'static str>, birth: &str| MatchInput {
            name,
            furigana,
            birth_date: Some(date(birth)),
            ..MatchInput::default()
        };
        let sachiko = with("渡邉 幸子", Some("ワタナベ サチコ"), "1952-03-21");
        let table: &[LevelCase] = &[
            (
                "同姓同名・生年月日一致は有力候補",
                with("佐藤 花子", None, "1952-03-21"),
                with("佐藤 花子", None, "1952-03-21"),
                Some(MatchLevel::Strong),
                &[NameSame, BirthDateSame],
            ),
            (
                "かなで入力した氏名はフリガナと比べる",
                with("わたなべ さちこ", None, "1952-03-21"),
                sachiko,
                Some(MatchLevel::Strong),
                &[NameKana, BirthDateSame],
            ),
            (
                "半角カナの氏名も(逆向きでも)",
                sachiko,
                with("ﾜﾀﾅﾍﾞ ｻﾁｺ", None, "1952-03-21"),
                Some(MatchLevel::Strong),
                &[NameKana, BirthDateSame],
            ),
            (
                "かなの氏名・生年月日が近い",
                with("わたなべ さちこ", None, "1952-03-12"),
                sachiko,
                Some(MatchLevel::Reference),
                &[NameKana, BirthDateNear],
            ),
            (
                "日の数字の入れ違い(03-21/03-12)は参考候補",
                with("渡邉 幸子", Some("ワタナベ サチコ"), "1952-03-12"),
                sachiko,
                Some(MatchLevel::Reference),
                &[NameSame, FuriganaSame, BirthDateNear],
            ),
            (
                "月と日の入れ違い(10-01/01-10)",
                with("佐藤 花子", None, "1960-10-01"),
                with("佐藤 花子", None, "1960-01-10"),
                Some(MatchLevel::Reference),
                &[NameSame, BirthDateNear],
            ),
            (
                "1日違い",
                with("齋藤 一郎", None, "1960-12-31"),
                with("斎藤 一郎", None, "1961-01-01"),
                Some(MatchLevel::Reference),
                &[NameVariant, BirthDateNear],
            ),
            (
                "年の数字の入れ違い(1947/1974)",
                with("佐藤 花子", None, "1947-05-06"),
                with("佐藤 花子", None, "1974-05-06"),
                Some(MatchLevel::Reference),
                &[NameSame, BirthDateNear],
            ),
            (
                "近くない生年月日は別人",
                with("佐藤 花子", None, "1952-03-23"),
                with("佐藤 花子", None, "1952-03-21"),
                None,
                &[NameSame, BirthDateDiffers],
            ),
            (
                "氏名だけの一致は参考候補",
                MatchInput {
                    birth_date: None,
                    ..with("佐藤 花子", None, "1952-03-21")
                },
                with("佐藤 花子", None, "1952-03-21"),
                Some(MatchLevel::Reference),
                &[NameSame],
            ),
            (
                "漢字の氏名はフリガナと比べない",
                with("渡辺 幸子", None, "1952-03-21"),
                with("渡部 幸子", Some("ワタナベ サチコ"), "1952-03-21"),
                None,
                &[BirthDateSame],
            ),
            (
                "読みが違えば一致にしない",
                with("わたべ さちこ", None, "1952-03-21"),
                sachiko,
                None,
                &[BirthDateSame],
            ),
        ];
        for (what, new, existing, level, reasons) in table {
            let got = score(new, existing);
            assert_eq!(got.reasons, *reasons, "{what}");
            assert_eq!(got.level(), *level, "{what}: score {}", got.score);
            assert_eq!(is_candidate(&got), level.is_some(), "{what}");
            if got.reasons.contains(&BirthDateNear) {
                assert!(got.score <= NEAR_MISS_MAX, "{what}");
            }
        }
        assert_eq!(MatchLevel::Strong.label(), "有力候補");
        assert_eq!(BirthDateNear.label(), "生年月日が近い");
    }

    #[test]
    fn near_birth_dates_are_typing_slips() {
        let near = |a: &str, b: &str| birth_dates_near(date(a), date(b));
        for (a, b) in [
            ("1952-03-21", "1952-03-12"),
            ("1960-10-01", "1960-01-10"),
            ("1960-12-31", "1961-01-01"),
            ("1947-05-06", "1974-05-06"),
            ("1952-03-14", "1952-03-15"),
            ("1952-03-14", "1952-03-13"),
            ("1952-11-03", "1952-03-11"),
        ] {
            assert!(near(a, b) && near(b, a), "{a} / {b}");
        }
        for (a, b) in [
            ("1952-03-21", "1952-03-21"),
            ("1952-03-21", "1952-03-23"),
            ("1952-03-21", "1953-03-21"),
            ("1960-10-01", "1961-01-10"),
        ] {
            assert!(!near(a, b), "{a} / {b}");
        }
        // Only real dates: 1952-03-31 swaps to 03-13, never to a month 31 or 13.
        let d = date("1952-03-31");
        assert!(near_birth_dates(d).iter().all(|&n| n != d));
        assert!(near_birth_dates(d).contains(&date("1952-03-13")));
    }

    #[test]
    fn same_external_id_decides_even_against_the_other_evidence() {
        let new = MatchInput {
            name: "山田 花子",
            birth_date: Some(date("1952-03-14")),
            external_id: Some("０００１２３４５６７"),
            ..MatchInput::default()
        };
        let existing = MatchInput {
            name: "佐藤 花子",
            birth_date: Some(date("1952-05-15")),
            external_id: Some("1234567"),
            ..MatchInput::default()
        };
        let got = score(&new, &existing);
        assert_eq!(got.score, 100);
        assert!(got.decisive && is_candidate(&got));
        // The other evidence is still shown: a differing birthday is a data error to check.
        assert_eq!(got.reasons, [ExternalIdSame, BirthDateDiffers]);
    }

    #[test]
    fn different_external_ids_are_never_the_same_person() {
        let new = MatchInput {
            name: "佐藤 花子",
            furigana: Some("サトウ ハナコ"),
            birth_date: Some(date("1952-03-14")),
            external_id: Some("1234-5678"),
            phone: Some("0187-62-1234"),
        };
        let existing = MatchInput {
            external_id: Some("1234-5679"),
            ..new
        };
        let got = score(&new, &existing);
        assert_eq!(got.score, 0);
        assert!(got.decisive && !is_candidate(&got));
        assert_eq!(
            got.reasons,
            [
                ExternalIdDiffers,
                NameSame,
                FuriganaSame,
                BirthDateSame,
                PhoneSame
            ]
        );
    }

    #[test]
    fn an_external_id_on_one_side_only_decides_nothing() {
        let new = MatchInput {
            external_id: Some("1234567"),
            birth_date: Some(date("1952-03-14")),
            ..person("佐藤 花子")
        };
        let existing = MatchInput {
            external_id: Some(" - "),
            ..new
        };
        let got = score(&new, &existing);
        assert!(!got.decisive);
        assert_eq!(got.reasons, [NameSame, BirthDateSame]);
        assert_eq!(got.score, 90);
    }

    #[test]
    fn reasons_read_as_one_line() {
        assert_eq!(
            reasons_label(&[NameVariant, FuriganaSame, BirthDateSame]),
            "異体字・表記ゆれ・フリガナ一致・生年月日一致"
        );
        assert_eq!(reasons_label(&[]), "");
        assert_eq!(ExternalIdDiffers.label(), "住民宛名番号不一致");
        assert_eq!(PhoneSame.label(), "電話番号一致");
    }

    #[test]
    fn phone_numbers_normalise_to_domestic_digits() {
        let cases = [
            ("0187-62-1234", "0187621234"),
            ("０１８７－６２－１２３４", "0187621234"),
            ("(0187) 62 1234", "0187621234"),
            ("090-1234-5678", "09012345678"),
            ("+81 90-1234-5678", "09012345678"),
            ("＋８１ ９０ １２３４ ５６７８", "09012345678"),
            ("+81 (0)90 1234 5678", "09012345678"),
            ("+1 555 0100", "15550100"),
            ("81-1234", "811234"),
            ("", ""),
            ("なし", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise_phone(input), expected, "{input}");
        }
    }

    fn any_input() -> impl Strategy<
        Value = (
            String,
            Option<String>,
            Option<u32>,
            Option<String>,
            Option<String>,
        ),
    > {
        (
            proptest::sample::select(vec![
                "佐藤 花子",
                "佐藤花子",
                "齋藤 花子",
                "斎藤 花子",
                "",
                "サトウ ハナコ",
            ]),
            proptest::option::of(proptest::sample::select(vec![
                "サトウ ハナコ",
                "さとう はなこ",
                "サイトウ ハナコ",
            ])),
            proptest::option::of(0u32..3),
            proptest::option::of(proptest::sample::select(vec!["123", "0123", "124"])),
            proptest::option::of(proptest::sample::select(vec![
                "0187-62-1234",
                "0187621234",
                "090-0000-0000",
            ])),
        )
            .prop_map(|(name, furigana, day, id, phone)| {
                (
                    name.to_string(),
                    furigana.map(str::to_string),
                    day,
                    id.map(str::to_string),
                    phone.map(str::to_string),
                )
            })
    }

    fn as_input(
        (name, furigana, day, id, phone): &(
            String,
            Option<String>,
            Option<u32>,
            Option<String>,
            Option<String>,
        ),
    ) -> MatchInput<'_> {
        MatchInput {
            name,
            furigana: furigana.as_deref(),
            birth_date: day.and_then(|d| NaiveDate::from_ymd_opt(1952, 3, 1 + d)),
            external_id: id.as_deref(),
            phone: phone.as_deref(),
        }
    }

    proptest! {
        #[test]
        fn score_is_symmetric_and_bounded(a in any_input(), b in any_input()) {
            let (a, b) = (as_input(&a), as_input(&b));
            let ab = score(&a, &b);
            prop_assert_eq!(&ab, &score(&b, &a));
            prop_assert!(ab.score <= 100);
            prop_assert_eq!(ab.score == 100, ab.decisive && ab.reasons.contains(&ExternalIdSame));
            let mut sorted = ab.reasons.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(sorted, ab.reasons);
        }

        #[test]
        fn nearness_is_symmetric(days in 0i64..60_000, pick in any::<proptest::sample::Index>()) {
            let a = date("1900-01-01") + chrono::TimeDelta::days(days);
            let near = near_birth_dates(a);
            prop_assert!(!near.is_empty());
            let b = near[pick.index(near.len())];
            prop_assert!(birth_dates_near(b, a));
        }

        #[test]
        fn a_record_with_a_name_matches_itself(a in any_input()) {
            let a = as_input(&a);
            if !a.name.trim().is_empty() || a.external_id.is_some() {
                prop_assert!(is_candidate(&score(&a, &a)));
            }
        }
    }
}
