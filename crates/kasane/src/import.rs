//! Reading a persons CSV for `kasane import persons`: the encoding (UTF-8, UTF-8 with BOM,
//! or Shift_JIS/CP932 as Excel writes it), the header row (Japanese or English column
//! names), and every row through the same validation as the person form. Nothing here
//! touches the database; every bad row is reported with its line, all at once.

use std::collections::{HashMap, HashSet};
use std::fmt;

use kasane_app::consultation::person::PersonDraft;
use kasane_store::municipality::District;
use kasane_store::person::PersonFields;

/// The character encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8Bom,
    Utf8,
    ShiftJis,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8Bom => "UTF-8(BOM付き)",
            Encoding::Utf8 => "UTF-8",
            Encoding::ShiftJis => "Shift_JIS(CP932)",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a whole file was refused (as opposed to a bad row, see [`RowError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// UTF-16 (Excel's 「Unicode テキスト」) is not read.
    Utf16,
    /// Starts with a UTF-8 BOM but is not UTF-8 from the given line on.
    BadUtf8 {
        line: usize,
    },
    /// Neither UTF-8 nor Shift_JIS; the line of the first undecodable byte.
    UnknownEncoding {
        line: usize,
    },
    Csv {
        line: u64,
        message: String,
    },
    NoHeader,
    UnknownHeaders(Vec<String>),
    DuplicateHeader(String),
    NoNameColumn,
    NoRows,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Utf16 => f.write_str(
                "UTF-16 のファイルは読めません。UTF-8 または Shift_JIS(Excel の「CSV(コンマ区切り)」)で保存してください",
            ),
            ImportError::BadUtf8 { line } => write!(
                f,
                "BOM付きUTF-8のファイルですが、{line}行目にUTF-8として読めない文字があります"
            ),
            ImportError::UnknownEncoding { line } => write!(
                f,
                "文字コードを判別できません({line}行目にUTF-8としてもShift_JISとしても読めない文字があります)。UTF-8 または Shift_JIS で保存してください"
            ),
            ImportError::Csv { line, message } => {
                write!(f, "{line}行目をCSVとして読めません: {message}")
            }
            ImportError::NoHeader => f.write_str("見出し行(1行目)がありません"),
            ImportError::UnknownHeaders(names) => write!(
                f,
                "使えない見出しがあります: {}。使える見出しは {} です",
                names
                    .iter()
                    .map(|n| format!("「{n}」"))
                    .collect::<Vec<_>>()
                    .join("、"),
                accepted_headers()
            ),
            ImportError::DuplicateHeader(name) => {
                write!(f, "見出し「{name}」が2回以上あります")
            }
            ImportError::NoNameColumn => f.write_str("見出し行に「氏名」(name)の列がありません"),
            ImportError::NoRows => f.write_str("取り込む行がありません(見出し行のみです)"),
        }
    }
}

impl std::error::Error for ImportError {}

/// Reads the bytes of a file as text: UTF-8 with BOM, UTF-8, or Shift_JIS (encoding_rs's
/// Shift_JIS is the WHATWG one, i.e. CP932 with the NEC and IBM extensions). Refuses
/// rather than guessing when the bytes are neither.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), ImportError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::Utf16);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((s.to_string(), Encoding::Utf8Bom)),
            Err(e) => Err(ImportError::BadUtf8 {
                line: line_at(&rest[..e.valid_up_to()]),
            }),
        };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), Encoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        // Shift_JIS maps nothing to U+FFFD, so the first one marks the first bad byte.
        let before = text.find('\u{FFFD}').map_or(&text[..], |i| &text[..i]);
        return Err(ImportError::UnknownEncoding {
            line: line_at(before.as_bytes()),
        });
    }
    Ok((text.into_owned(), Encoding::ShiftJis))
}

/// The 1-based line on which the byte after `before` falls.
fn line_at(before: &[u8]) -> usize {
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// A column of the persons CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    Furigana,
    BirthDate,
    Sex,
    Address,
    District,
    Phone,
    Note,
    ExternalId,
}

/// Every column with the header names it is accepted under: the Japanese label(s) first,
/// then the English field name (matched case-insensitively).
pub const COLUMNS: [(Column, &[&str]); 9] = [
    (Column::Name, &["氏名", "name"]),
    (Column::Furigana, &["フリガナ", "ふりがな", "furigana"]),
    (Column::BirthDate, &["生年月日", "birth_date"]),
    (Column::Sex, &["性別", "sex"]),
    (Column::Address, &["住所", "address"]),
    (Column::District, &["地区", "district"]),
    (Column::Phone, &["電話", "電話番号", "phone"]),
    (Column::Note, &["備考", "note"]),
    (Column::ExternalId, &["住民宛名番号", "external_id"]),
];

impl Column {
    /// The column a header names, if any.
    pub fn from_header(header: &str) -> Option<Column> {
        let h = header.trim().trim_start_matches('\u{FEFF}').trim();
        COLUMNS
            .iter()
            .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(h)))
            .map(|(c, _)| *c)
    }

    /// The Japanese label used in messages.
    pub fn label(self) -> &'static str {
        COLUMNS
            .iter()
            .find(|(c, _)| *c == self)
            .and_then(|(_, names)| names.first())
            .copied()
            .unwrap_or("")
    }

    /// The label of a `FieldError::field` from the person form.
    fn of_field(field: &str) -> Option<Column> {
        Some(match field {
            "name" => Column::Name,
            "furigana" => Column::Furigana,
            "birth_date" => Column::BirthDate,
            "sex" => Column::Sex,
            "address" => Column::Address,
            "district" => Column::District,
            "phone" => Column::Phone,
            "note" => Column::Note,
            "external_id" => Column::ExternalId,
            _ => return None,
        })
    }
}

/// 氏名(name)、フリガナ(furigana)… — for the unknown-header message and `--help`.
pub fn accepted_headers() -> String {
    COLUMNS
        .iter()
        .map(|(_, names)| match names.split_last() {
            Some((english, japanese)) => format!("{}({english})", japanese.join("・")),
            None => String::new(),
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// A row that cannot be imported: its line in the file (the header is line 1) and every
/// reason, in Japanese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub reasons: Vec<String>,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}行目: {}", self.line, self.reasons.join(" / "))
    }
}

/// A row that passed validation.
#[derive(Debug, Clone)]
pub struct ValidRow {
    pub line: u64,
    pub fields: PersonFields,
}

/// The outcome of reading a whole file: the good rows and the bad ones, in file order.
/// Blank rows (every cell empty, as spreadsheets leave at the end) are neither.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub rows: Vec<ValidRow>,
    pub errors: Vec<RowError>,
}

impl Parsed {
    /// Rows read (good and bad).
    pub fn read(&self) -> usize {
        self.rows.len() + self.errors.len()
    }
}

/// The district code for what a row says: the code itself, the district's name (大曲), or
/// the name with 地区/地域 (大曲地区). Anything else is passed on for validation to refuse.
pub fn resolve_district(input: &str, districts: &[District]) -> String {
    let t = input.trim();
    if t.is_empty() {
        return String::new();
    }
    if let Some(d) = districts.iter().find(|d| d.code.eq_ignore_ascii_case(t)) {
        return d.code.clone();
    }
    let name = t
        .strip_suffix("地区")
        .or_else(|| t.strip_suffix("地域"))
        .unwrap_or(t);
    districts
        .iter()
        .find(|d| d.name == t || d.name == name)
        .map_or_else(|| t.to_string(), |d| d.code.clone())
}

/// Reads the CSV text: the header row, then every row through [`PersonDraft::parse`].
/// `external_ids_in_use` are the 住民宛名番号 already registered in the municipality; a row
/// repeating one (or repeating another row's) is refused, so an import run twice does not
/// register the same residents twice.
pub fn parse_persons(
    text: &str,
    districts: &[District],
    external_ids_in_use: &HashSet<String>,
    today: chrono::NaiveDate,
) -> Result<Parsed, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(csv_error)?.clone();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(ImportError::NoHeader);
    }
    // Each header to its column; empty headers are columns nobody named (Excel leaves
    // them) and must stay empty.
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(headers.len());
    let mut unknown = Vec::new();
    let mut seen = HashSet::new();
    for h in &headers {
        if h.trim().is_empty() {
            columns.push(None);
            continue;
        }
        match Column::from_header(h) {
            Some(c) => {
                if !seen.insert(c) {
                    return Err(ImportError::DuplicateHeader(h.trim().to_string()));
                }
                columns.push(Some(c));
            }
            None => unknown.push(h.trim().to_string()),
        }
    }
    if !unknown.is_empty() {
        return Err(ImportError::UnknownHeaders(unknown));
    }
    if !seen.contains(&Column::Name) {
        return Err(ImportError::NoNameColumn);
    }
    let codes: Vec<&str> = districts.iter().map(|d| d.code.as_str()).collect();

    let mut parsed = Parsed::default();
    let mut external_ids: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e)),
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let mut reasons = Vec::new();
        if record.len() < columns.len() {
            reasons.push(format!(
                "列の数が見出し行と違います(見出し{}列、この行{}列)",
                columns.len(),
                record.len()
            ));
        } else if record
            .iter()
            .enumerate()
            .any(|(i, v)| columns.get(i).copied().flatten().is_none() && !v.trim().is_empty())
        {
            reasons.push("見出しのない列に値があります".to_string());
        }
        let mut form = PersonDraft::default();
        for (value, column) in record.iter().zip(&columns) {
            let Some(column) = column else { continue };
            let value = value.to_string();
            match column {
                Column::Name => form.name = value,
                Column::Furigana => form.furigana = value,
                Column::BirthDate => form.birth_date = value,
                Column::Sex => form.sex = value,
                Column::Address => form.address = value,
                Column::District => form.district = resolve_district(&value, districts),
                Column::Phone => form.phone = value,
                Column::Note => form.note = value,
                Column::ExternalId => form.external_id = value,
            }
        }
        match form.parse(&codes, today) {
            Ok(fields) => {
                if let Some(id) = &fields.external_id {
                    if external_ids_in_use.contains(id) {
                        reasons
                            .push("住民宛名番号: この番号の方は既に登録されています".to_string());
                    } else if let Some(first) = external_ids.get(id) {
                        reasons.push(format!("住民宛名番号: {first}行目と同じ番号です"));
                    } else {
                        external_ids.insert(id.clone(), line);
                    }
                }
                if reasons.is_empty() {
                    parsed.rows.push(ValidRow { line, fields });
                } else {
                    parsed.errors.push(RowError { line, reasons });
                }
            }
            Err(errors) => {
                reasons.extend(errors.iter().map(|e| reason(e.field, &e.message)));
                parsed.errors.push(RowError { line, reasons });
            }
        }
    }
    if parsed.read() == 0 {
        return Err(ImportError::NoRows);
    }
    Ok(parsed)
}

/// 「生年月日: 平成31年5月1日は存在しません…」; the label is left off a message that
/// already names its field (「氏名を入力してください」).
fn reason(field: &str, message: &str) -> String {
    match Column::of_field(field).map(Column::label) {
        Some(label) if !message.contains(label) => format!("{label}: {message}"),
        _ => message.to_string(),
    }
}

fn csv_error(e: csv::Error) -> ImportError {
    let line = e.position().map_or(0, csv::Position::line);
    ImportError::Csv {
        line,
        message: e.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn daisen() -> Vec<District> {
        [("omagari", "大曲"), ("kamioka", "神岡")]
            .into_iter()
            .enumerate()
            .map(|(i, (code, name))| District {
                id: i as i64 + 1,
                municipality_id: 1,
                code: code.to_string(),
                name: name.to_string(),
            })
            .collect()
    }

    fn parse(text: &str) -> Result<Parsed, ImportError> {
        parse_persons(text, &daisen(), &HashSet::new(), today())
    }

    #[test]
    fn encodings_are_detected() {
        let (t, e) = decode("氏名\n髙橋 一郎\n".as_bytes()).unwrap();
        assert_eq!((t.as_str(), e), ("氏名\n髙橋 一郎\n", Encoding::Utf8));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("氏名\n齋藤 花子\n".as_bytes());
        let (t, e) = decode(&bom).unwrap();
        assert_eq!((t.as_str(), e), ("氏名\n齋藤 花子\n", Encoding::Utf8Bom));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("氏名\n佐藤 花子\n髙橋 一郎\n");
        let (t, e) = decode(&sjis).unwrap();
        assert_eq!(
            (t.as_str(), e),
            ("氏名\n佐藤 花子\n髙橋 一郎\n", Encoding::ShiftJis)
        );
        assert_eq!(decode(b"\xFF\xFEa\x00"), Err(ImportError::Utf16));
        assert_eq!(
            decode(b"name\nok\n\x81\xFF\n"),
            Err(ImportError::UnknownEncoding { line: 3 })
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBFname\n\xFF\n"),
            Err(ImportError::BadUtf8 { line: 2 })
        );
    }

    #[test]
    fn headers_in_japanese_or_english() {
        let p = parse("NAME,フリガナ,birth_date,電話番号,地区\n佐藤 花子,サトウ ハナコ,S47.3.5,0187-63-1111,大曲\n")
            .unwrap();
        assert_eq!(p.errors, vec![]);
        let f = &p.rows[0].fields;
        assert_eq!(p.rows[0].line, 2);
        assert_eq!(f.district_code.as_deref(), Some("omagari"));
        assert_eq!(f.phone_digits.as_deref(), Some("0187631111"));
        assert_eq!(f.birth_date, chrono::NaiveDate::from_ymd_opt(1972, 3, 5));
        let err = parse("氏名,年齢,趣味\nx,1,2\n").unwrap_err();
        assert_eq!(
            err,
            ImportError::UnknownHeaders(vec!["年齢".into(), "趣味".into()])
        );
        assert!(err.to_string().contains("住民宛名番号(external_id)"));
        assert_eq!(
            parse("氏名,name\nx,y\n").unwrap_err(),
            ImportError::DuplicateHeader("name".into())
        );
        assert_eq!(
            parse("住所\n大仙市\n").unwrap_err(),
            ImportError::NoNameColumn
        );
        assert_eq!(parse("氏名\n").unwrap_err(), ImportError::NoRows);
    }

    #[test]
    fn every_bad_row_with_its_line_and_reasons() {
        let text = "氏名,生年月日,地区,住民宛名番号\n\
                    佐藤 花子,平成31年5月1日,大曲,A1\n\
                    ,2000-01-01,どこか,\n\
                    \"複数行\n備考のある 人\",,,\n\
                    ,,,\n\
                    鈴木 一郎,,神岡地区,A2\n\
                    田中 次郎,,,A2\n\
                    山田 三郎,,神岡地区,B9,余分\n";
        let p =
            parse_persons(text, &daisen(), &HashSet::from(["B9".to_string()]), today()).unwrap();
        let lines: Vec<u64> = p.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 8, 9], "{:?}", p.errors);
        assert!(
            p.errors[0].reasons[0].starts_with("生年月日: "),
            "{:?}",
            p.errors[0]
        );
        assert!(p.errors[0].reasons[0].contains("平成31年5月1日"));
        assert_eq!(p.errors[1].reasons.len(), 2);
        assert!(
            p.errors[1]
                .reasons
                .contains(&"氏名を入力してください".to_string())
        );
        assert!(
            p.errors[1]
                .reasons
                .iter()
                .any(|r| r.contains("地区「どこか」"))
        );
        assert!(p.errors[2].reasons[0].contains("7行目と同じ番号"));
        assert!(
            p.errors[3]
                .reasons
                .iter()
                .any(|r| r.contains("見出しのない列"))
        );
        assert!(p.errors[3].reasons.iter().any(|r| r.contains("既に登録")));
        // A quoted value over two lines: the row is numbered by its first line.
        let lines: Vec<u64> = p.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![4, 7]);
        assert_eq!(p.rows[1].fields.district_code.as_deref(), Some("kamioka"));
        assert_eq!(p.read(), 6, "the blank row is not counted");
    }

    #[test]
    fn districts_by_code_or_name() {
        let d = daisen();
        assert_eq!(resolve_district("大曲", &d), "omagari");
        assert_eq!(resolve_district(" Omagari ", &d), "omagari");
        assert_eq!(resolve_district("神岡地域", &d), "kamioka");
        assert_eq!(resolve_district("横手", &d), "横手");
        assert_eq!(resolve_district("", &d), "");
    }

    #[test]
    fn accepted_headers_lists_every_column() {
        let s = accepted_headers();
        assert!(
            s.starts_with("氏名(name)、フリガナ・ふりがな(furigana)"),
            "{s}"
        );
        assert!(s.contains("電話・電話番号(phone)"));
    }
}
