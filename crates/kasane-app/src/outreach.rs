//! アウトリーチ等を通じた継続的支援: reaching people who do not ask for help. Its use cases
//! come with the step that builds it; it may use the capabilities before it, never those
//! after.
