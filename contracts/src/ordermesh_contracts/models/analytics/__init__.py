"""Generated models of ordermesh.analytics."""
