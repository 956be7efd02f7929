"""``python -m harness soak``."""

from __future__ import annotations


def register(commands) -> None:
    """Add the ``soak`` sub-command to the CLI's sub-parsers."""
