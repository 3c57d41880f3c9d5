//! 相談支援: persons, households, intakes from any window, 名寄せ, referrals (つなぎ), the
//! support log, one timeline per person and household, and consultation's sections of the
//! worklist.

pub mod correction;
pub mod escalation;
pub mod household;
pub mod import;
pub mod intake;
pub mod intake_consent;
pub mod intake_list;
pub mod match_review;
pub mod person;
pub mod referral;
pub mod support_log;
pub mod timeline;
pub mod worklist;
