"""``python -m harness replay``: re-run a failed property spec from its recorded example."""

from __future__ import annotations


def register(commands) -> None:
    """Add the ``replay`` sub-command to the CLI's sub-parsers."""
