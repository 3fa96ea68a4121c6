"""Ports (abstract classes) and their implementations."""
