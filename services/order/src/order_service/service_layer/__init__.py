"""Use cases: one function per command, event or query the order service handles."""
