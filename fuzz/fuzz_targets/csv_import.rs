//! The persons CSV import without a database: `detect`, then `Rows` through the person
//! form, then `Checked` (duplicate 住民宛名番号). Never panics; and since a file is streamed
//! a chunk at a time, reading it in short pieces (as a pipe or a slow disk may hand it)
//! gives the same encoding, rows, errors and digest as reading it whole.
#![no_main]

use std::collections::HashSet;
use std::io::{self, Cursor, Read, Seek, SeekFrom};

use kasane::import::{Checked, Encoding, ImportError, Rows, detect};
use kasane_store::municipality::District;
use libfuzzer_sys::fuzz_target;

/// A reader that answers at most `step` bytes a read.
struct Trickle<'a> {
    inner: Cursor<&'a [u8]>,
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.step);
        self.inner.read(&mut buf[..n])
    }
}

impl Seek for Trickle<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

fn districts() -> Vec<District> {
    [("omagari", "大曲"), ("kamioka", "神岡")]
        .into_iter()
        .zip(1..)
        .map(|((code, name), id)| District {
            id,
            municipality_id: 1,
            code: code.to_string(),
            name: name.to_string(),
        })
        .collect()
}

/// What a reading ends in: every row (as text), the check's counts and the file's digest,
/// or the first error, which ends an import whatever rows came before it.
fn read_all<R: Read>(input: R, encoding: Encoding) -> Result<(Vec<String>, u64), String> {
    let Some(today) = chrono::NaiveDate::from_ymd_opt(2026, 12, 1) else {
        return Err("no date".into());
    };
    let mut rows = Rows::open(input, encoding, districts(), today).map_err(|e| e.to_string())?;
    let in_use: HashSet<&str> = ["42"].into_iter().collect();
    let mut checked = Checked::default();
    let mut seen = Vec::new();
    while let Some(row) = rows.next_row().map_err(|e| e.to_string())? {
        seen.push(format!("{row:?}"));
        checked.add(row, &in_use).map_err(|e| e.to_string())?;
    }
    seen.push(format!(
        "{} {} {:?}",
        checked.read, checked.good, checked.bad_lines
    ));
    Ok((seen, rows.digest()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&step, data)) = data.split_first() else {
        return;
    };
    let step = usize::from(step % 16) + 1;
    let trickle = || Trickle {
        inner: Cursor::new(data),
        step,
    };

    let detected = detect(Cursor::new(data));
    assert_eq!(detect(trickle()), detected);
    if let Ok(encoding) = detected {
        let whole = read_all(Cursor::new(data), encoding);
        assert_eq!(read_all(trickle(), encoding), whole);
        // Decodable as detected: the reading never fails to decode.
        if let Err(e) = &whole {
            assert!(!e.contains("読めない文字"), "{e}");
        }
    }
    // The other encodings too, as `import` would read a file that changed after `detect`.
    for encoding in [Encoding::Utf8, Encoding::Utf8Bom, Encoding::ShiftJis] {
        if detected != Ok(encoding) {
            let whole = read_all(Cursor::new(data), encoding);
            assert_eq!(read_all(trickle(), encoding), whole);
        }
    }
    if let Err(e) = detected {
        let _ = e.to_string();
        assert!(!matches!(e, ImportError::Io(_)), "{e:?}");
    }
});
