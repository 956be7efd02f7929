"""Known failures of an implementation, read from its ``expectations.toml``.

Format 2 (``format = 2`` at the top) names each *cause* once and lets spec entries refer to
it::

    format = 2

    [causes.no-fallback-socketpair]
    reason = "the peer check (gh-122133) was backported in 3.12.5"
    link = "https://github.com/python/cpython/issues/122133"
    python = "<3.12.5"
    fingerprint = { exception = "AttributeError" }

    [specs]
    socketpair_fallback_rejects_interloper = { cause = "no-fallback-socketpair" }
    "sendfile_os_pipe_sends_nothing" = { cause = "x", fingerprint = { exception = "OSError" } }
    two_causes = [{ cause = "a", python = "<3.11" }, { cause = "b" }]

A cause holds ``reason``, ``link``, conditions and a fingerprint. A spec entry names its
``cause`` (or, instead, carries its own ``reason`` and ``link``); its own condition keys and
fingerprint replace the cause's keys of the same name, so one spec can add a ``python``
condition or expect another errno.

Format 1 (no ``format`` key) has spec ids as top-level keys, each with its own reason and
link::

    [socketpair_fallback_rejects_interloper]
    reason = "the peer check (gh-122133) was backported in 3.12.5"
    link = "https://github.com/python/cpython/issues/122133"
    python = "<3.12.5"

Conditions (all optional, all must hold): ``os`` (list of sys.platform
prefixes), ``python`` (PEP 440 specifier on the running Python, or a list of
them of which any may match: one per line of Python, for a backported fix),
``python_implementation`` (list, e.g. ``["pypy"]``), ``implementation``
(specifier on the implementation's version), ``persona`` (list). An item of a list that
starts with ``!`` excludes that value instead: ``persona = ["!windows"]`` holds under every
persona but ``windows``, ``os = ["!win"]`` on every system but Windows.

A reason or link that still holds :data:`PLACEHOLDER` (as ``update-expectations`` writes
for a new cause) fails validation: no file is used before a person has explained each entry.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from harness.model import toml
from harness.model.versions import specifier_set, version_matches

CONDITION_KEYS = ("os", "python", "python_implementation", "implementation", "persona")
ENTRY_KEYS = {"reason", "link", "fingerprint", *CONDITION_KEYS}
LIST_KEYS = ("os", "python_implementation", "persona")
SPECIFIER_KEYS = ("python", "implementation")
FINGERPRINT_KEYS = {"exception", "errno"}
FORMATS = (1, 2)
#: What update-expectations writes where a person must explain the failure.
PLACEHOLDER = "FILL IN"


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
    cause: Optional[str] = None
    #: the file the entry was read from
    path: Optional[Path] = dataclasses.field(default=None, compare=False)
    #: the id the file names, when that id was renamed to ``spec_id`` (harness.model.renames)
    renamed_from: Optional[str] = dataclasses.field(default=None, compare=False)

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
            "cause": self.cause,
            "conditions": dict(self.conditions),
            "fingerprint": dict(self.fingerprint) if self.fingerprint else None,
        }


def _list_matches(key: str, wanted: Iterable[str], actual: str) -> bool:
    """Whether ``actual`` is one of the names ``wanted`` lists (``os``: a prefix of it) and
    none of those it excludes with a leading ``!``; a list of exclusions only lets every
    other value through."""
    def named(item: str) -> bool:
        return actual.startswith(item) if key == "os" else actual == item

    wanted = list(wanted)
    chosen = [item for item in wanted if not item.startswith("!")]
    excluded = [item[1:] for item in wanted if item.startswith("!")]
    return (not chosen or any(named(item) for item in chosen)) and \
        not any(named(item) for item in excluded)


class Expectations:
    def __init__(self, path: Optional[Path], entries: List[KnownFailure],
                 paths: Sequence[Path] = ()):
        self.path = path
        #: every file the entries came from (one, or several merged with :func:`load_all`)
        self.paths = list(paths) if paths else ([path] if path else [])
        self.entries = entries
        self._by_spec: Dict[str, List[KnownFailure]] = {}
        for entry in entries:
            self._by_spec.setdefault(entry.spec_id, []).append(entry)

    def lookup(self, spec_id: str, context: Mapping[str, str],
               actual: Optional[Mapping[str, Optional[str]]] = None) -> Optional[KnownFailure]:
        """The first entry that applies here; of several, the first whose fingerprint matches
        the failure ``actual`` (one known failure may show in more than one way)."""
        applicable = [e for e in self._by_spec.get(spec_id, ()) if e.applies(context)]
        for entry in applicable:
            if actual is not None and entry.matches_failure(actual):
                return entry
        return applicable[0] if applicable else None

    def follow(self, renames: Mapping[str, str]) -> Expectations:
        """The same entries, those under a renamed spec id moved to its new id."""
        if not any(entry.spec_id in renames for entry in self.entries):
            return self
        entries = [
            dataclasses.replace(entry, spec_id=renames[entry.spec_id], renamed_from=entry.spec_id)
            if entry.spec_id in renames else entry
            for entry in self.entries
        ]
        return Expectations(self.path, entries, paths=self.paths)

    def renamed(self) -> List[KnownFailure]:
        """Entries the file names by an old id (their ``renamed_from``)."""
        return [e for e in self.entries if e.renamed_from is not None]

    def stale(self, known_ids: Iterable[str]) -> List[KnownFailure]:
        """Entries naming a spec id that does not exist in the suite."""
        ids = set(known_ids)
        return [e for e in self.entries if e.spec_id not in ids]


EMPTY = Expectations(None, [])


class _Locator:
    """Finds the line of a table, an entry or a key inside it, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    @staticmethod
    def _name(name: str) -> str:
        return r'\s*(["\']?)' + re.escape(name) + r"\1\s*"

    def header(self, names: Sequence[str], occurrence: int = 0) -> Optional[int]:
        """The line of ``[a.b]`` (or ``[[a.b]]``), the ``occurrence``-th one."""
        dotted = r"\.".join(self._name(name).replace(r"\1", f"\\{i + 1}")
                            for i, name in enumerate(names))
        pattern = re.compile(r"^\s*\[\[?" + dotted + r"\]\]?\s*(#.*)?$")
        seen = 0
        for number, line in enumerate(self.lines, 1):
            if pattern.match(line):
                if seen == occurrence:
                    return number
                seen += 1
        return None

    def inline(self, name: str, start: int = 1) -> Optional[int]:
        """The first line from ``start`` on that assigns ``name = ...``."""
        pattern = re.compile(r"^" + self._name(name) + r"=")
        for number in range(max(start, 1), len(self.lines) + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return None

    def entry(self, table: Sequence[str], name: str, occurrence: int) -> int:
        """Where the entry ``name`` of ``table`` (``()`` for the top level) starts."""
        found = self.header([*table, name], occurrence)
        if found is not None:
            return found
        start = self.header(table) if table else 1
        return self.inline(name, start or 1) or start or 1

    def key(self, start: int, key: str) -> int:
        pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=|[{,]\s*" + re.escape(key) + r"\s*=")
        for number in range(start, len(self.lines) + 1):
            if number > start and self.lines[number - 1].lstrip().startswith("["):
                break
            if pattern.search(self.lines[number - 1]):
                return number
        return start


class _Checker:
    """Validates one file's tables; every error names the file and the line."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.locator = _Locator(text)

    def fail(self, line: int, message: str) -> ExpectationsError:
        return ExpectationsError(f"{self.path}:{line}: {message}")

    def keys(self, line: int, raw: Mapping[str, Any], allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in raw:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.fail(self.locator.key(line, key), f"unknown key {key!r} (known: {known})")

    def text(self, line: int, raw: Mapping[str, Any], key: str, owner: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(line, f"{owner} needs a non-empty {key!r}")
        if PLACEHOLDER in value:
            raise self.fail(self.locator.key(line, key),
                            f"{owner} still has the placeholder {key!r}: say why it fails")
        return value.strip()

    def conditions(self, line: int, raw: Mapping[str, Any]) -> Dict[str, Any]:
        for key in LIST_KEYS:
            value = raw.get(key)
            if value is not None and not (
                isinstance(value, list) and value
                and all(isinstance(v, str) and v.lstrip("!") for v in value)
            ):
                raise self.fail(self.locator.key(line, key), f"{key!r} must be a list of strings")
        for key in SPECIFIER_KEYS:
            value = raw.get(key)
            if value is None:
                continue
            choices = value if isinstance(value, list) and value else [value]
            for choice in choices:
                try:
                    specifier_set(choice if isinstance(choice, str) else "?")
                except ValueError as exc:
                    raise self.fail(self.locator.key(line, key), f"{key!r}: {exc}") from None
        return {k: raw[k] for k in CONDITION_KEYS if k in raw}

    def fingerprint(self, line: int, raw: Mapping[str, Any]) -> Optional[Dict[str, str]]:
        fingerprint = raw.get("fingerprint")
        if fingerprint is None:
            return None
        where = self.locator.key(line, "fingerprint")
        if not isinstance(fingerprint, dict) or not fingerprint:
            raise self.fail(where, "'fingerprint' must be a table with 'exception' and/or 'errno'")
        for key, value in fingerprint.items():
            if key not in FINGERPRINT_KEYS or not isinstance(value, str):
                raise self.fail(where, f"fingerprint key {key!r} must be one of "
                                "'exception', 'errno' with a string value")
        return dict(fingerprint)

    def table(self, line: int, raw: Any, owner: str) -> Mapping[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(line, f"{owner} must be a table")
        return raw

    # -- format 1 --------------------------------------------------------------------------

    def format1(self, data: Mapping[str, Any]) -> List[KnownFailure]:
        entries = []
        for spec_id, value in data.items():
            for index, raw in enumerate(value if isinstance(value, list) else [value]):
                line = self.locator.entry((), spec_id, index)
                owner = f"entry for {spec_id!r}"
                raw = self.table(line, raw, owner)
                self.keys(line, raw, ENTRY_KEYS)
                entries.append(KnownFailure(
                    spec_id=spec_id,
                    reason=self.text(line, raw, "reason", owner),
                    link=self.text(line, raw, "link", owner),
                    line=line,
                    conditions=self.conditions(line, raw),
                    fingerprint=self.fingerprint(line, raw),
                    path=self.path,
                ))
        return entries

    # -- format 2 --------------------------------------------------------------------------

    def format2(self, data: Mapping[str, Any]) -> List[KnownFailure]:
        for key in data:
            if key not in ("format", "causes", "specs"):
                line = self.locator.entry((), key, 0)
                raise self.fail(line, f"unknown top-level key {key!r} in a format-2 file "
                                "(known: format, causes, specs)")
        causes = {}
        causes_line = self.locator.header(["causes"]) or 1
        for name, raw in self.table(causes_line, data.get("causes", {}), "'causes'").items():
            line = self.locator.entry(("causes",), name, 0)
            owner = f"cause {name!r}"
            raw = self.table(line, raw, owner)
            self.keys(line, raw, ENTRY_KEYS)
            causes[name] = (
                self.text(line, raw, "reason", owner), self.text(line, raw, "link", owner),
                self.conditions(line, raw), self.fingerprint(line, raw),
            )
        specs_line = self.locator.header(["specs"]) or 1
        entries = []
        for spec_id, value in self.table(specs_line, data.get("specs", {}), "'specs'").items():
            for index, raw in enumerate(value if isinstance(value, list) else [value]):
                entries.append(self._spec_entry(spec_id, index, raw, causes))
        return entries

    def _spec_entry(self, spec_id: str, index: int, raw: Any, causes) -> KnownFailure:
        line = self.locator.entry(("specs",), spec_id, index)
        owner = f"entry for {spec_id!r}"
        raw = self.table(line, raw, owner)
        self.keys(line, raw, ENTRY_KEYS | {"cause"})
        conditions = self.conditions(line, raw)
        fingerprint = self.fingerprint(line, raw)
        name = raw.get("cause")
        if name is None:
            return KnownFailure(
                spec_id=spec_id, reason=self.text(line, raw, "reason", owner),
                link=self.text(line, raw, "link", owner), line=line, conditions=conditions,
                fingerprint=fingerprint, path=self.path,
            )
        where = self.locator.key(line, "cause")
        if not isinstance(name, str) or name not in causes:
            known = ", ".join(sorted(causes)) or "none"
            raise self.fail(where, f"{owner} names an unknown cause {name!r} (known: {known})")
        for key in ("reason", "link"):
            if key in raw:
                raise self.fail(self.locator.key(line, key),
                                f"{owner} names a cause and has its own {key!r}: keep one")
        reason, link, cause_conditions, cause_fingerprint = causes[name]
        return KnownFailure(
            spec_id=spec_id, reason=reason, link=link, line=line,
            conditions={**cause_conditions, **conditions},
            fingerprint=fingerprint if fingerprint is not None else cause_fingerprint,
            cause=name, path=self.path,
        )


def _read(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ExpectationsError(f"{path}: cannot read: {exc.strerror}") from None


def _parse(path: Path, text: str) -> Dict[str, Any]:
    try:
        return toml.loads(text)
    except toml.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = match.group(1) if match else "1"
        raise ExpectationsError(f"{path}:{line}: malformed TOML: {exc}") from None


def file_format(path: Path, data: Mapping[str, Any], locator: Optional[_Locator] = None) -> int:
    """1 or 2: the format a parsed expectations file declares (1 when it says nothing)."""
    version = data.get("format", 1)
    if isinstance(version, bool) or version not in FORMATS:
        line = (locator.inline("format") if locator else None) or 1
        known = ", ".join(map(str, FORMATS))
        raise ExpectationsError(f"{path}:{line}: unknown expectations format {version!r} "
                                f"(known: {known})")
    return version


def load(path: Optional[Path]) -> Expectations:
    """Read and validate an expectations file; ExpectationsError names file and line."""
    if path is None:
        return EMPTY
    path = Path(path)
    text = _read(path)
    data = _parse(path, text)
    checker = _Checker(path, text)
    if file_format(path, data, checker.locator) == 2:
        entries = checker.format2(data)
    else:
        entries = checker.format1(data)
    return Expectations(path, entries)


def load_all(paths: Iterable[Optional[Path]]) -> Expectations:
    """Several expectations files as one: an implementation's own file and a user's.

    For a spec, the entries of the later files come first, so a user's file can describe a
    failure that the implementation's own file describes differently."""
    loaded = [load(p) for p in paths if p is not None]
    if not loaded:
        return EMPTY
    if len(loaded) == 1:
        return loaded[0]
    entries = [entry for known in reversed(loaded) for entry in known.entries]
    files = [p for known in loaded for p in known.paths]
    return Expectations(files[-1], entries, paths=files)
