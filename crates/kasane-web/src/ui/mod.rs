//! The page kit: the layout (pillar navigation, error page), display helpers (和暦 in JST,
//! 年度), form plumbing, the person search query that both the search page and the API
//! read, the person picker of the forms that choose a person, and the labels the collaboration pages and the API share. Pages build on it.

pub mod collaboration;
pub mod fmt;
pub mod form;
pub mod intake_list;
pub mod layout;
pub mod picker;
pub mod search;
