"""Ports of the analytics service and their implementations: in memory, SQLite and DynamoDB."""
