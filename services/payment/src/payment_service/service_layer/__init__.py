"""Use cases: one function per command handled, taking ports as arguments."""
