//! The municipality TOML: `parse_config` never panics, a syntax error's position is on a
//! line of the file and within it (or 0/0 when unknown), and `line_column` stays in range
//! for any offset.
#![no_main]

use kasane_domain::municipality::{ConfigError, line_column, parse_config, validate};
use libfuzzer_sys::fuzz_target;

fn assert_in_range(src: &str, (line, column): (usize, usize)) {
    // `lines()` drops a final empty line, which a position may still point at.
    let lines: Vec<&str> = src.split('\n').collect();
    assert!(
        line >= 1 && line <= lines.len(),
        "line {line} of {}",
        lines.len()
    );
    let width = lines[line - 1].chars().count();
    assert!(
        column >= 1 && column <= width + 1,
        "column {column} of {width}"
    );
}

fuzz_target!(|src: &str| {
    match parse_config(src) {
        Ok(config) => assert!(validate(&config).is_empty()),
        Err(ConfigError::Syntax {
            line: 0, column, ..
        }) => assert_eq!(column, 0),
        Err(ConfigError::Syntax {
            line,
            column,
            message,
        }) => {
            assert_in_range(src, (line, column));
            assert!(!message.is_empty());
        }
        Err(ConfigError::Invalid(problems)) => assert!(!problems.is_empty()),
    }
    let _ = parse_config(src).map_err(|e| e.to_string());
    for offset in [0, src.len() / 3, src.len() / 2, src.len(), src.len() + 1] {
        assert_in_range(src, line_column(src, offset));
    }
});
