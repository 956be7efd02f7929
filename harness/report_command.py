"""``python -m harness report``: merge results files into one HTML page (see docs/results.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional


def register(commands) -> None:
    """Add the ``report`` sub-command to the CLI's sub-parsers."""


def write_run_report(results_path: Path) -> Optional[Path]:
    """Write the single-run report next to ``results_path``; None when there is none."""
    return None
