"""What a failing hypothesis property left in its report: the shrunk example and how to replay it."""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

_BLOB = re.compile(r"@reproduce_failure\((?P<args>[^)]*)\)")
_SEED = re.compile(r"@seed\((?P<seed>\d+)\)")
_EXAMPLE = re.compile(r"Falsifying (?:explicit )?example: (?P<example>.*?)(?:\n\S|\Z)", re.S)


def hypothesis_details(report) -> Optional[Dict[str, Any]]:
    """{'example', 'reproduce', 'seed'} found in a failed report's text, or None."""
    text = str(getattr(report, "longrepr", "") or "")
    for _title, content in getattr(report, "sections", ()):
        text += "\n" + content
    if "Falsifying" not in text and "reproduce_failure" not in text:
        return None
    example = _EXAMPLE.search(text)
    blob = _BLOB.search(text)
    seed = _SEED.search(text)
    return {
        "example": example.group("example").strip() if example else None,
        "reproduce": blob.group(0) if blob else None,
        "seed": int(seed.group("seed")) if seed else None,
    }
