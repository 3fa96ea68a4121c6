"""Seeded, labelled scenarios of traffic and incidents, and how well detection does on them."""
