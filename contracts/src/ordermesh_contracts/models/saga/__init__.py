"""Generated models of ordermesh.saga."""
