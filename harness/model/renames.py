"""Spec ids that changed: ``specs/renamed.toml`` maps each old id to its new one.

An adopter's expectations file outlives our refactorings. An entry that names an old id still
describes the spec it was written for, so loading follows the rename (:func:`follow`) and the
run says where the entry is and what its id is now, instead of calling it stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

from harness.model import toml
from harness.model.paths import ROOT

RENAMES_FILE = ROOT / "specs" / "renamed.toml"


class RenamesError(ValueError):
    """A malformed renames file; the message names the file (and line where TOML gives one)."""


def load(path: Optional[Path] = None) -> Dict[str, str]:
    """Old id -> new id. A chain (a -> b, b -> c) resolves to its end."""
    path = Path(path) if path is not None else RENAMES_FILE
    if not path.exists():
        return {}
    try:
        data = toml.loads(path.read_text(encoding="utf-8"))
    except toml.TOMLDecodeError as exc:
        raise RenamesError(f"{path}: {exc}") from None
    table = data.get("renamed", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise RenamesError(f"{path}: [renamed] must map old spec ids to new spec ids (strings)")
    resolved = {}
    for old in table:
        seen, new = {old}, table[old]
        while new in table:
            if new in seen:
                raise RenamesError(f"{path}: the renames of {old!r} run in a circle")
            seen.add(new)
            new = table[new]
        resolved[old] = new
    return resolved
