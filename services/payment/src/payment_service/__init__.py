"""ordermesh payment service."""
