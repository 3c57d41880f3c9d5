//! 本人: the fields of a person record other than the name, each a newtype that parses or
//! refuses, and [`validate_person_fields`], which checks a whole form and lists every problem.
//!
//! Names and furigana live in `name.rs`; the caller merges their errors with ours.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::wareki::{DateParseError, parse_date};

/// Why a person field was refused. Every message is shown to staff as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    #[error("{0}")]
    BirthDate(#[from] DateParseError),
    #[error("生年月日が未来の日付です({0})")]
    BirthDateInFuture(NaiveDate),
    #[error("1900年より前の生年月日は入力できません({0})")]
    BirthDateTooOld(NaiveDate),
    #[error("性別「{0}」は選べません(男性、女性、その他のいずれか)")]
    UnknownSex(String),
    #[error("電話番号に使えない文字があります「{0}」(数字、ハイフン、かっこのみ)")]
    PhoneCharacters(String),
    #[error("電話番号は0で始まる10桁または11桁で入力してください(入力は{0}桁)")]
    PhoneDigits(usize),
    #[error("電話番号は0で始まる番号で入力してください(市外局番から)")]
    PhoneNoLeadingZero,
    #[error("宛名番号は20文字以内の英数字で入力してください")]
    ExternalId,
    #[error("住所は{MAX_ADDRESS_CHARS}文字以内で入力してください(入力は{0}文字)")]
    AddressTooLong(usize),
    #[error("備考は{MAX_NOTE_CHARS}文字以内で入力してください(入力は{0}文字)")]
    NoteTooLong(usize),
    #[error("地区「{0}」はこの自治体の地区にありません")]
    UnknownDistrict(String),
}

// ---------------------------------------------------------------------------
// 生年月日
// ---------------------------------------------------------------------------

/// 生年月日: not in the future, not before 1900 (older dates are typing slips, e.g. 明治 for 昭和).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    /// The earliest accepted birth date.
    pub const EARLIEST_YEAR: i32 = 1900;

    /// Reads a birth date as staff type it (ISO or 和暦: `S47.3.5`, `昭和47年3月5日`).
    /// `today` comes from the caller so the rule stays free of the clock.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, PersonError> {
        Self::new(parse_date(input)?, today)
    }

    pub fn new(date: NaiveDate, today: NaiveDate) -> Result<Self, PersonError> {
        if date > today {
            return Err(PersonError::BirthDateInFuture(date));
        }
        if date.year() < Self::EARLIEST_YEAR {
            return Err(PersonError::BirthDateTooOld(date));
        }
        Ok(BirthDate(date))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }

    /// 年齢 during the day `on`, by 年齢計算ニ関スル法律 and 民法143条: age counts from the day of
    /// birth and each year is attained at the END of the day before the birthday (see
    /// [`Self::attains_age_on`]), so the new age holds from the birthday itself — and for a
    /// 2月29日 birth in a common year, from 3月1日 (the age was attained as 2月28日 ended).
    /// 0 for any day up to and including the day of birth.
    pub fn age_on(self, on: NaiveDate) -> u32 {
        let Ok(years) = u32::try_from(on.year() - self.0.year()) else {
            return 0;
        };
        match self.attains_age_on(years) {
            Some(attained) if attained < on => years,
            _ => years.saturating_sub(1),
        }
    }

    /// 「{age}歳に達する日」: the day at whose end the person reaches `age` — the day before the
    /// birthday, and 2月28日 for a 2月29日 birth in every year (民法143条2項: with no
    /// corresponding day, the period ends on the last day of the month). This is the day
    /// statutes key on, e.g. 介護保険の第1号被保険者 from the day one reaches 65.
    /// `age` 0 gives the birth date; `None` only past the calendar's range.
    pub fn attains_age_on(self, age: u32) -> Option<NaiveDate> {
        if age == 0 {
            return Some(self.0);
        }
        let year = self.0.year().checked_add(i32::try_from(age).ok()?)?;
        match NaiveDate::from_ymd_opt(year, self.0.month(), self.0.day()) {
            Some(birthday) => birthday.pred_opt(),
            // Only 2月29日 lacks a corresponding day; its day before is 2月28日 in either case.
            None => NaiveDate::from_ymd_opt(year, 2, 28),
        }
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<BirthDate> for NaiveDate {
    fn from(b: BirthDate) -> NaiveDate {
        b.0
    }
}

// ---------------------------------------------------------------------------
// 性別
// ---------------------------------------------------------------------------

/// 性別, optional on every record: staff record it only when known and relevant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Other,
}

impl Sex {
    pub const ALL: [Sex; 3] = [Sex::Male, Sex::Female, Sex::Other];

    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Other => "other",
        }
    }

    /// The Japanese label shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男性",
            Sex::Female => "女性",
            Sex::Other => "その他",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Sex {
    type Err = PersonError;
    /// Accepts the code or the label (and 男 / 女, as imported spreadsheets write them).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t {
            "男" => return Ok(Sex::Male),
            "女" => return Ok(Sex::Female),
            _ => {}
        }
        Sex::ALL
            .into_iter()
            .find(|x| x.code() == t || x.label() == t)
            .ok_or_else(|| PersonError::UnknownSex(t.to_string()))
    }
}

// ---------------------------------------------------------------------------
// 電話番号
// ---------------------------------------------------------------------------

/// A Japanese telephone number: 10 digits (固定・050・フリーダイヤル) or 11 (携帯), starting 0.
/// Kept as typed — `0187(63)1111` and `0187-63-1111` both stay readable — after folding
/// full-width characters to ASCII; [`Phone::digits`] is the form to compare and dial.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone {
    display: String,
    digits: String,
}

impl Phone {
    pub fn parse(input: &str) -> Result<Self, PersonError> {
        let mut display = String::with_capacity(input.len());
        for c in input.trim().chars() {
            let folded = match c {
                '0'..='9' | '-' | '(' | ')' => c,
                '０'..='９' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                '（' => '(',
                '）' => ')',
                // Dash look-alikes, chiefly ー typed with the IME in Japanese mode.
                '－' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | 'ー' | 'ｰ' => {
                    '-'
                }
                // Spaces between groups (`090 1234 5678`) are common; one is kept.
                c if c.is_whitespace() => {
                    if !display.ends_with(' ') {
                        display.push(' ');
                    }
                    continue;
                }
                _ => return Err(PersonError::PhoneCharacters(c.to_string())),
            };
            display.push(folded);
        }
        let digits: String = display.chars().filter(char::is_ascii_digit).collect();
        if !(10..=11).contains(&digits.len()) {
            return Err(PersonError::PhoneDigits(digits.len()));
        }
        if !digits.starts_with('0') {
            return Err(PersonError::PhoneNoLeadingZero);
        }
        Ok(Phone { display, digits })
    }

    /// As typed (trimmed, full-width folded).
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// Digits only: `0187631111`.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl TryFrom<String> for Phone {
    type Error = PersonError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.display
    }
}

// ---------------------------------------------------------------------------
// 宛名番号
// ---------------------------------------------------------------------------

/// 住民宛名番号 / 住登外宛名番号 from the municipality's core systems: 1–20 ASCII letters and
/// digits. Full-width input is folded and letters upper-cased, so `ａ１２` and `A12` are the
/// same id and never become two people.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExternalId(String);

impl ExternalId {
    pub const MAX_CHARS: usize = 20;

    pub fn parse(input: &str) -> Result<Self, PersonError> {
        let folded: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                    char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
                }
                c => c,
            })
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let ok = (1..=Self::MAX_CHARS).contains(&folded.len())
            && folded.bytes().all(|b| b.is_ascii_alphanumeric());
        if ok {
            Ok(ExternalId(folded))
        } else {
            Err(PersonError::ExternalId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ExternalId {
    type Error = PersonError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ExternalId::parse(&s)
    }
}

impl From<ExternalId> for String {
    fn from(id: ExternalId) -> String {
        id.0
    }
}

// ---------------------------------------------------------------------------
// The whole form
// ---------------------------------------------------------------------------

pub const MAX_ADDRESS_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 2000;

/// A person form as submitted, for the fields this module owns. Every field may be blank:
/// a consultation often starts before the birth date or address is known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PersonFieldsInput<'a> {
    pub birth_date: &'a str,
    pub sex: &'a str,
    pub address: &'a str,
    /// A district code from the municipality's configuration.
    pub district: &'a str,
    pub phone: &'a str,
    pub note: &'a str,
    pub external_id: &'a str,
}

/// The checked fields; `None` where the form was blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonFields {
    pub birth_date: Option<BirthDate>,
    pub sex: Option<Sex>,
    pub address: Option<String>,
    pub district: Option<String>,
    pub phone: Option<Phone>,
    pub note: Option<String>,
    pub external_id: Option<ExternalId>,
}

pub use crate::intake::FieldError;

/// Checks every field and reports every problem at once, so staff fix the form in one pass.
/// `districts` are the municipality's district codes.
pub fn validate_person_fields(
    input: &PersonFieldsInput<'_>,
    districts: &[&str],
    today: NaiveDate,
) -> Result<PersonFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let e = &mut errors;
    let fields = PersonFields {
        birth_date: field(e, "birth_date", input.birth_date, |s| {
            BirthDate::parse(s, today)
        }),
        sex: field(e, "sex", input.sex, Sex::from_str),
        address: field(e, "address", input.address, |s| {
            limited(s, MAX_ADDRESS_CHARS, PersonError::AddressTooLong)
        }),
        district: field(e, "district", input.district, |s| {
            districts
                .contains(&s)
                .then(|| s.to_string())
                .ok_or_else(|| PersonError::UnknownDistrict(s.to_string()))
        }),
        phone: field(e, "phone", input.phone, Phone::parse),
        note: field(e, "note", input.note, |s| {
            limited(s, MAX_NOTE_CHARS, PersonError::NoteTooLong)
        }),
        external_id: field(e, "external_id", input.external_id, ExternalId::parse),
    };
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

/// Parses one optional field, recording its error under `name`. Blank (after trimming,
/// U+3000 included) is "not recorded", not an error.
fn field<T>(
    errors: &mut Vec<FieldError>,
    name: &'static str,
    input: &str,
    parse: impl FnOnce(&str) -> Result<T, PersonError>,
) -> Option<T> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    parse(s)
        .map_err(|e| {
            errors.push(FieldError {
                field: name,
                message: e.to_string(),
            })
        })
        .ok()
}

fn limited(s: &str, max: usize, too_long: fn(usize) -> PersonError) -> Result<String, PersonError> {
    let n = s.chars().count();
    if n > max {
        Err(too_long(n))
    } else {
        Ok(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn today() -> NaiveDate {
        d(2025, 4, 1)
    }

    #[test]
    fn birth_date_reads_wareki_and_iso() {
        for input in [
            "S47.3.5",
            "昭和47年3月5日",
            "1972-03-05",
            "１９７２／３／５",
        ] {
            assert_eq!(
                BirthDate::parse(input, today()).unwrap().date(),
                d(1972, 3, 5),
                "{input}"
            );
        }
        assert_eq!(
            BirthDate::parse("R2/4/1", today()).unwrap().date(),
            d(2020, 4, 1)
        );
    }

    #[test]
    fn birth_date_refuses_bad_dates() {
        let e = BirthDate::parse("平成31年5月1日", today()).unwrap_err();
        assert!(e.to_string().contains("令和"), "{e}");
        let e = BirthDate::parse("2025-04-02", today()).unwrap_err();
        assert_eq!(e, PersonError::BirthDateInFuture(d(2025, 4, 2)));
        assert!(e.to_string().contains("未来"));
        assert!(BirthDate::parse("2025-04-01", today()).is_ok());
        let e = BirthDate::parse("M32.12.31", today()).unwrap_err();
        assert_eq!(e, PersonError::BirthDateTooOld(d(1899, 12, 31)));
        assert!(BirthDate::parse("1900-01-01", today()).is_ok());
        assert!(BirthDate::parse("昭和", today()).is_err());
    }

    #[test]
    fn age_counts_birthdays() {
        let b = BirthDate::new(d(1972, 3, 5), today()).unwrap();
        let cases = [
            (d(1972, 3, 5), 0),
            (d(1973, 3, 4), 0),
            (d(1973, 3, 5), 1),
            (d(2025, 3, 4), 52),
            (d(2025, 3, 5), 53),
            (d(1960, 1, 1), 0), // before birth
        ];
        for (on, age) in cases {
            assert_eq!(b.age_on(on), age, "{on}");
        }
    }

    #[test]
    fn age_follows_the_age_calculation_act() {
        // Born 4月1日: reaches 6 as 3月31日 ends, hence enters school with the year above.
        let april_first = BirthDate::new(d(2018, 4, 1), today()).unwrap();
        assert_eq!(april_first.attains_age_on(6), Some(d(2024, 3, 31)));
        assert_eq!(april_first.age_on(d(2024, 3, 31)), 5);
        assert_eq!(april_first.age_on(d(2024, 4, 1)), 6);

        // Born 2月29日: reaches each age as 2月28日 ends, leap year or not.
        let leap = BirthDate::new(d(2000, 2, 29), today()).unwrap();
        assert_eq!(leap.attains_age_on(1), Some(d(2001, 2, 28)));
        assert_eq!(leap.attains_age_on(4), Some(d(2004, 2, 28)));
        assert_eq!(leap.age_on(d(2001, 2, 28)), 0);
        assert_eq!(leap.age_on(d(2001, 3, 1)), 1);
        assert_eq!(leap.age_on(d(2004, 2, 28)), 3);
        assert_eq!(leap.age_on(d(2004, 2, 29)), 4);
        assert_eq!(leap.age_on(d(2025, 3, 1)), 25);

        // 65歳に達する日 (介護保険) is the day before the 65th birthday.
        let b = BirthDate::new(d(1960, 1, 1), today()).unwrap();
        assert_eq!(b.attains_age_on(65), Some(d(2024, 12, 31)));
        assert_eq!(b.attains_age_on(0), Some(d(1960, 1, 1)));
    }

    #[test]
    fn sex_codes_and_labels() {
        for s in Sex::ALL {
            assert_eq!(s.code().parse::<Sex>().unwrap(), s);
            assert_eq!(s.label().parse::<Sex>().unwrap(), s);
        }
        assert_eq!("女".parse::<Sex>().unwrap(), Sex::Female);
        assert_eq!(Sex::Other.label(), "その他");
        let e = "不明".parse::<Sex>().unwrap_err();
        assert!(e.to_string().contains("不明"));
    }

    #[test]
    fn phone_accepts_japanese_forms() {
        let cases = [
            ("0187-63-1111", "0187-63-1111", "0187631111"),
            ("  090-1234-5678 ", "090-1234-5678", "09012345678"),
            ("０１８７（６３）１１１１", "0187(63)1111", "0187631111"),
            ("０９０ー１２３４ー５６７８", "090-1234-5678", "09012345678"),
            ("090  1234　5678", "090 1234 5678", "09012345678"),
            ("0120123456", "0120123456", "0120123456"),
        ];
        for (input, display, digits) in cases {
            let p = Phone::parse(input).unwrap();
            assert_eq!((p.as_str(), p.digits()), (display, digits), "{input}");
        }
    }

    #[test]
    fn phone_refuses_other_input() {
        assert_eq!(
            Phone::parse("63-1111").unwrap_err(),
            PersonError::PhoneDigits(6)
        );
        assert_eq!(
            Phone::parse("090-1234-56789").unwrap_err(),
            PersonError::PhoneDigits(12)
        );
        assert_eq!(
            Phone::parse("1234567890").unwrap_err(),
            PersonError::PhoneNoLeadingZero
        );
        assert_eq!(
            Phone::parse("+81-90-1234-5678").unwrap_err(),
            PersonError::PhoneCharacters("+".into())
        );
        assert!(Phone::parse("0187-63-1111 内線2").is_err());
        assert!(Phone::parse("").is_err());
    }

    #[test]
    fn external_id_folds_and_refuses() {
        assert_eq!(ExternalId::parse(" 0012345 ").unwrap().as_str(), "0012345");
        assert_eq!(ExternalId::parse("ａ１２Ｂ").unwrap().as_str(), "A12B");
        assert_eq!(
            ExternalId::parse("12345678901234567890").unwrap().as_str(),
            "12345678901234567890"
        );
        for bad in ["", "123456789012345678901", "12-34", "宛名1", "12 34"] {
            assert_eq!(
                ExternalId::parse(bad),
                Err(PersonError::ExternalId),
                "{bad}"
            );
        }
    }

    #[test]
    fn storage_forms_round_trip() {
        let p = Phone::try_from("0187-63-1111".to_string()).unwrap();
        assert_eq!(String::from(p.clone()), "0187-63-1111");
        assert_eq!(Phone::try_from(String::from(p.clone())).unwrap(), p);
        assert!(Phone::try_from("abc".to_string()).is_err());
        assert_eq!(String::from(ExternalId::parse("ｘ1").unwrap()), "X1");
    }

    #[test]
    fn blank_form_is_valid_and_empty() {
        let f =
            validate_person_fields(&PersonFieldsInput::default(), &["omagari"], today()).unwrap();
        assert_eq!(f.birth_date, None);
        assert_eq!(f.sex, None);
        assert_eq!(f.address, None);
        assert_eq!(f.note, None);
        let spaces = PersonFieldsInput {
            address: "　 ",
            ..Default::default()
        };
        assert_eq!(
            validate_person_fields(&spaces, &[], today())
                .unwrap()
                .address,
            None
        );
    }

    #[test]
    fn good_form_is_parsed() {
        let input = PersonFieldsInput {
            birth_date: "S22.5.3",
            sex: "女性",
            address: " 秋田県大仙市大曲花園町1-1 ",
            district: "omagari",
            phone: "0187-63-1111",
            note: "民生委員から情報提供",
            external_id: "１２３",
        };
        let f = validate_person_fields(&input, &["omagari", "kamioka"], today()).unwrap();
        assert_eq!(f.birth_date.unwrap().date(), d(1947, 5, 3));
        assert_eq!(f.birth_date.unwrap().age_on(today()), 77);
        assert_eq!(f.sex, Some(Sex::Female));
        assert_eq!(f.address.as_deref(), Some("秋田県大仙市大曲花園町1-1"));
        assert_eq!(f.district.as_deref(), Some("omagari"));
        assert_eq!(f.phone.unwrap().digits(), "0187631111");
        assert_eq!(f.external_id.unwrap().as_str(), "123");
    }

    #[test]
    fn every_bad_field_is_listed() {
        let address = "あ".repeat(MAX_ADDRESS_CHARS + 1);
        let note = "い".repeat(MAX_NOTE_CHARS + 1);
        let input = PersonFieldsInput {
            birth_date: "2030-01-01",
            sex: "x",
            address: &address,
            district: "kita",
            phone: "123",
            note: &note,
            external_id: "ab-1",
        };
        let errors = validate_person_fields(&input, &["omagari"], today()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "birth_date",
                "sex",
                "address",
                "district",
                "phone",
                "note",
                "external_id"
            ]
        );
        assert!(errors[2].message.contains("201文字"), "{:?}", errors[2]);
        assert!(errors[3].message.contains("kita"), "{:?}", errors[3]);
        assert!(
            errors[5].message.contains("2000文字以内"),
            "{:?}",
            errors[5]
        );

        let at_limit = "あ".repeat(MAX_ADDRESS_CHARS);
        let ok = PersonFieldsInput {
            address: &at_limit,
            ..Default::default()
        };
        assert!(validate_person_fields(&ok, &[], today()).is_ok());
    }
}
