"""Generated models of ordermesh.order."""
