//! The person search: what a typed criterion means whatever the IME left on (全角 digits
//! and symbols), and what a result shows to tell two alike people apart.

use unicode_normalization::UnicodeNormalization;

/// A criterion as typed, folded: NFKC (全角 digits, letters and symbols → ASCII, 半角カナ →
/// 全角), trimmed; `None` when nothing is left.
pub fn fold(s: &str) -> Option<String> {
    let folded: String = s.nfkc().collect();
    Some(folded.trim().to_string()).filter(|s| !s.is_empty())
}

/// The digits of a typed phone number (`０９０−１２３４` → `0901234`). A phone criterion
/// that holds no digit at all is a mistake to report, never a filter to drop: `Err`.
pub fn phone_digits(s: &str) -> Result<Option<String>, &'static str> {
    let Some(folded) = fold(s) else {
        return Ok(None);
    };
    let digits: String = folded.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        Err("電話番号は数字で入力してください")
    } else {
        Ok(Some(digits))
    }
}

/// The same text with its ASCII digits, letters and symbols in 全角: an address typed
/// either way is looked for both ways, since addresses are stored as written.
pub fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// What a search result shows of an address: up to the 町名, without the 丁目・番地・号
/// (`秋田県大仙市大曲花園町1-1` → `秋田県大仙市大曲花園町`, `…花園町一丁目2番` → `…花園町`).
/// Enough to tell two namesakes apart, not where to find the person. `None` when nothing
/// precedes the number.
pub fn address_area(address: &str) -> Option<String> {
    let folded: String = address.nfkc().collect();
    let chars: Vec<char> = folded.chars().collect();
    let mut end = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            end = i;
            break;
        }
        if is_kanji_numeral(c) {
            let run = chars[i..]
                .iter()
                .take_while(|&&c| is_kanji_numeral(c))
                .count();
            if matches!(chars.get(i + run), Some('丁' | '番' | '号')) {
                end = i;
                break;
            }
        }
    }
    let area: String = chars[..end].iter().collect();
    let area = area.trim_end_matches(|c: char| c.is_whitespace() || "-‐−ー－の字".contains(c));
    Some(area.to_string()).filter(|a| !a.is_empty())
}

fn is_kanji_numeral(c: char) -> bool {
    "〇一二三四五六七八九十百千".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_fold_what_the_ime_left_on() {
        for (typed, folded) in [
            ("０９０−１２３４", Some("090−1234")),
            ("Ｓ４７．３．５", Some("S47.3.5")),
            ("　大曲１丁目　", Some("大曲1丁目")),
            ("ｻｲﾄｳ", Some("サイトウ")),
            ("　", None),
            ("", None),
        ] {
            assert_eq!(fold(typed).as_deref(), folded, "{typed}");
        }
    }

    #[test]
    fn a_phone_criterion_is_its_digits_or_a_mistake() {
        for (typed, digits) in [
            ("０９０−１２３４", Some("0901234")),
            ("090-1234-5678", Some("09012345678")),
            ("(0187) 62-1234", Some("0187621234")),
            ("", None),
            (" ", None),
        ] {
            assert_eq!(
                phone_digits(typed),
                Ok(digits.map(str::to_string)),
                "{typed}"
            );
        }
        for typed in ["なし", "－－", "abc"] {
            assert!(phone_digits(typed).is_err(), "{typed}");
        }
    }

    #[test]
    fn addresses_are_looked_for_in_both_widths() {
        assert_eq!(full_width("花園町1-1"), "花園町１－１");
        assert_eq!(full_width("ABC"), "ＡＢＣ");
        assert_eq!(full_width("大曲"), "大曲");
    }

    #[test]
    fn a_result_shows_the_address_up_to_the_town() {
        for (address, area) in [
            ("秋田県大仙市大曲花園町1-1", Some("秋田県大仙市大曲花園町")),
            (
                "秋田県大仙市大曲花園町１－１",
                Some("秋田県大仙市大曲花園町"),
            ),
            ("大仙市大曲花園町一丁目2番3号", Some("大仙市大曲花園町")),
            ("大仙市大曲花園町 12番地", Some("大仙市大曲花園町")),
            (
                "大仙市角間川町字西中上野123",
                Some("大仙市角間川町字西中上野"),
            ),
            ("大仙市八幡町三番地", Some("大仙市八幡町")),
            ("湯沢市十文字町", Some("湯沢市十文字町")),
            ("大仙市協和境字野田1の2", Some("大仙市協和境字野田")),
            ("12-3", None),
            ("", None),
        ] {
            assert_eq!(address_area(address).as_deref(), area, "{address}");
        }
    }
}
