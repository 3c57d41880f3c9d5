//! The page kit: the layout (pillar navigation, error page), display helpers (和暦 in JST,
//! 年度) and form plumbing, and the person search query that both the search page and the
//! API read. Pages build on it.

pub mod fmt;
pub mod form;
pub mod layout;
pub mod search;
