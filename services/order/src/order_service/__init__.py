"""ordermesh order service."""
