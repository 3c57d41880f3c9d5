//! Plumbing shared by pages and the API.

pub mod admission;
pub mod auth;
pub mod download;
pub mod error;
pub mod input;
pub mod middleware;
pub mod work;
