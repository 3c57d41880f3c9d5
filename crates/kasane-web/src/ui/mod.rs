//! The page kit: the layout (pillar navigation, error page), display helpers (和暦 in JST,
//! 年度) and form plumbing. Pages build on it; it knows no capability.

pub mod fmt;
pub mod form;
pub mod layout;
