"""ordermesh analytics service."""
