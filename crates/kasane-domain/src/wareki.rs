//! 和暦: Japanese era dates, as staff read them on screens and type them into forms.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// A Japanese era (元号) from the adoption of the Gregorian calendar onwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

/// Builds a date for a `const` item, so a wrong constant fails the build rather than a request.
const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid date constant"),
    }
}

// Japan adopted the Gregorian calendar on 明治6年1月1日; earlier 明治 dates are lunisolar
// and cannot be converted by arithmetic, so they are not supported.
const MEIJI_START: NaiveDate = ymd(1873, 1, 1);
const TAISHO_START: NaiveDate = ymd(1912, 7, 30);
const SHOWA_START: NaiveDate = ymd(1926, 12, 25);
const HEISEI_START: NaiveDate = ymd(1989, 1, 8);
const REIWA_START: NaiveDate = ymd(2019, 5, 1);

impl Era {
    /// Oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    pub const fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The letter used in short forms such as `R7.4.1`.
    pub const fn initial(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The first supported day of the era (for 明治, the first Gregorian day).
    pub const fn start(self) -> NaiveDate {
        match self {
            Era::Meiji => MEIJI_START,
            Era::Taisho => TAISHO_START,
            Era::Showa => SHOWA_START,
            Era::Heisei => HEISEI_START,
            Era::Reiwa => REIWA_START,
        }
    }

    /// The Gregorian year of the era's 元年. Differs from `start().year()` only for 明治,
    /// whose years count from 1868 although support begins in 1873.
    pub const fn first_year(self) -> i32 {
        match self {
            Era::Meiji => 1868,
            Era::Taisho => 1912,
            Era::Showa => 1926,
            Era::Heisei => 1989,
            Era::Reiwa => 2019,
        }
    }

    const fn successor(self) -> Option<Era> {
        match self {
            Era::Meiji => Some(Era::Taisho),
            Era::Taisho => Some(Era::Showa),
            Era::Showa => Some(Era::Heisei),
            Era::Heisei => Some(Era::Reiwa),
            Era::Reiwa => None,
        }
    }

    /// The era and era year of `date`; `None` before 1873-01-01.
    pub fn of(date: NaiveDate) -> Option<(Era, u32)> {
        let era = Era::ALL.into_iter().rev().find(|era| date >= era.start())?;
        let year = u32::try_from(date.year() - era.first_year() + 1).ok()?;
        Some((era, year))
    }

    /// The Gregorian date of `{era}{era_year}年{month}月{day}日`, refusing dates the era never had
    /// (平成31年5月1日 is 令和元年5月1日; there was no 昭和64年1月8日).
    pub fn date(self, era_year: u32, month: u32, day: u32) -> Result<NaiveDate, DateParseError> {
        if era_year == 0 {
            return Err(DateParseError::EraYearZero(self));
        }
        let given = || format!("{}{month}月{day}日", format_era_year(self, era_year));
        let date = i32::try_from(era_year)
            .ok()
            .and_then(|n| self.first_year().checked_add(n - 1))
            .and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
            .ok_or_else(|| DateParseError::NoSuchDate(given()))?;
        if date < self.start() {
            if self == Era::Meiji {
                return Err(DateParseError::BeforeGregorian);
            }
            return Err(DateParseError::OutsideEra {
                given: given(),
                hint: format!("{}は{}からです", self.name(), format_wareki(self.start())),
            });
        }
        if let Some(next) = self.successor().filter(|next| date >= next.start()) {
            return Err(DateParseError::OutsideEra {
                given: given(),
                hint: format!("{}以降は{}です", format_wareki(next.start()), next.name()),
            });
        }
        Ok(date)
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `令和7年`, with the first year written `令和元年` as every official document does.
pub fn format_era_year(era: Era, year: u32) -> String {
    if year == 1 {
        format!("{}元年", era.name())
    } else {
        format!("{}{year}年", era.name())
    }
}

/// `令和7年4月1日`; ISO `1872-12-31` for dates before 和暦 support begins.
pub fn format_wareki(date: NaiveDate) -> String {
    match Era::of(date) {
        Some((era, year)) => format!(
            "{}{}月{}日",
            format_era_year(era, year),
            date.month(),
            date.day()
        ),
        None => date.to_string(),
    }
}

/// `R7.4.1` (year 1 as `R1`, the usual short form); ISO before 和暦 support begins.
pub fn format_wareki_short(date: NaiveDate) -> String {
    match Era::of(date) {
        Some((era, year)) => format!("{}{year}.{}.{}", era.initial(), date.month(), date.day()),
        None => date.to_string(),
    }
}

/// `令和7年4月1日 14:05`.
pub fn format_wareki_datetime(dt: NaiveDateTime) -> String {
    format!(
        "{} {:02}:{:02}",
        format_wareki(dt.date()),
        dt.hour(),
        dt.minute()
    )
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateParseError {
    #[error("「{0}」を日付として読み取れません(例: 2024-04-01、2024/4/1、R6.4.1、令和6年4月1日)")]
    Malformed(String),
    #[error("{0}という日付はありません")]
    NoSuchDate(String),
    #[error("{0}0年はありません(最初の年は{0}元年です)")]
    EraYearZero(Era),
    #[error("{given}は存在しません({hint})")]
    OutsideEra { given: String, hint: String },
    #[error("明治6年1月1日より前の日付は和暦で入力できません(西暦で入力してください)")]
    BeforeGregorian,
}

/// Reads a date as staff type it: `2024-04-01`, `2024/4/1`, `2024.4.1`, `20240401`,
/// `2024年4月1日`, `R6.4.1`, `h31-4-30`, `令和元年5月1日`, in half- or full-width, spaces ignored.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateParseError> {
    let malformed = || DateParseError::Malformed(input.trim().to_owned());
    let s = normalize(input);
    if let Some((era, rest)) = take_era(&s) {
        let (era_year, rest) = take_era_year(rest).ok_or_else(malformed)?;
        let (month, day) = month_day(rest).ok_or_else(malformed)?;
        return era.date(era_year, month, day);
    }
    let (year, month, day) = western(&s).ok_or_else(malformed)?;
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| DateParseError::NoSuchDate(format!("{year}年{month}月{day}日")))
}

/// Folds what Japanese IMEs and spreadsheets produce into ASCII digits, letters and separators,
/// and drops whitespace (including U+3000), so the grammar below only sees one spelling.
pub(crate) fn normalize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            c if c.is_whitespace() => {}
            // Full-width ASCII (！..～) sits at a fixed offset from ASCII.
            '\u{FF01}'..='\u{FF5E}' => {
                out.push(char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c));
            }
            // Dash look-alikes, chiefly ー typed for - with the IME in Japanese mode.
            '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | 'ー' | 'ｰ' => out.push('-'),
            // Single-character era ligatures, as in ㍻31年.
            '㍾' => out.push_str(Era::Meiji.name()),
            '㍽' => out.push_str(Era::Taisho.name()),
            '㍼' => out.push_str(Era::Showa.name()),
            '㍻' => out.push_str(Era::Heisei.name()),
            '㋿' => out.push_str(Era::Reiwa.name()),
            c => out.push(c),
        }
    }
    out
}

/// Splits a leading era name or initial (either case) off normalized input.
pub(crate) fn take_era(s: &str) -> Option<(Era, &str)> {
    Era::ALL.into_iter().find_map(|era| {
        let initial = era.initial();
        s.strip_prefix(era.name())
            .or_else(|| s.strip_prefix(initial))
            .or_else(|| s.strip_prefix(initial.to_ascii_lowercase()))
            .map(|rest| (era, rest))
    })
}

/// Splits a leading era year (`元` or digits) off normalized input; 0 is returned for the
/// caller to reject with its own message.
pub(crate) fn take_era_year(s: &str) -> Option<(u32, &str)> {
    match s.strip_prefix('元') {
        Some(rest) => Some((1, rest)),
        None => take_number(s, 4),
    }
}

/// Splits off a leading run of 1..=`max` ASCII digits; a longer run is not a match.
fn take_number(s: &str, max: usize) -> Option<(u32, &str)> {
    let len = s.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 || len > max {
        return None;
    }
    let (digits, rest) = s.split_at(len);
    Some((digits.parse().ok()?, rest))
}

/// Month and day after the year: `年M月D日` (日 optional) or `{sep}M{sep}D` with one of `. / -`
/// used for both gaps, so `2024-4/1` is refused as a likely typo.
fn month_day(s: &str) -> Option<(u32, u32)> {
    if let Some(s) = s.strip_prefix('年') {
        let (month, s) = take_number(s, 2)?;
        let (day, s) = take_number(s.strip_prefix('月')?, 2)?;
        let s = s.strip_prefix('日').unwrap_or(s);
        return s.is_empty().then_some((month, day));
    }
    let sep = s.chars().next().filter(|c| matches!(c, '.' | '/' | '-'))?;
    let (month, s) = take_number(s.strip_prefix(sep)?, 2)?;
    let (day, s) = take_number(s.strip_prefix(sep)?, 2)?;
    s.is_empty().then_some((month, day))
}

/// A Gregorian date; the year must have four digits so that a bare `6.4.1` is not read as
/// the year 6.
fn western(s: &str) -> Option<(i32, u32, u32)> {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let (year, month_day) = s.split_at(4);
        let (month, day) = month_day.split_at(2);
        return Some((year.parse().ok()?, month.parse().ok()?, day.parse().ok()?));
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits != 4 {
        return None;
    }
    let (year, rest) = take_number(s, 4)?;
    let (month, day) = month_day(rest)?;
    Some((i32::try_from(year).ok()?, month, day))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        ymd(y, m, d)
    }

    #[test]
    fn formats_across_era_boundaries() {
        let cases = [
            ((1912, 7, 29), "明治45年7月29日", "M45.7.29"),
            ((1912, 7, 30), "大正元年7月30日", "T1.7.30"),
            ((1926, 12, 24), "大正15年12月24日", "T15.12.24"),
            ((1926, 12, 25), "昭和元年12月25日", "S1.12.25"),
            ((1989, 1, 7), "昭和64年1月7日", "S64.1.7"),
            ((1989, 1, 8), "平成元年1月8日", "H1.1.8"),
            ((2019, 4, 30), "平成31年4月30日", "H31.4.30"),
            ((2019, 5, 1), "令和元年5月1日", "R1.5.1"),
            ((2025, 4, 1), "令和7年4月1日", "R7.4.1"),
        ];
        for ((y, m, d), long, short) in cases {
            assert_eq!(format_wareki(date(y, m, d)), long);
            assert_eq!(format_wareki_short(date(y, m, d)), short);
        }
    }

    #[test]
    fn meiji_counts_from_1868_but_starts_at_gregorian_adoption() {
        assert_eq!(Era::of(date(1873, 1, 1)), Some((Era::Meiji, 6)));
        assert_eq!(format_wareki(date(1873, 1, 1)), "明治6年1月1日");
        assert_eq!(Era::of(date(1872, 12, 31)), None);
        assert_eq!(format_wareki(date(1872, 12, 31)), "1872-12-31");
        assert_eq!(format_wareki_short(date(1872, 12, 31)), "1872-12-31");
    }

    #[test]
    fn every_era_after_meiji_starts_in_year_one() {
        for era in Era::ALL.into_iter().skip(1) {
            assert_eq!(Era::of(era.start()), Some((era, 1)));
            assert_eq!(era.first_year(), era.start().year());
        }
    }

    #[test]
    fn formats_datetime_with_zero_padded_time() {
        let dt = date(2025, 4, 1).and_hms_opt(14, 5, 59);
        assert_eq!(
            dt.map(format_wareki_datetime).as_deref(),
            Some("令和7年4月1日 14:05")
        );
    }

    #[test]
    fn parses_every_accepted_form() {
        let cases = [
            ("2024-04-01", (2024, 4, 1)),
            ("2024/4/1", (2024, 4, 1)),
            ("2024.4.1", (2024, 4, 1)),
            ("20240401", (2024, 4, 1)),
            ("2024年4月1日", (2024, 4, 1)),
            ("  2024-04-01 ", (2024, 4, 1)),
            ("S47.3.5", (1972, 3, 5)),
            ("s47.3.5", (1972, 3, 5)),
            ("R2/4/1", (2020, 4, 1)),
            ("h31-4-30", (2019, 4, 30)),
            ("T1.7.30", (1912, 7, 30)),
            ("M45.7.29", (1912, 7, 29)),
            ("R1.5.1", (2019, 5, 1)),
            ("昭和47年3月5日", (1972, 3, 5)),
            ("令和元年5月1日", (2019, 5, 1)),
            ("平成 3年 1月 9日", (1991, 1, 9)),
            ("令和6年4月1", (2024, 4, 1)),
            ("２０２４／４／１", (2024, 4, 1)),
            ("２０２４ー０４ー０１", (2024, 4, 1)),
            ("Ｓ４７．３．５", (1972, 3, 5)),
            ("ｒ２－４－１", (2020, 4, 1)),
            ("令和　元年　５月　１日", (2019, 5, 1)),
            ("㍻31年4月30日", (2019, 4, 30)),
        ];
        for (input, (y, m, d)) in cases {
            assert_eq!(parse_date(input), Ok(date(y, m, d)), "{input}");
        }
    }

    #[test]
    fn refuses_malformed_input() {
        for input in [
            "",
            "   ",
            "hello",
            "2024",
            "24-4-1",
            "2024-4",
            "2024-4/1",
            "2024-04-01x",
            "2024--4-1",
            "2024041",
            "R",
            "R6",
            "R6.4",
            "X6.4.1",
            "令和年4月1日",
            "令和6年4月",
            "2024-004-01",
        ] {
            assert!(
                matches!(parse_date(input), Err(DateParseError::Malformed(_))),
                "{input}"
            );
        }
        assert_eq!(
            parse_date(" R6.4 ").map_err(|e| e.to_string()),
            Err("「R6.4」を日付として読み取れません(例: 2024-04-01、2024/4/1、R6.4.1、令和6年4月1日)".into())
        );
    }

    #[test]
    fn refuses_impossible_and_out_of_era_dates_with_distinct_messages() {
        let cases = [
            ("2023-02-29", "2023年2月29日という日付はありません"),
            ("令和6年2月30日", "令和6年2月30日という日付はありません"),
            ("R6.13.1", "令和6年13月1日という日付はありません"),
            ("R0.4.1", "令和0年はありません(最初の年は令和元年です)"),
            (
                "令和0年4月1日",
                "令和0年はありません(最初の年は令和元年です)",
            ),
            (
                "平成31年5月1日",
                "平成31年5月1日は存在しません(令和元年5月1日以降は令和です)",
            ),
            (
                "令和1年4月30日",
                "令和元年4月30日は存在しません(令和は令和元年5月1日からです)",
            ),
            (
                "昭和64年1月8日",
                "昭和64年1月8日は存在しません(平成元年1月8日以降は平成です)",
            ),
            (
                "大正15年12月25日",
                "大正15年12月25日は存在しません(昭和元年12月25日以降は昭和です)",
            ),
            (
                "明治5年12月2日",
                "明治6年1月1日より前の日付は和暦で入力できません(西暦で入力してください)",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(
                parse_date(input).map_err(|e| e.to_string()),
                Err(message.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn accepts_the_last_and_first_days_of_adjacent_eras() {
        assert_eq!(parse_date("昭和64年1月7日"), Ok(date(1989, 1, 7)));
        assert_eq!(parse_date("平成元年1月8日"), Ok(date(1989, 1, 8)));
        assert_eq!(parse_date("H31.4.30"), Ok(date(2019, 4, 30)));
        assert_eq!(parse_date("R1.5.1"), Ok(date(2019, 5, 1)));
    }

    fn dates_between(from: NaiveDate, to: NaiveDate) -> impl Strategy<Value = NaiveDate> {
        (from.num_days_from_ce()..=to.num_days_from_ce())
            .prop_filter_map("representable", NaiveDate::from_num_days_from_ce_opt)
    }

    proptest! {
        #[test]
        fn formatted_dates_parse_back(d in dates_between(date(1900, 1, 1), date(2100, 12, 31))) {
            prop_assert_eq!(parse_date(&format_wareki(d)), Ok(d));
            prop_assert_eq!(parse_date(&format_wareki_short(d)), Ok(d));
            prop_assert_eq!(parse_date(&d.to_string()), Ok(d));
        }
    }
}
