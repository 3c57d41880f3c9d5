//! A file to download (an export): its media type, and a Content-Disposition whose
//! Japanese filename survives every client — an ASCII `filename` and the UTF-8 one as
//! RFC 5987/6266 `filename*`.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use kasane_app::consultation::intake_list::Export;

/// `e` as an attachment, never cached (it holds personal data).
pub fn attachment(e: Export) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        e.ascii_filename.replace(['"', '\\'], "_"),
        ext_value(&e.filename)
    );
    (
        [
            (header::CONTENT_TYPE, e.content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        e.bytes,
    )
        .into_response()
}

/// RFC 5987 `value-chars`: attr-chars as they are, every other byte of the UTF-8 as %XX.
pub fn ext_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_filenames_are_percent_encoded() {
        assert_eq!(ext_value("a-b.csv"), "a-b.csv");
        assert_eq!(ext_value("相 .csv"), "%E7%9B%B8%20.csv");
        assert_eq!(ext_value("x;y\"z%"), "x%3By%22z%25");
    }
}
