"""Results files: one JSON document per run (schema in docs/results.md).

Write atomically (a crash never leaves half a file), read with validation that
names the file and what is wrong with it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, List

from harness.documents.text import read_text
from harness.model import outcomes

SCHEMA = "sockspec-results"
SCHEMA_VERSION = 1

RUN_INFO_KEYS = (
    "os", "os_release", "arch", "python_implementation", "python_version", "implementation",
    "harness_version", "git_revision", "capabilities", "persona", "start", "end", "workers",
)
SPEC_KEYS = ("id", "nodeid", "area", "elements", "outcome", "duration", "fingerprint", "message")


class ResultsError(ValueError):
    """A results file that cannot be used; the message names the file."""


def write(path: Path, document: Dict[str, Any]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1, sort_keys=False)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return path


def validate(document: Any, name: str) -> Dict[str, Any]:
    """Check the shape of a results document; ResultsError names ``name`` and the fault."""
    if not isinstance(document, dict):
        raise ResultsError(f"{name}: not a sockspec results document (top level is not an object)")
    if document.get("schema") != SCHEMA:
        raise ResultsError(f"{name}: not a sockspec results document (schema {document.get('schema')!r})")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ResultsError(
            f"{name}: unsupported schema_version {version!r} (this harness reads {SCHEMA_VERSION})"
        )
    run_info = document.get("run_info")
    if not isinstance(run_info, dict):
        raise ResultsError(f"{name}: missing run_info")
    missing = [k for k in RUN_INFO_KEYS if k not in run_info]
    if missing:
        raise ResultsError(f"{name}: run_info lacks {', '.join(missing)}")
    specs = document.get("specs")
    if not isinstance(specs, list):
        raise ResultsError(f"{name}: missing the list of specs")
    for index, record in enumerate(specs):
        if not isinstance(record, dict):
            raise ResultsError(f"{name}: specs[{index}] is not an object")
        lacking = [k for k in SPEC_KEYS if k not in record]
        if lacking:
            raise ResultsError(f"{name}: specs[{index}] lacks {', '.join(lacking)}")
        if record["outcome"] not in outcomes.ALL:
            raise ResultsError(f"{name}: specs[{index}] has unknown outcome {record['outcome']!r}")
    if document.get("complete") is not True:
        raise ResultsError(f"{name}: the run did not finish writing its results (no 'complete')")
    return document


def read(path: Path) -> Dict[str, Any]:
    path = Path(path)
    text = read_text(path, ResultsError)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        state = "truncated" if cut else "not valid JSON"
        raise ResultsError(f"{path}: {state} (line {exc.lineno}, column {exc.colno})") from None
    return validate(document, str(path))


def counts(records: List[Dict[str, Any]]) -> Dict[str, int]:
    tally = {outcome: 0 for outcome in outcomes.ALL}
    for record in records:
        tally[record["outcome"]] = tally.get(record["outcome"], 0) + 1
    return tally


def unexpected(records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [r for r in records if r["outcome"] in outcomes.UNEXPECTED]


def document(run_info: Dict[str, Any], records: List[Dict[str, Any]],
             stale: List[Dict[str, Any]]) -> Dict[str, Any]:
    """A complete results document from a run's facts, its spec records and its stale entries
    (each ``{"spec", "line", "file"}``)."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "run_info": run_info,
        "summary": counts(records),
        "specs": records,
        "stale_expectations": stale,
        "complete": True,
    }
