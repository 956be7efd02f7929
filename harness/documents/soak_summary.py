"""The soak summary document (schema ``sockspec-soak``, described in docs/reliability.md):
its reader, and the flaky marks the report takes from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, Tuple

SCHEMA = "sockspec-soak"
SCHEMA_VERSION = 1
SUMMARY_KEYS = ("implementation", "runs_requested", "runs", "flaky", "leaks", "unexpected")


class SoakError(ValueError):
    """A soak summary that cannot be used; the message names the file."""


def read_summary(path: Path) -> Dict[str, Any]:
    """A soak summary, validated; SoakError names the file and the fault."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SoakError(f"{path}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SoakError(f"{path}: not a JSON document") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise SoakError(f"{path}: not a sockspec soak summary")
    if document.get("schema_version") != SCHEMA_VERSION:
        raise SoakError(f"{path}: unsupported schema_version {document.get('schema_version')!r} "
                        f"(this harness reads {SCHEMA_VERSION})")
    lacking = [key for key in SUMMARY_KEYS if key not in document]
    if lacking:
        raise SoakError(f"{path}: lacks {', '.join(lacking)}")
    for index, entry in enumerate(document["flaky"]):
        if not isinstance(entry, dict) or not {"id", "rate", "outcomes", "runs"} <= set(entry):
            raise SoakError(f"{path}: flaky[{index}] lacks id, rate, outcomes or runs")
    if document.get("complete") is not True:
        raise SoakError(f"{path}: incomplete (no 'complete')")
    return document


def flaky_marks(paths: Iterable[Path]) -> Dict[Tuple[str, str], Dict[str, Any]]:
    """{(implementation name, spec id): mark} from soak summaries, for the report.

    A mark is ``{"rate", "runs", "outcomes", "usual", "text", "summary"}``; ``text`` is a
    short label such as ``flaky: timeout 1/20``. When several summaries name the same spec,
    the higher rate wins.
    """
    marks: Dict[Tuple[str, str], Dict[str, Any]] = {}
    for path in paths:
        summary = read_summary(path)
        name = summary["implementation"].get("name") or summary.get("impl_argument", "?")
        for entry in summary["flaky"]:
            odd = ", ".join(f"{o} {n}/{entry['runs']}" for o, n in entry["outcomes"].items()
                            if o != entry.get("usual"))
            mark = {
                "rate": entry["rate"],
                "runs": entry["runs"],
                "outcomes": entry["outcomes"],
                "usual": entry.get("usual"),
                "text": f"flaky: {odd}" if odd else "flaky",
                "summary": str(path),
            }
            key = (name, entry["id"])
            if key not in marks or marks[key]["rate"] < mark["rate"]:
                marks[key] = mark
    return marks
