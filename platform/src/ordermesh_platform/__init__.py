"""ordermesh platform: shared infrastructure and the local runtime."""
