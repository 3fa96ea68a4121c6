"""Generated models of ordermesh.inventory."""
