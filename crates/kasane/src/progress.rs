//! The progress bars of the long CLI jobs (`gen`, `import`), on stderr. indicatif's stderr
//! target draws nothing when stderr is not a terminal, so logs, pipes and tests see none.

use indicatif::{ProgressBar, ProgressStyle};

/// Persons written out of `len`, with their rate and the time left.
pub fn persons(len: u64) -> ProgressBar {
    styled(
        ProgressBar::new(len),
        "{bar:40} {pos}/{len} 人 {per_sec} 残り{eta}",
    )
}

/// Rows read so far, with their rate (how many there are is known only at the end).
pub fn rows(what: &'static str) -> ProgressBar {
    let bar = styled(
        ProgressBar::no_length(),
        "{spinner} {msg} {pos} 行 {per_sec}",
    );
    bar.set_message(what);
    bar
}

/// A job of unknown length, with the time it has taken so far.
pub fn working(what: &'static str) -> ProgressBar {
    let bar = styled(ProgressBar::new_spinner(), "{spinner} {msg} {elapsed}");
    bar.set_message(what);
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn styled(bar: ProgressBar, template: &str) -> ProgressBar {
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
