//! 地域づくり: community activities and the resource registry (no personal data). Its use
//! cases come with the step that builds it; it may use the capabilities before it, never
//! those after.
