//! 参加支援: places to take part, and the participation plan. Its use cases come with the
//! step that builds it; it may use the capabilities before it, never those after.
