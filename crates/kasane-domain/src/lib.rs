//! kasane's rules: pure Rust, no I/O, no async. Everything here can be tested as a table.

pub mod access;
pub mod assessment;
pub mod audit;
pub mod case;
pub mod consent;
pub mod correction;
pub mod early_warning;
pub mod escalation;
pub mod fiscal_year;
pub mod household;
pub mod identity;
pub mod intake;
pub mod match_review;
pub mod meeting;
pub mod municipality;
pub mod name;
pub mod outreach;
pub mod person;
pub mod person_match;
pub mod person_search;
pub mod plan;
pub mod referral;
pub mod support_log;
pub mod text;
pub mod wareki;
