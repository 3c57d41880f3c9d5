//! The page kit: the layout (pillar navigation, error page), display helpers (和暦 in JST,
//! 年度) and form plumbing. Pages build on it; it knows no capability but for the labels
//! the pages and the API share (`collaboration`).

pub mod collaboration;
pub mod fmt;
pub mod form;
pub mod layout;
