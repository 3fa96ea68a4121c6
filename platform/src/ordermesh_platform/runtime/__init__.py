"""The local runtime: the whole system on one machine, with AWS's semantics and SQLite state."""
