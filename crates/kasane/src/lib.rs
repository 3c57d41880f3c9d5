//! The `kasane` executable: one binary, several subcommands (serve, demo, migrate, user,
//! municipality, audit, import, gen), the demo data shared with the tests, and the generator.

pub mod audit;
pub mod cli;
pub mod demo;
pub mod generate;
pub mod import;
pub mod progress;
pub mod settings;
