"""ordermesh event contracts."""
