//! 相談受付一覧: the intakes the caller may open (the access rule's SQL twin on each
//! intake's person, so the list never shows a row whose page would be refused), filtered
//! by 期間, 受付機関, 相談経路, 課題 and 対応結果, newest first, a page at a time; and the
//! filtered list exported as CSV (UTF-8 with BOM, or Shift_JIS/CP932) or XLSX.
//!
//! An export is audited twice over: one `export` entry per person whose rows leave (with
//! its basis — ACCESS-MODEL: every read of personal data is audited with its basis), and
//! one for the file naming the filter and the count. A person seen on a read-only basis
//! (本人同意, 支援会議) is listed but not exported: the rule permits export on the full
//! view only.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use kasane_domain::access::may_see_person_data;
use kasane_domain::intake::{Channel, Outcome};
use kasane_domain::municipality::MunicipalityConfig;
use kasane_domain::wareki::{
    format_wareki, format_wareki_datetime, format_wareki_short, parse_date,
};
use kasane_store::intake_list::{IntakeFilter, IntakeLine};

use crate::guard::{exported_person, record_export, record_list, refuse_export, viewer};
use crate::{App, AppError, AppResult, Caller};

/// Intakes the list shows per page.
pub const PAGE_SIZE: i64 = 50;

/// The most rows one export holds: beyond it the worker narrows the filter (a file of
/// every intake of a city is a bulk transfer, not a worker's list).
pub const EXPORT_MAX: i64 = 10_000;

/// The list's filters as typed (a query string): every part optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListCriteria<'a> {
    /// 期間の始め: ISO or 和暦 (R8.4.1), a date in Japan.
    pub from: &'a str,
    /// 期間の終わり (that day included).
    pub to: &'a str,
    /// 受付機関: an agency id of the caller's municipality.
    pub agency: &'a str,
    /// 相談経路: a channel code.
    pub channel: &'a str,
    /// 課題: a code of the municipality's issue taxonomy.
    pub issue: &'a str,
    /// 対応結果: an outcome code.
    pub outcome: &'a str,
    /// 1-based.
    pub page: Option<i64>,
}

fn text(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// The start of a day in Japan, as the instant stored times compare with.
fn jst_midnight(day: NaiveDate) -> DateTime<Utc> {
    (day.and_time(chrono::NaiveTime::MIN) - TimeDelta::hours(9)).and_utc()
}

impl ListCriteria<'_> {
    /// The store's filter, or every input problem at once.
    fn to_filter(
        self,
        cfg: &MunicipalityConfig,
        agencies: &[kasane_store::municipality::Agency],
        limit: i64,
    ) -> Result<IntakeFilter, Vec<String>> {
        let mut errors = Vec::new();
        let mut date = |label: &str, s: &str| match text(s).map(parse_date) {
            None => None,
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                errors.push(format!("{label}: {e}"));
                None
            }
        };
        let from = date("期間(から)", self.from);
        let to = date("期間(まで)", self.to);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.push("期間の始めが終わりより後になっています".to_string());
        }
        let agency_id = match text(self.agency) {
            None => None,
            Some(a) => match a
                .parse::<i64>()
                .ok()
                .filter(|id| agencies.iter().any(|x| x.id == *id))
            {
                Some(id) => Some(id),
                None => {
                    errors.push("受付機関が見つかりません。一覧から選んでください".to_string());
                    None
                }
            },
        };
        let channel = match text(self.channel).map(str::parse::<Channel>) {
            None => None,
            Some(Ok(c)) => Some(c),
            Some(Err(e)) => {
                errors.push(e.to_string());
                None
            }
        };
        let outcome = match text(self.outcome).map(str::parse::<Outcome>) {
            None => None,
            Some(Ok(o)) => Some(o),
            Some(Err(e)) => {
                errors.push(e.to_string());
                None
            }
        };
        let issue_code = match text(self.issue) {
            None => None,
            Some(code) if cfg.issue_category(code).is_some() => Some(code.to_string()),
            Some(code) => {
                errors.push(format!("不明な課題です: 「{code}」"));
                None
            }
        };
        let page = match kasane_domain::text::page_number(self.page) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                1
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(IntakeFilter {
            from: from.map(jst_midnight),
            before: to.and_then(|t| t.succ_opt()).map(jst_midnight),
            agency_id,
            channel,
            issue_code,
            outcome,
            limit,
            offset: (page - 1) * limit,
        })
    }

    /// What was asked, for the export's audit entry: codes and dates only, no names.
    fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("from", self.from),
            ("to", self.to),
            ("agency", self.agency),
            ("channel", self.channel),
            ("issue", self.issue),
            ("outcome", self.outcome),
        ]
        .iter()
        .filter_map(|(k, v)| text(v).map(|v| format!("{k}={v}")))
        .collect();
        if parts.is_empty() {
            "絞り込みなし".to_string()
        } else {
            parts.join(" ")
        }
    }
}

/// One page of the list.
#[derive(Debug, Clone)]
pub struct IntakeList {
    pub rows: Vec<IntakeLine>,
    /// Another page follows (nothing is counted: one row more is read).
    pub more: bool,
    pub page: i64,
}

/// Reads one page of the intakes the caller may open, audited as a list read. `None` for
/// a caller whose roles see no person data; input problems are `AppError::Validation`.
pub async fn list_intakes(
    app: &App,
    caller: &Caller,
    criteria: ListCriteria<'_>,
) -> AppResult<Option<IntakeList>> {
    if !may_see_person_data(&caller.actor) {
        return Ok(None);
    }
    app.unit(async |app| {
        let filter = filter_of(app, caller, criteria, PAGE_SIZE).await?;
        let (rows, more) = app.store.list_intakes(viewer(app, caller), &filter).await?;
        record_list(app, caller, "intake_list").await?;
        Ok(Some(IntakeList {
            rows,
            more,
            page: filter.offset / PAGE_SIZE + 1,
        }))
    })
    .await
}

async fn filter_of(
    app: &App,
    caller: &Caller,
    criteria: ListCriteria<'_>,
    limit: i64,
) -> AppResult<IntakeFilter> {
    let cfg = app.config(&caller.municipality)?;
    let agencies = app.store.agencies(caller.municipality.id).await?;
    criteria
        .to_filter(&cfg, &agencies, limit)
        .map_err(AppError::Validation)
}

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// UTF-8 with a BOM (Excel then reads it as UTF-8).
    CsvUtf8,
    /// Shift_JIS (Windows-31J / CP932), for older spreadsheet and 基幹系 tools. A character
    /// it cannot hold is written as 〓 (ゲタ), the customary mark.
    CsvCp932,
    Xlsx,
}

impl ExportFormat {
    /// A CSV encoding as the API names it: `utf-8` (the default) or `cp932` (also
    /// `shift_jis`, `sjis`).
    pub fn csv(encoding: &str) -> AppResult<ExportFormat> {
        match encoding.trim().to_ascii_lowercase().as_str() {
            "" | "utf-8" | "utf8" => Ok(ExportFormat::CsvUtf8),
            "cp932" | "shift_jis" | "sjis" | "windows-31j" => Ok(ExportFormat::CsvCp932),
            other => Err(AppError::Validation(vec![format!(
                "不明な文字コードです: 「{other}」(utf-8 または cp932)"
            )])),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::CsvUtf8 => "text/csv; charset=utf-8",
            ExportFormat::CsvCp932 => "text/csv; charset=Shift_JIS",
            ExportFormat::Xlsx => XLSX,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ExportFormat::CsvUtf8 | ExportFormat::CsvCp932 => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// The media type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An exported file.
#[derive(Debug, Clone)]
pub struct Export {
    /// 相談受付一覧_R8.12.1.csv
    pub filename: String,
    /// The same in ASCII, for clients that do not read RFC 5987's `filename*`.
    pub ascii_filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows listed but left out: their person is seen on a read-only basis.
    pub withheld: usize,
}

/// The export's columns, in order.
pub const HEADERS: [&str; 12] = [
    "受付番号",
    "受付日時",
    "受付機関",
    "相談経路",
    "本人氏名",
    "フリガナ",
    "生年月日",
    "課題",
    "対応結果",
    "緊急度",
    "相談受付時の情報共有への同意",
    "相談の概要",
];

/// Exports the filtered list (the page number is ignored: the whole list, up to
/// [`EXPORT_MAX`] rows) as `format`, audited as an export.
pub async fn export_intakes(
    app: &App,
    caller: &Caller,
    criteria: ListCriteria<'_>,
    format: ExportFormat,
) -> AppResult<Export> {
    if !may_see_person_data(&caller.actor) {
        return Err(refuse_export(app, caller, "intake_list").await);
    }
    app.unit(async |app| {
        let whole = ListCriteria {
            page: None,
            ..criteria
        };
        let filter = filter_of(app, caller, whole, EXPORT_MAX).await?;
        let (rows, more) = app.store.list_intakes(viewer(app, caller), &filter).await?;
        if more {
            return Err(AppError::Validation(vec![format!(
                "一度に出力できるのは{EXPORT_MAX}件までです。期間などで絞り込んでください"
            )]));
        }
        let listed = rows.len();
        let mut may: HashMap<i64, bool> = HashMap::new();
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            let allowed = match may.get(&row.person_id) {
                Some(&a) => a,
                None => {
                    let a = exported_person(app, caller, caller.municipality.id, row.person_id)
                        .await?
                        .is_some();
                    may.insert(row.person_id, a);
                    a
                }
            };
            if allowed {
                kept.push(row);
            }
        }
        let cfg = app.config(&caller.municipality)?;
        let table = cells(&cfg, &kept);
        let bytes = match format {
            ExportFormat::CsvUtf8 => csv_utf8(&table)?,
            ExportFormat::CsvCp932 => cp932(&String::from_utf8_lossy(&csv_bytes(&table)?)),
            ExportFormat::Xlsx => xlsx(&table)?,
        };
        let reason = format!(
            "{} {} 件数={} 除外={}",
            criteria.describe(),
            format.extension(),
            kept.len(),
            listed - kept.len()
        );
        record_export(app, caller, "intake_list", &reason).await?;
        let day = app.today();
        Ok(Export {
            filename: format!(
                "相談受付一覧_{}.{}",
                format_wareki_short(day),
                format.extension()
            ),
            ascii_filename: format!("intakes-{day}.{}", format.extension()),
            content_type: format.content_type(),
            bytes,
            rows: kept.len(),
            withheld: listed - kept.len(),
        })
    })
    .await
}

/// The export's rows as text, 和暦 dates and Japanese labels, the header first.
fn cells(cfg: &MunicipalityConfig, rows: &[IntakeLine]) -> Vec<Vec<String>> {
    let issue = |code: &str| {
        cfg.issue_category(code)
            .map_or_else(|| code.to_string(), |c| c.name.clone())
    };
    let mut out = vec![HEADERS.iter().map(|h| h.to_string()).collect()];
    for r in rows {
        out.push(vec![
            r.id.to_string(),
            format_wareki_datetime((r.received_at + TimeDelta::hours(9)).naive_utc()),
            r.receiving_agency_name.clone(),
            r.channel.label().to_string(),
            r.person_name.clone(),
            r.person_furigana.clone().unwrap_or_default(),
            r.birth_date.map(format_wareki).unwrap_or_default(),
            r.issues
                .iter()
                .map(|c| issue(c))
                .collect::<Vec<_>>()
                .join("・"),
            r.outcome.label().to_string(),
            r.urgency.label().to_string(),
            if r.consent_to_share {
                "同意あり"
            } else {
                "同意なし"
            }
            .to_string(),
            r.summary.clone(),
        ]);
    }
    out
}

/// A cell a spreadsheet would read as a formula (=, +, -, @, or a tab or CR first) gets a
/// leading apostrophe: a name or summary typed as `=HYPERLINK(…)` stays text (CSV
/// injection). XLSX cells are written as strings and need none.
fn defused(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

fn csv_bytes(table: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in table {
        w.write_record(row.iter().map(|c| defused(c).into_owned()))
            .map_err(internal("csv"))?;
    }
    w.into_inner().map_err(|_| AppError::Internal)
}

fn csv_utf8(table: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(csv_bytes(table)?);
    Ok(out)
}

/// `text` in Shift_JIS (encoding_rs's is the WHATWG one: Windows-31J, CP932). A character
/// it cannot hold becomes 〓 instead of the HTML reference `encode` would write.
pub fn cp932(text: &str) -> Vec<u8> {
    let mut encoder = encoding_rs::SHIFT_JIS.new_encoder();
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    let mut buf = [0u8; 4096];
    loop {
        let (result, read, written) =
            encoder.encode_from_utf8_without_replacement(rest, &mut buf, true);
        out.extend_from_slice(&buf[..written]);
        rest = &rest[read..];
        match result {
            encoding_rs::EncoderResult::InputEmpty => break,
            encoding_rs::EncoderResult::OutputFull => {}
            // 〓 (U+3013) is 0x81AC in Shift_JIS.
            encoding_rs::EncoderResult::Unmappable(_) => out.extend_from_slice(&[0x81, 0xAC]),
        }
    }
    out
}

fn xlsx(table: &[Vec<String>]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("相談受付一覧").map_err(internal("xlsx"))?;
    for (r, row) in table.iter().enumerate() {
        let r = u32::try_from(r).map_err(|_| AppError::Internal)?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| AppError::Internal)?;
            if r == 0 {
                sheet.write_string_with_format(r, c, cell, &bold)
            } else {
                sheet.write_string(r, c, cell)
            }
            .map_err(internal("xlsx"))?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(internal("xlsx"))?;
    for (c, width) in [(1u16, 20.0), (2, 24.0), (4, 14.0), (7, 24.0), (11, 40.0)] {
        sheet.set_column_width(c, width).map_err(internal("xlsx"))?;
    }
    book.save_to_buffer().map_err(internal("xlsx"))
}

/// A writer's failure, logged without values: a bare internal error.
fn internal<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> AppError {
    move |e| {
        tracing::error!(what, error = %e, "export failed");
        AppError::Internal
    }
}
