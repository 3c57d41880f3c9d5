//! 相談支援: persons, households, intakes from any window, 名寄せ, referrals (つなぎ) and the
//! support log.

pub mod import;
pub mod person;
