"""Policy: configuration, ignores with reasons and expiry, inline pragmas, the exit-code gate."""
