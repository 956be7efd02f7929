"""Mutants known to behave exactly like the original: left out of the score.

An implementation's folder may hold ``equivalent-mutants.toml``::

    [equivalent]
    "0123456789ab" = "why no program can tell this mutant from the original"
    "ba9876543210" = {reason = "why, on these Pythons", python = ">=3.12"}

Keys are mutant ids (``python -m harness mutate`` prints and records them), values a reason,
or a table of the reason and ``python``: a PEP 440 specifier, or a list of them (any one
matching), on the Python whose source was mutated. An entry whose ``python`` does not match is
left out: the standard library's socket.py differs between Pythons, and a line one of them
lacks is neither equivalent nor stale there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from harness.model import toml, versions

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


def load(path: Path, python: Optional[str] = None) -> Dict[str, str]:
    """{mutant id: reason} of the entries that hold on ``python`` (a version; default: the
    running Python); an absent file is an empty table."""
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
    if python is None:
        python = ".".join(map(str, versions.running_python()))
    found = {}
    for key, entry in table.items():
        at = f"{path}:{where.get(key, 0)}: mutant {key}"
        if not _ID.match(key):
            raise EquivalentsError(f"{path}: {key!r} is not a mutant id (12 hex digits)")
        reason, specifiers = _entry(at, entry)
        if not specifiers or any(versions.version_matches(python, s) for s in specifiers):
            found[key] = reason
    return found


def _entry(at: str, entry) -> Tuple[str, List[str]]:
    """The reason and python specifiers of one entry (a string, or a table)."""
    specifiers: object = []
    if isinstance(entry, dict):
        extra = sorted(set(entry) - {"reason", "python"})
        if extra:
            raise EquivalentsError(f"{at}: unknown key {extra[0]!r} (reason, python)")
        reason, specifiers = entry.get("reason"), entry.get("python", [])
    else:
        reason = entry
    if not isinstance(reason, str) or not reason.strip():
        raise EquivalentsError(f"{at}: the reason must be a non-empty string")
    if isinstance(specifiers, str):
        specifiers = [specifiers]
    if not isinstance(specifiers, list) or not all(isinstance(s, str) for s in specifiers):
        raise EquivalentsError(f"{at}: python must be a version specifier or a list of them")
    for specifier in specifiers:
        try:
            versions.specifier_set(specifier)
        except ValueError as exc:
            raise EquivalentsError(f"{at}: {exc}") from None
    return reason, specifiers
