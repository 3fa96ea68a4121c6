"""The data lake on the local runtime: delivery streams writing Parquet, and SQL over it."""
