"""The analytics domain: pure Python, no AWS SDK, no powertools."""
