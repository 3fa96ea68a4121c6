"""Use cases: one function per command, event or query; ports come in as arguments."""
