//! 和暦/date parsing: `parse_date` never panics, its errors display, and every date it
//! accepts formats (long, short, ISO) into text that parses back to the same date.
#![no_main]

use chrono::Datelike;
use kasane_domain::wareki::{Era, format_wareki, format_wareki_short, parse_date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let date = match parse_date(input) {
        Ok(date) => date,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    assert_eq!(parse_date(&format_wareki(date)), Ok(date), "{input:?}");
    assert_eq!(
        parse_date(&format_wareki_short(date)),
        Ok(date),
        "{input:?}"
    );
    // ISO only has the four-digit years the parser reads (an era year of 4 digits can
    // reach 令和9999年 = 12017).
    if (0..=9999).contains(&date.year()) {
        assert_eq!(parse_date(&date.to_string()), Ok(date), "{input:?}");
    }
    // A 和暦 date is in the era it was formatted in, with a year the era had.
    if let Some((era, year)) = Era::of(date) {
        assert_eq!(era.date(year, date.month(), date.day()), Ok(date));
    }
});
