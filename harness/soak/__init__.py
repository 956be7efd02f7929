"""Soak: many runs of one implementation in child processes, and what changed between them."""
