//! kasane's integration tests: one binary (linking the whole application once), one module
//! per area. `common` is the harness: the real app on port 0 against a fresh database, on
//! SQLite and on PostgreSQL; Chromium for the browser modules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

mod access_twins;
mod api_consultation;
mod audit_trail;
mod authorisation_matrix;
mod authorisation_writes;
mod bad_input;
mod basis_lost;
mod browser;
mod browser_collaboration;
mod browser_consultation;
mod browser_layout;
mod browser_outreach;
mod cli;
mod clock;
mod collaboration_cases;
mod collaboration_meetings;
mod consultation;
mod corrections;
mod crash;
mod demo_data;
mod denials;
mod escalation;
mod forms;
mod foundation;
mod generate;
mod import;
mod intake_list;
mod layering;
mod match_review;
mod nayose;
mod outreach;
mod person_picker;
mod referral_sheet;
mod search_plans;
mod session_expiry;
mod staff_admin;
mod unit_of_work;
