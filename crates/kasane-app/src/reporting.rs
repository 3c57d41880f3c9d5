//! 計画・統計: the municipality's 実施計画 and each 年度's figures against it. Its use cases
//! come with the step that builds it; it may use the capabilities before it, never those
//! after.
