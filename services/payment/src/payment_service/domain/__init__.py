"""The payment domain: pure Python, no I/O, no AWS."""
