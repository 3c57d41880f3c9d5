//! 年度: the April–March fiscal year by which municipalities budget, count and report.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::wareki::{Era, format_era_year, normalize, take_era, take_era_year};

/// A fiscal year, named by the calendar year of its April 1:
/// `FiscalYear(2024)` is 令和6年度, 2024-04-01..=2025-03-31.
///
/// Only years that contain a date chrono can represent exist (about ±262,000), so every
/// method below is total; deserializing refuses the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct FiscalYear(i32);

impl FiscalYear {
    /// `None` only for years beyond chrono's calendar.
    pub fn new(year: i32) -> Option<Self> {
        let supported = Self::of(NaiveDate::MIN).0..=Self::of(NaiveDate::MAX).0;
        supported.contains(&year).then_some(Self(year))
    }

    /// The calendar year of the fiscal year's April 1.
    pub const fn year(self) -> i32 {
        self.0
    }

    pub fn of(date: NaiveDate) -> Self {
        if date.month() >= 4 {
            Self(date.year())
        } else {
            Self(date.year() - 1)
        }
    }

    /// April 1. Clamped to chrono's first day for the one year that begins before it.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 4, 1).unwrap_or(NaiveDate::MIN)
    }

    /// March 31 of the following calendar year, inclusive. Clamped to chrono's last day for
    /// the one year that ends after it.
    pub fn end(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 + 1, 3, 31).unwrap_or(NaiveDate::MAX)
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Self::of(date) == self
    }

    /// `None` only at the edge of chrono's calendar.
    pub fn next(self) -> Option<Self> {
        Self::new(self.0 + 1)
    }

    /// `None` only at the edge of chrono's calendar.
    pub fn prev(self) -> Option<Self> {
        Self::new(self.0 - 1)
    }

    /// `令和6年度`; `1872年度` before 和暦 support begins.
    ///
    /// A year is named in the era current on December 31 of its first calendar year. That gives
    /// 令和元年度 for FY2019, as commonly written after the 改元 although it opened in 平成31年,
    /// and keeps FY1988 昭和63年度 though 平成 began in its January.
    pub fn label(self) -> String {
        match NaiveDate::from_ymd_opt(self.0, 12, 31).and_then(Era::of) {
            Some((era, year)) => format!("{}度", format_era_year(era, year)),
            None => format!("{}年度", self.0),
        }
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiscalYearError {
    #[error("「{0}」を年度として読み取れません(例: 2024、2024年度、令和6年度、R6)")]
    Malformed(String),
    #[error("{0}0年度はありません(最初の年度は{0}元年度です)")]
    EraYearZero(Era),
    #[error("{given}は存在しません({label}です)")]
    OutsideEra { given: String, label: String },
    #[error("{0}は和暦で入力できません(明治6年度より前は西暦で入力してください)")]
    BeforeGregorian(String),
    #[error("{0}年度は扱える範囲を超えています")]
    OutOfRange(i32),
}

/// Accepts `2024`, `2024年度`, `令和6年度`, `令和元年度`, `R6`, `R6年度`, half- or full-width.
impl FromStr for FiscalYear {
    type Err = FiscalYearError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let malformed = || FiscalYearError::Malformed(input.trim().to_owned());
        let normalized = normalize(input);
        let s = normalized.strip_suffix("年度").unwrap_or(&normalized);

        let Some((era, rest)) = take_era(s) else {
            // Four digits only, so that a bare `6` meant as 令和6年度 is not taken as the year 6.
            if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            let year: i32 = s.parse().map_err(|_| malformed())?;
            return Self::try_from(year);
        };

        let (era_year, rest) = take_era_year(rest).ok_or_else(malformed)?;
        if !rest.is_empty() {
            return Err(malformed());
        }
        if era_year == 0 {
            return Err(FiscalYearError::EraYearZero(era));
        }
        let fy = i32::try_from(era_year)
            .ok()
            .and_then(|n| Self::new(era.first_year() + n - 1))
            .ok_or_else(malformed)?;
        // Both the era a year opened in and the one it is labelled with are accepted:
        // 平成31年度 and 令和元年度 are the same year, and both appear in real documents.
        let eras = [Some(fy.start()), NaiveDate::from_ymd_opt(fy.0, 12, 31)]
            .map(|day| day.and_then(Era::of).map(|(era, _)| era));
        let given = format!("{}度", format_era_year(era, era_year));
        if eras == [None, None] {
            return Err(FiscalYearError::BeforeGregorian(given));
        }
        if !eras.contains(&Some(era)) {
            return Err(FiscalYearError::OutsideEra {
                given,
                label: fy.label(),
            });
        }
        Ok(fy)
    }
}

impl TryFrom<i32> for FiscalYear {
    type Error = FiscalYearError;
    fn try_from(year: i32) -> Result<Self, Self::Error> {
        Self::new(year).ok_or(FiscalYearError::OutOfRange(year))
    }
}

impl From<FiscalYear> for i32 {
    fn from(fy: FiscalYear) -> i32 {
        fy.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn dates_fall_in_the_year_of_the_preceding_april() {
        assert_eq!(FiscalYear::of(date(2024, 3, 31)).year(), 2023);
        assert_eq!(FiscalYear::of(date(2024, 4, 1)).year(), 2024);
        assert_eq!(FiscalYear::of(date(2025, 3, 31)).year(), 2024);
        assert_eq!(FiscalYear::of(date(2025, 4, 1)).year(), 2025);
        let fy = FiscalYear::of(date(2024, 12, 31));
        assert_eq!(
            (fy.start(), fy.end()),
            (date(2024, 4, 1), date(2025, 3, 31))
        );
        assert!(fy.contains(date(2025, 3, 31)) && !fy.contains(date(2025, 4, 1)));
        assert_eq!(fy.next().map(FiscalYear::year), Some(2025));
        assert_eq!(fy.prev().map(FiscalYear::year), Some(2023));
    }

    #[test]
    fn years_beyond_chronos_calendar_do_not_exist() {
        assert_eq!(FiscalYear::new(i32::MAX), None);
        assert_eq!(FiscalYear::new(i32::MIN), None);
        let first = FiscalYear::of(NaiveDate::MIN);
        let last = FiscalYear::of(NaiveDate::MAX);
        assert_eq!((first.prev(), last.next()), (None, None));
        assert_eq!(
            (first.start(), last.end()),
            (NaiveDate::MIN, NaiveDate::MAX)
        );
    }

    #[test]
    fn labels_follow_common_usage_at_era_changes() {
        let cases = [
            (2024, "令和6年度"),
            (2019, "令和元年度"),
            (2018, "平成30年度"),
            (1989, "平成元年度"),
            (1988, "昭和63年度"),
            (1926, "昭和元年度"),
            (1873, "明治6年度"),
            (1872, "1872年度"),
        ];
        for (year, label) in cases {
            let fy = FiscalYear::new(year);
            assert_eq!(fy.map(FiscalYear::label).as_deref(), Some(label));
            assert_eq!(fy.map(|fy| fy.to_string()).as_deref(), Some(label));
        }
    }

    #[test]
    fn parses_every_accepted_form() {
        let cases = [
            ("2024", 2024),
            ("2024年度", 2024),
            (" 2024 年度 ", 2024),
            ("２０２４年度", 2024),
            ("令和6年度", 2024),
            ("令和６年度", 2024),
            ("R6", 2024),
            ("r6", 2024),
            ("R6年度", 2024),
            ("Ｒ６年度", 2024),
            ("令和元年度", 2019),
            ("平成31年度", 2019),
            ("昭和63年度", 1988),
            ("平成元年度", 1989),
            ("大正15年度", 1926),
            ("明治6年度", 1873),
            ("1850", 1850),
        ];
        for (input, year) in cases {
            assert_eq!(input.parse(), Ok(FiscalYear(year)), "{input}");
        }
    }

    #[test]
    fn refuses_bad_input_with_distinct_messages() {
        for input in [
            "",
            "24",
            "6",
            "20245",
            "令和",
            "R6年",
            "R6.4",
            "X6",
            "2024年度度",
        ] {
            assert!(
                matches!(
                    input.parse::<FiscalYear>(),
                    Err(FiscalYearError::Malformed(_))
                ),
                "{input}"
            );
        }
        let cases = [
            (
                " R6年 ",
                "「R6年」を年度として読み取れません(例: 2024、2024年度、令和6年度、R6)",
            ),
            (
                "令和0年度",
                "令和0年度はありません(最初の年度は令和元年度です)",
            ),
            ("平成32年度", "平成32年度は存在しません(令和2年度です)"),
            ("昭和64年度", "昭和64年度は存在しません(平成元年度です)"),
            ("令和0", "令和0年度はありません(最初の年度は令和元年度です)"),
            (
                "明治5年度",
                "明治5年度は和暦で入力できません(明治6年度より前は西暦で入力してください)",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(
                input.parse::<FiscalYear>().map_err(|e| e.to_string()),
                Err(message.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn serializes_as_a_plain_year_and_refuses_unsupported_ones() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Row {
            fy: FiscalYear,
        }
        let row = Row {
            fy: FiscalYear(2024),
        };
        assert_eq!(toml::to_string(&row).as_deref(), Ok("fy = 2024\n"));
        assert_eq!(toml::from_str::<Row>("fy = 2024"), Ok(row));
        assert!(toml::from_str::<Row>("fy = 2147483647").is_err());
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce())
            .prop_filter_map("representable", NaiveDate::from_num_days_from_ce_opt)
    }

    proptest! {
        #[test]
        fn every_date_lies_in_its_fiscal_year(d in any_date()) {
            let fy = FiscalYear::of(d);
            prop_assert!(fy.contains(d));
            prop_assert!(fy.start() <= d && d <= fy.end());
            prop_assert_eq!(FiscalYear::new(fy.year()), Some(fy));
        }

        #[test]
        fn labels_parse_back(year in 1000..=9999i32) {
            let fy = FiscalYear(year);
            prop_assert_eq!(fy.label().parse(), Ok(fy));
        }
    }
}
