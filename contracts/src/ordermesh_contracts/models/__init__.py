"""Generated pydantic models of every event contract."""
