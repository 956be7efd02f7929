"""Mutants known to behave exactly like the original: left out of the score.

An implementation's folder may hold ``equivalent-mutants.toml``::

    [equivalent]
    "0123456789ab" = "why no program can tell this mutant from the original"

Keys are mutant ids (``python -m harness mutate`` prints and records them), values a reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

from harness.model import toml

FILE_NAME = "equivalent-mutants.toml"
_ID = re.compile(r"^[0-9a-f]{12}$")


class EquivalentsError(Exception):
    """A malformed equivalents file; one line naming it."""


def lines(path: Path) -> Dict[str, int]:
    """{mutant id: the line of the file that lists it}."""
    found = {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return found
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r'\s*["\']?([0-9a-f]{12})["\']?\s*=', line)
        if match:
            found.setdefault(match.group(1), number)
    return found


def load(path: Path) -> Dict[str, str]:
    """{mutant id: reason}; an absent file is an empty table."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = toml.loads(path.read_text(encoding="utf-8"))
    except toml.TOMLDecodeError as exc:
        raise EquivalentsError(f"{path}: malformed TOML: {exc}") from None
    where = lines(path)
    table = data.get("equivalent", {})
    unknown = sorted(set(data) - {"equivalent"})
    if unknown:
        raise EquivalentsError(f"{path}: unknown key {unknown[0]!r} (only [equivalent])")
    if not isinstance(table, dict):
        raise EquivalentsError(f"{path}: [equivalent] must be a table")
    for key, reason in table.items():
        if not _ID.match(key):
            raise EquivalentsError(f"{path}: {key!r} is not a mutant id (12 hex digits)")
        if not isinstance(reason, str) or not reason.strip():
            raise EquivalentsError(f"{path}:{where.get(key, 0)}: mutant {key}: the reason must "
                                   "be a non-empty string")
    return dict(table)
