"""Which specs a run was asked for: the whole suite, or a part of it (files, node ids, -k, -m,
deselected ids). The results file records it, so that a partial run is never read as a full
one."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

from harness.model.paths import ROOT


def _relative(argument: str) -> str:
    path, sep, rest = argument.partition("::")
    try:
        shown = Path(path).resolve().relative_to(ROOT.resolve()).as_posix()
    except ValueError:
        shown = path
    return shown + sep + rest


def describe(config) -> Dict[str, Any]:
    """{"full", "paths", "keyword", "markexpr", "deselect"} of a pytest run."""
    paths = [str(a) for a in config.args]
    keyword = getattr(config.option, "keyword", "") or ""
    markexpr = getattr(config.option, "markexpr", "") or ""
    deselect = list(getattr(config.option, "deselect", None) or [])
    specs = (Path(str(config.rootpath)) / "specs").resolve()
    whole = bool(paths) and all("::" not in p and Path(p).resolve() == specs for p in paths)
    return {
        "full": whole and not keyword and not markexpr and not deselect,
        "paths": [_relative(p) for p in paths],
        "keyword": keyword or None,
        "markexpr": markexpr or None,
        "deselect": deselect,
    }


def summary(chosen: Dict[str, Any]) -> str:
    """One line for people: what a partial run ran."""
    if chosen.get("full"):
        return "every spec"
    parts = [", ".join(chosen.get("paths") or []) or "no paths"]
    if chosen.get("keyword"):
        parts.append(f"-k {chosen['keyword']}")
    if chosen.get("markexpr"):
        parts.append(f"-m {chosen['markexpr']}")
    if chosen.get("deselect"):
        parts.append(f"{len(chosen['deselect'])} deselected")
    return "; ".join(parts)
