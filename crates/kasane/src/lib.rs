//! The `kasane` executable: one binary, several subcommands (serve, demo, migrate, user,
//! municipality, audit, import), and the demo data shared with the tests.

pub mod cli;
pub mod demo;
pub mod import;
pub mod settings;
