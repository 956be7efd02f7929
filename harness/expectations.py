"""Known failures of an implementation, read from its ``expectations.toml``.

The file's top-level keys are spec ids; each maps to one entry (a table) or
several (an array of tables)::

    [socketpair_fallback_rejects_interloper]
    reason = "the peer check (gh-122133) was backported in 3.12.5"
    link = "https://github.com/python/cpython/issues/122133"
    python = "<3.12.5"
    fingerprint = { exception = "AssertionError" }

Conditions (all optional, all must hold): ``os`` (list of sys.platform
prefixes), ``python`` (PEP 440 specifier on the running Python, or a list of
them of which any may match: one per line of Python, for a backported fix),
``python_implementation`` (list, e.g. ``["pypy"]``), ``implementation``
(specifier on the implementation's version), ``persona`` (list).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

from harness import toml
from harness.versions import specifier_set, version_matches

ENTRY_KEYS = {
    "reason", "link", "os", "python", "python_implementation", "implementation",
    "persona", "fingerprint",
}
LIST_KEYS = ("os", "python_implementation", "persona")
SPECIFIER_KEYS = ("python", "implementation")
FINGERPRINT_KEYS = {"exception", "errno"}


class ExpectationsError(ValueError):
    """A malformed expectations file; the message names file and line."""


@dataclasses.dataclass(frozen=True)
class KnownFailure:
    spec_id: str
    reason: str
    link: str
    line: int
    conditions: Mapping[str, Any]
    fingerprint: Optional[Mapping[str, str]] = None

    def applies(self, context: Mapping[str, str]) -> bool:
        for key in LIST_KEYS:
            wanted = self.conditions.get(key)
            if wanted is not None and not _list_matches(key, wanted, context.get(key, "")):
                return False
        for key in SPECIFIER_KEYS:
            wanted = self.conditions.get(key)
            if wanted is None:
                continue
            choices = wanted if isinstance(wanted, list) else [wanted]
            if not any(version_matches(context.get(key, ""), choice) for choice in choices):
                return False
        return True

    def matches_failure(self, actual: Optional[Mapping[str, Optional[str]]]) -> bool:
        """Whether a failure with fingerprint ``actual`` is this known failure."""
        if self.fingerprint is None:
            return True
        if actual is None:
            return False
        return all(actual.get(key) == value for key, value in self.fingerprint.items())

    def as_dict(self) -> Dict[str, Any]:
        return {
            "reason": self.reason,
            "link": self.link,
            "conditions": dict(self.conditions),
            "fingerprint": dict(self.fingerprint) if self.fingerprint else None,
        }


def _list_matches(key: str, wanted: Iterable[str], actual: str) -> bool:
    if key == "os":
        return any(actual.startswith(prefix) for prefix in wanted)
    return actual in wanted


class Expectations:
    def __init__(self, path: Optional[Path], entries: List[KnownFailure]):
        self.path = path
        self.entries = entries
        self._by_spec: Dict[str, List[KnownFailure]] = {}
        for entry in entries:
            self._by_spec.setdefault(entry.spec_id, []).append(entry)

    def lookup(self, spec_id: str, context: Mapping[str, str]) -> Optional[KnownFailure]:
        for entry in self._by_spec.get(spec_id, ()):
            if entry.applies(context):
                return entry
        return None

    def stale(self, known_ids: Iterable[str]) -> List[KnownFailure]:
        """Entries naming a spec id that does not exist in the suite."""
        ids = set(known_ids)
        return [e for e in self.entries if e.spec_id not in ids]


EMPTY = Expectations(None, [])


class _Locator:
    """Finds the line of an entry or of a key inside it, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def header(self, spec_id: str, occurrence: int) -> int:
        pattern = re.compile(r'^\s*\[\[?\s*(["\']?)' + re.escape(spec_id) + r'\1\s*\]\]?\s*(#.*)?$')
        seen = 0
        for number, line in enumerate(self.lines, 1):
            if pattern.match(line):
                if seen == occurrence:
                    return number
                seen += 1
        return self._inline(spec_id)

    def _inline(self, spec_id: str) -> int:
        pattern = re.compile(r'^\s*(["\']?)' + re.escape(spec_id) + r"\1\s*=")
        for number, line in enumerate(self.lines, 1):
            if pattern.match(line):
                return number
        return 1

    def key(self, start: int, key: str) -> int:
        pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=|[{,]\s*" + re.escape(key) + r"\s*=")
        for number in range(start, len(self.lines) + 1):
            if number > start and self.lines[number - 1].lstrip().startswith("["):
                break
            if pattern.search(self.lines[number - 1]):
                return number
        return start


def _fail(path: Path, line: int, message: str) -> ExpectationsError:
    return ExpectationsError(f"{path}:{line}: {message}")


def _check_entry(path: Path, locator: _Locator, spec_id: str, index: int, raw: Any) -> KnownFailure:
    line = locator.header(spec_id, index)
    if not isinstance(raw, dict):
        raise _fail(path, line, f"entry for {spec_id!r} must be a table")
    for key in raw:
        if key not in ENTRY_KEYS:
            known = ", ".join(sorted(ENTRY_KEYS))
            raise _fail(path, locator.key(line, key), f"unknown key {key!r} (known: {known})")
    for key in ("reason", "link"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise _fail(path, line, f"entry for {spec_id!r} needs a non-empty {key!r}")
    for key in LIST_KEYS:
        value = raw.get(key)
        if value is not None and not (
            isinstance(value, list) and value and all(isinstance(v, str) for v in value)
        ):
            raise _fail(path, locator.key(line, key), f"{key!r} must be a list of strings")
    for key in SPECIFIER_KEYS:
        value = raw.get(key)
        if value is None:
            continue
        choices = value if isinstance(value, list) and value else [value]
        for choice in choices:
            try:
                specifier_set(choice if isinstance(choice, str) else "?")
            except ValueError as exc:
                raise _fail(path, locator.key(line, key), f"{key!r}: {exc}") from None
    fingerprint = raw.get("fingerprint")
    if fingerprint is not None:
        where = locator.key(line, "fingerprint")
        if not isinstance(fingerprint, dict) or not fingerprint:
            raise _fail(path, where, "'fingerprint' must be a table with 'exception' and/or 'errno'")
        for key, value in fingerprint.items():
            if key not in FINGERPRINT_KEYS or not isinstance(value, str):
                raise _fail(path, where, f"fingerprint key {key!r} must be one of "
                            "'exception', 'errno' with a string value")
    conditions = {k: raw[k] for k in LIST_KEYS + SPECIFIER_KEYS if k in raw}
    return KnownFailure(
        spec_id=spec_id,
        reason=raw["reason"].strip(),
        link=raw["link"].strip(),
        line=line,
        conditions=conditions,
        fingerprint=fingerprint,
    )


def load(path: Optional[Path]) -> Expectations:
    """Read and validate an expectations file; ExpectationsError names file and line."""
    if path is None:
        return EMPTY
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ExpectationsError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = match.group(1) if match else "1"
        raise ExpectationsError(f"{path}:{line}: malformed TOML: {exc}") from None
    locator = _Locator(text)
    entries = []
    for spec_id, value in data.items():
        raws = value if isinstance(value, list) else [value]
        for index, raw in enumerate(raws):
            entries.append(_check_entry(Path(path), locator, spec_id, index, raw))
    return Expectations(Path(path), entries)
