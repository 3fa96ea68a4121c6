"""The data lake on the local runtime: delivery streams writing Parquet, and SQL over it."""

from typing import Final

LAKE_DIR: Final = "lake"  # the lake's folder under the runtime's state folder, by default
