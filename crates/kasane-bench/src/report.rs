//! The markdown report of one engine × scale: the endpoints, their floors, and the ratios.

use std::fmt::Write;

use crate::load::Cell;

/// One measured row.
pub struct Measured {
    pub name: String,
    /// The body size of one answer, or why the row was not measured.
    pub probe: Result<usize, String>,
    pub cells: Vec<Cell>,
    pub floor: Vec<Cell>,
    /// Measured once only: a single request took this long (longer than a cell).
    pub slow: Option<std::time::Duration>,
}

pub struct Report {
    pub title: String,
    /// Lines above the tables (machine, memory, cold start, argon2, targets).
    pub preamble: Vec<String>,
    pub concurrencies: Vec<usize>,
    pub rows: Vec<Measured>,
}

fn ms(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v < 10.0 => format!("{v:.2}"),
        Some(v) if v < 100.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.0}"),
    }
}

fn cell(c: &Cell, first: bool) -> String {
    let lat = format!("{} / {}", ms(c.ms(0.5)), ms(c.ms(0.99)));
    if first {
        lat
    } else {
        format!("{lat} · {:.0}", c.rps())
    }
}

fn unexpected(cells: &[Cell]) -> String {
    let parts: Vec<String> = cells
        .iter()
        .filter(|c| !c.unexpected.is_empty())
        .map(|c| {
            let what: Vec<String> = c
                .unexpected
                .iter()
                .map(|(k, n)| format!("{k}×{n}"))
                .collect();
            format!("c{}: {}", c.concurrency, what.join(", "))
        })
        .collect();
    if parts.is_empty() {
        "0".into()
    } else {
        parts.join("; ")
    }
}

/// The cells of a row measured once only.
fn skipped(r: &Measured, concurrencies: usize) -> Vec<String> {
    let why = match r.slow {
        Some(t) => format!("not run (one request: {:.1} s)", t.as_secs_f64()),
        None => return Vec::new(),
    };
    vec![why; concurrencies.saturating_sub(1)]
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.1}×", a / b),
        _ => "—".into(),
    }
}

impl Report {
    fn header(&self, out: &mut String, extra: &[&str]) {
        let mut cols = vec!["endpoint".to_string(), "bytes".to_string()];
        for (i, c) in self.concurrencies.iter().enumerate() {
            cols.push(if i == 0 {
                format!("c{c} p50 / p99 ms")
            } else {
                format!("c{c} p50 / p99 ms · rps")
            });
        }
        cols.extend(extra.iter().map(|s| s.to_string()));
        let _ = writeln!(out, "| {} |", cols.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(cols.len()));
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "## {}\n", self.title);
        for line in &self.preamble {
            let _ = writeln!(out, "- {line}");
        }
        let first = self.concurrencies.first().copied().unwrap_or(1);
        let last = self.concurrencies.last().copied().unwrap_or(1);
        let ceiling_rps = self
            .rows
            .first()
            .and_then(|r| r.cells.last())
            .map(Cell::rps);
        let _ = writeln!(out, "\n### Endpoints\n");
        let p50_ratio = format!("c{first} p50 ÷ floor");
        let rps_ratio = format!("c{last} rps ÷ ceiling");
        self.header(&mut out, &[&p50_ratio, &rps_ratio, "unexpected answers"]);
        for r in &self.rows {
            let bytes = match &r.probe {
                Ok(b) => b.to_string(),
                Err(why) => {
                    let _ = writeln!(out, "| {} | not measured: {why} |", r.name);
                    continue;
                }
            };
            let mut cols = vec![r.name.clone(), bytes];
            cols.extend(r.cells.iter().enumerate().map(|(i, c)| cell(c, i == 0)));
            cols.extend(skipped(r, self.concurrencies.len()));
            cols.push(ratio(
                r.cells.first().and_then(|c| c.ms(0.5)),
                r.floor.first().and_then(|c| c.ms(0.5)),
            ));
            let at_last = r.cells.last().filter(|c| c.concurrency == last);
            cols.push(ratio(at_last.map(Cell::rps), ceiling_rps));
            cols.push(unexpected(&r.cells));
            let _ = writeln!(out, "| {} |", cols.join(" | "));
        }
        let _ = writeln!(
            out,
            "\n### Floors (the same store reads in the bench process, no HTTP)\n"
        );
        self.header(&mut out, &["failures"]);
        for r in self.rows.iter().filter(|r| !r.floor.is_empty()) {
            let mut cols = vec![r.name.clone(), String::new()];
            cols.extend(r.floor.iter().enumerate().map(|(i, c)| cell(c, i == 0)));
            cols.extend(skipped(r, self.concurrencies.len()));
            cols.push(unexpected(&r.floor));
            let _ = writeln!(out, "| {} |", cols.join(" | "));
        }
        out
    }
}
