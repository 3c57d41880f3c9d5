//! The application's clock. Decisions that depend on the date (a consent's expiry, a
//! monitoring due, a 年度) read it from here, so tests can fix the day.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// Today in Japan: consents expire and 年度 turn by the local calendar (JST, no DST).
    fn today(&self) -> NaiveDate {
        (self.now() + TimeDelta::hours(9)).date_naive()
    }
}

/// The real time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        kasane_store::now()
    }
}

/// A clock stopped at one instant (tests: March 31 against April 1).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl FixedClock {
    /// Noon in Japan on `day`.
    pub fn on(day: NaiveDate) -> FixedClock {
        let noon_jst = day.and_hms_opt(3, 0, 0).unwrap_or_default().and_utc();
        FixedClock(noon_jst)
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_day_is_that_day_in_japan() {
        let day = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        assert_eq!(FixedClock::on(day).today(), day);
        // 23:30 UTC on March 31 is already April 1 in Japan.
        let late = day.and_hms_opt(23, 30, 0).unwrap().and_utc();
        assert_eq!(
            FixedClock(late).today(),
            NaiveDate::from_ymd_opt(2027, 4, 1).unwrap()
        );
    }
}
