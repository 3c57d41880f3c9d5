//! 名寄せ scoring: `score` is symmetric (as its doc says) and bounded, 100 only when the
//! 住民宛名番号 decides, reasons in order without repeats; `normalise_phone` gives digits
//! only and is idempotent.
#![no_main]

use chrono::NaiveDate;
use kasane_domain::person_match::{MatchInput, MatchReason, normalise_phone, score};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Person<'a> {
    name: &'a str,
    furigana: Option<&'a str>,
    /// Days from 1950-01-01, few enough that two records often share one.
    birth: Option<u8>,
    external_id: Option<&'a str>,
    phone: Option<&'a str>,
}

impl<'a> Person<'a> {
    fn input(&self) -> MatchInput<'a> {
        MatchInput {
            name: self.name,
            furigana: self.furigana,
            birth_date: self.birth.and_then(|d| {
                NaiveDate::from_ymd_opt(1950, 1, 1)?
                    .checked_add_days(chrono::Days::new(u64::from(d % 8)))
            }),
            external_id: self.external_id,
            phone: self.phone,
        }
    }
}

fuzz_target!(|pair: (Person, Person)| {
    let (a, b) = (pair.0.input(), pair.1.input());
    let ab = score(&a, &b);
    assert_eq!(ab, score(&b, &a), "not symmetric: {a:?} / {b:?}");
    assert!(ab.score <= 100);
    assert_eq!(
        ab.score == 100,
        ab.decisive && ab.reasons.contains(&MatchReason::ExternalIdSame)
    );
    let mut sorted = ab.reasons.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ab.reasons);

    for phone in [a.phone, b.phone].into_iter().flatten() {
        let digits = normalise_phone(phone);
        assert!(
            digits.bytes().all(|b| b.is_ascii_digit()),
            "{phone:?} → {digits:?}"
        );
        assert_eq!(normalise_phone(&digits), digits, "{phone:?}");
    }
});
