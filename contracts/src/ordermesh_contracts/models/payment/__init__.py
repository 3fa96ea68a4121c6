"""Generated models of ordermesh.payment."""
