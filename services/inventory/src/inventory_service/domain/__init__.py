"""The inventory domain: stock per SKU and all-or-nothing reservations. Pure Python, no I/O."""
