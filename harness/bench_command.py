"""``python -m harness bench``."""

from __future__ import annotations


def register(commands) -> None:
    """Add the ``bench`` sub-command to the CLI's sub-parsers."""
