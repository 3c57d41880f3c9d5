//! What no text a person types may hold, whatever the field: control characters. NUL ends a
//! string in PostgreSQL's text type (the write fails), and the others have no place in a
//! record a worker reads or prints. Tab and line breaks stay: notes and minutes have lines.
//! Page numbers are bounded here too, so that no offset overflows.

/// Whether no field may hold `c`: a control character other than tab and line breaks.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The first character of `s` that no field may hold, if any.
pub fn forbidden_char(s: &str) -> Option<char> {
    s.chars().find(|&c| is_forbidden(c))
}

/// The message for a value holding `c`, naming the field (its key or label).
pub fn forbidden_char_message(field: &str, c: char) -> String {
    format!(
        "「{field}」に使えない文字(制御文字 U+{:04X})が含まれています。その文字を除いてください",
        u32::from(c)
    )
}

/// The highest page number a list answers: far beyond any list a worker pages through,
/// and low enough that `(page - 1) × page size` never overflows.
pub const MAX_PAGE: i64 = 100_000;

/// A page number from a query: 1 when absent; an error for one below 1 or above
/// [`MAX_PAGE`].
pub fn page_number(page: Option<i64>) -> Result<i64, String> {
    match page {
        None => Ok(1),
        Some(p) if (1..=MAX_PAGE).contains(&p) => Ok(p),
        Some(_) => Err(format!("ページ番号は1から{MAX_PAGE}までで指定してください")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_lines_and_tabs_are_not() {
        for (text, found) in [
            ("佐藤 花子", None),
            ("一行目\r\n二行目\tタブ", None),
            ("", None),
            ("a\0b", Some('\0')),
            ("\u{1b}[31m", Some('\u{1b}')),
            ("削除\u{7f}", Some('\u{7f}')),
            ("C1\u{85}", Some('\u{85}')),
            ("ベル\u{7}", Some('\u{7}')),
            // Not control characters: full-width space, zero-width joiner, emoji.
            ("全角\u{3000}空白", None),
            ("👨\u{200d}👩", None),
        ] {
            assert_eq!(forbidden_char(text), found, "{text:?}");
        }
        assert_eq!(
            forbidden_char_message("body", '\0'),
            "「body」に使えない文字(制御文字 U+0000)が含まれています。その文字を除いてください"
        );
    }

    #[test]
    fn page_numbers_are_bounded() {
        assert_eq!(page_number(None), Ok(1));
        assert_eq!(page_number(Some(1)), Ok(1));
        assert_eq!(page_number(Some(MAX_PAGE)), Ok(MAX_PAGE));
        for bad in [0, -1, MAX_PAGE + 1, i64::MAX, i64::MIN] {
            assert!(page_number(Some(bad)).is_err(), "{bad}");
        }
    }
}
