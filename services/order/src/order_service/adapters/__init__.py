"""Ports (``ports``) and their implementations: in memory (``memory``), SQLite and AWS."""
