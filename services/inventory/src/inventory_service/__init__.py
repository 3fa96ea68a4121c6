"""ordermesh inventory service."""
