//! Display helpers shared by pages: 和暦 in Japan time, 年度 labels, a 地区's name.

use chrono::{DateTime, TimeDelta, Utc};
use kasane_domain::fiscal_year::FiscalYear;
use kasane_domain::wareki::format_wareki_datetime;

/// A stored instant as Japanese local time in 和暦: 令和7年4月1日 14:05.
pub fn jst(dt: DateTime<Utc>) -> String {
    format_wareki_datetime((dt + TimeDelta::hours(9)).naive_utc())
}

/// 令和6年度 for the fiscal year starting in `year`; the bare number if out of range.
pub fn fiscal_year(year: i32) -> String {
    FiscalYear::new(year).map_or_else(|| format!("{year}年度"), FiscalYear::label)
}

/// "52歳" on `today` for a birth date (the legal rule lives in `person::BirthDate`).
pub fn age_label(birth: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    kasane_domain::person::BirthDate::new(birth, today)
        .map(|b| format!("{}歳", b.age_on(today)))
        .unwrap_or_default()
}

/// 令和元年5月1日(52歳) — or a dash when unknown.
pub fn birth_label(p: &kasane_store::person::Person, today: chrono::NaiveDate) -> String {
    p.birth_date
        .map(|d| {
            format!(
                "{}({})",
                kasane_domain::wareki::format_wareki(d),
                age_label(d, today)
            )
        })
        .unwrap_or_else(|| "—".to_string())
}

/// The name of the 地区 `code` among the municipality's districts (the code itself when
/// it is not one of them, nothing when none is recorded).
pub fn district_name<'a>(
    districts: &'a [kasane_store::municipality::District],
    code: Option<&'a str>,
) -> &'a str {
    match code {
        Some(c) => districts
            .iter()
            .find(|d| d.code == c)
            .map_or(c, |d| d.name.as_str()),
        None => "",
    }
}
