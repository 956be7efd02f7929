"""Writing expectations files: new entries from results, stale ones pruned, format 1 to 2.

``update`` is ``update-expectations``: from results files it adds an entry for every
unexpected failure (with the fingerprint observed and, when the failure is bound to some
Pythons, a ``python`` condition), reports the entries whose spec no longer fails and, when
asked, removes them. The file is edited with tomlkit, so comments and the entries it does not
touch stay as they were. New entries refer to a placeholder cause whose reason and link hold
:data:`harness.model.expectations.PLACEHOLDER`: the file fails validation until a person has
written why the specs fail. Entries under a renamed spec id (``harness.model.renames``) move
to the new id.

``migrate`` turns a format-1 file into format 2: one cause per distinct reason and link.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import tomlkit

from harness.model import outcomes
from harness.model.expectations import (
    CONDITION_KEYS,
    PLACEHOLDER,
    ExpectationsError,
    KnownFailure,
    file_format,
)
from harness.model.expectations import _Checker as Checker  # the validation both formats share
from harness.model.versions import parse_version

FORMAT2_HEADER = "format = 2\n"


@dataclasses.dataclass
class Failure:
    """One spec that failed unexpectedly, over the results given."""

    spec_id: str
    fingerprint: Optional[Dict[str, str]]
    failing: List[str]  # Python versions it failed on
    passing: List[str]  # Python versions it passed on


@dataclasses.dataclass
class Update:
    text: str
    added: List[Failure]
    stale: List[KnownFailure]
    pruned: List[KnownFailure]
    placeholder_cause: Optional[str]
    #: (old id, new id) of the keys moved
    renamed: List[Tuple[str, str]] = dataclasses.field(default_factory=list)


# -- what the results say --------------------------------------------------------------------


def _python(document: Mapping[str, Any]) -> str:
    return document["run_info"]["python_version"]


def failures(documents: Sequence[Mapping[str, Any]]) -> List[Failure]:
    """The unexpected failures in ``documents``, one per spec, with the Pythons they failed on."""
    found: Dict[str, Failure] = {}
    passed: Dict[str, List[str]] = {}
    for document in documents:
        python = _python(document)
        for record in document["specs"]:
            if record["outcome"] in (outcomes.PASS, outcomes.XPASS):
                passed.setdefault(record["id"], []).append(python)
            elif record["outcome"] == outcomes.FAIL:
                failure = found.setdefault(
                    record["id"], Failure(record["id"], record.get("fingerprint"), [], []))
                failure.failing.append(python)
    for spec_id, failure in found.items():
        failure.passing = passed.get(spec_id, [])
    return sorted(found.values(), key=lambda f: f.spec_id)


def passing_ids(documents: Sequence[Mapping[str, Any]]) -> Dict[str, bool]:
    """{spec id: True when it failed nowhere} over every spec the documents ran."""
    result: Dict[str, bool] = {}
    for document in documents:
        for record in document["specs"]:
            ok = record["outcome"] in (outcomes.PASS, outcomes.XPASS)
            result[record["id"]] = result.get(record["id"], True) and ok
    return result


def python_condition(failure: Failure) -> Optional[List[str]]:
    """None when the spec failed on every Python it ran on; else one range per failing line.

    A line (3.11) on which nothing passed gets ``==3.11.*``; a line with passing and failing
    patch releases gets the failing releases themselves."""
    if not failure.passing:
        return None
    lines: Dict[Tuple[int, ...], List[str]] = {}
    for version in failure.failing:
        lines.setdefault(parse_version(version)[:2], []).append(version)
    passing_lines = {parse_version(v)[:2] for v in failure.passing}
    condition = []
    for line, versions in sorted(lines.items()):
        if line in passing_lines:
            condition.extend(f"=={v}" for v in sorted(set(versions), key=parse_version))
        else:
            condition.append("==" + ".".join(map(str, line)) + ".*")
    return condition


# -- editing a file ------------------------------------------------------------------------


def _entry_table(failure: Failure, cause: str):
    table = tomlkit.inline_table()
    table["cause"] = cause
    if failure.fingerprint:
        fingerprint = tomlkit.inline_table()
        for key in ("exception", "errno"):
            if failure.fingerprint.get(key):
                fingerprint[key] = failure.fingerprint[key]
        if len(fingerprint):
            table["fingerprint"] = fingerprint
    condition = python_condition(failure)
    if condition:
        table["python"] = condition[0] if len(condition) == 1 else condition
    return table


def _new_cause_name(causes: Iterable[str]) -> str:
    taken = set(causes)
    number = 1
    while f"new-{number}" in taken:
        number += 1
    return f"new-{number}"


def _load_document(path: Path):
    if not path.exists():
        return tomlkit.parse(FORMAT2_HEADER), None
    text = path.read_text(encoding="utf-8")
    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ExpectationsError(f"{path}:{exc.line}: malformed TOML: {exc}") from None
    if file_format(path, document.unwrap()) != 2:
        raise ExpectationsError(
            f"{path}:1: update-expectations writes format 2; convert the file first with "
            "'update-expectations --migrate'")
    return document, text


def _entries(path: Path, text: Optional[str]) -> List[KnownFailure]:
    """The file's entries, validated the usual way but with placeholders allowed."""
    if text is None:
        return []
    unfilled = text.replace(PLACEHOLDER, "placeholder")
    return Checker(path, unfilled).format2(tomlkit.parse(unfilled).unwrap())


def _as_list(value) -> List[Any]:
    return list(value) if isinstance(value, list) else [value]


def _merge_entries(specs, spec_id: str, entries: List[Any]) -> None:
    """Put ``entries`` under ``spec_id``, after any it already has."""
    if spec_id in specs:
        entries = _as_list(specs[spec_id]) + entries
    if len(entries) == 1:
        specs[spec_id] = entries[0]
    else:
        array = tomlkit.array()
        array.extend(entries)
        specs[spec_id] = array


def _follow_renames(specs, renames: Mapping[str, str]) -> List[Tuple[str, str]]:
    moved = [(old, renames[old]) for old in list(specs) if old in renames]
    for old, new in moved:
        entries = _as_list(specs[old])
        del specs[old]
        _merge_entries(specs, new, entries)
    return moved


def update(documents: Sequence[Mapping[str, Any]], path: Path, prune: bool = False,
           renames: Optional[Mapping[str, str]] = None) -> Update:
    """Add the unexpected failures of ``documents`` to the format-2 file ``path``."""
    path = Path(path)
    renames = renames or {}
    document, text = _load_document(path)
    existing = [
        dataclasses.replace(e, spec_id=renames[e.spec_id], renamed_from=e.spec_id)
        if e.spec_id in renames else e
        for e in _entries(path, text)
    ]
    by_spec: Dict[str, List[KnownFailure]] = {}
    for entry in existing:
        by_spec.setdefault(entry.spec_id, []).append(entry)

    causes = document.setdefault("causes", tomlkit.table(is_super_table=True))
    specs = document.setdefault("specs", tomlkit.table())
    renamed = _follow_renames(specs, renames)
    added = failures(documents)
    cause = None
    if added:
        cause = _new_cause_name(causes)
        table = tomlkit.table()
        table["reason"] = f"{PLACEHOLDER}: why these specs fail"
        table["link"] = f"{PLACEHOLDER}: the upstream issue, or a note that none exists"
        causes[cause] = table
        for failure in added:
            _merge_entries(specs, failure.spec_id, [_entry_table(failure, cause)])

    clean = passing_ids(documents)
    stale = [e for e in existing if clean.get(e.spec_id) is True]
    pruned = []
    if prune:
        for spec_id in sorted({e.spec_id for e in stale}):
            if spec_id in specs:
                del specs[spec_id]
                pruned.extend(e for e in stale if e.spec_id == spec_id)
    return Update(tomlkit.dumps(document), added, stale, pruned, cause, renamed)


# -- format 1 to format 2 ---------------------------------------------------------------------


#: Words that say little in a cause's name.
_FILLER = {"the", "a", "an", "of", "to", "and", "is", "its", "it", "on", "in", "by", "for",
           "with", "that", "which", "s", "does", "not", "no", "own"}


def _words(reason: str) -> List[str]:
    return [w for w in re.findall(r"[a-z0-9_]+", reason.lower().replace("'s ", " "))
            if w not in _FILLER]


def _common_start(reasons: Sequence[str]) -> List[str]:
    """The opening words that most of the reasons share (at least half of them, and three):
    a file that opens most reasons the same way names those causes after what follows."""
    lists = [_words(r) for r in reasons]
    enough = max(3, (len(lists) + 1) // 2)
    prefix: List[str] = []
    while True:
        longer = [tuple(w[: len(prefix) + 1]) for w in lists
                  if len(w) > len(prefix) + 1 and w[: len(prefix)] == prefix]
        if not longer:
            return prefix
        best = max(set(longer), key=longer.count)
        if longer.count(best) < enough:
            return prefix
        prefix = list(best)


def _slug(reason: str, taken: Iterable[str], common: Sequence[str] = ()) -> str:
    words = _words(reason)
    if common and words[: len(common)] == list(common) and len(words) > len(common):
        words = words[len(common):]
    base = "-".join(words[:5]) or "cause"
    name, number, used = base, 2, set(taken)
    while name in used:
        name, number = f"{base}-{number}", number + 1
    return name


def _toml_value(value) -> str:
    item = tomlkit.item(value)
    if isinstance(value, dict):
        inline = tomlkit.inline_table()
        inline.update(value)
        item = inline
    return item.as_string()


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _toml_value(name)


def migrate(path: Path) -> str:
    """The format-2 text of the format-1 file ``path``: one cause per reason and link.

    A cause keeps the conditions and fingerprint that all its entries share; an entry keeps
    what is its own. Comments standing before an entry move before its cause."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = tomlkit.parse(text).unwrap()
    if file_format(path, data) != 1:
        raise ExpectationsError(f"{path}:1: already in format {data['format']}")
    entries = Checker(path, text).format1(data)
    lines = text.splitlines()
    header = []  # the opening block of comments, up to the first blank line
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)

    groups: Dict[Tuple[str, str], List[KnownFailure]] = {}
    for entry in entries:
        groups.setdefault((entry.reason, entry.link), []).append(entry)

    def comments_before(entry: KnownFailure) -> List[str]:
        found, number = [], entry.line - 1
        while number >= 1 and (lines[number - 1].startswith("#") or not lines[number - 1].strip()):
            found.insert(0, lines[number - 1])
            number -= 1
        return [c for c in found if c.startswith("#") and c not in header]

    out = [*header, "" if header else None, FORMAT2_HEADER.strip(), ""]
    out = [line for line in out if line is not None]
    names: Dict[Tuple[str, str], str] = {}
    shared: Dict[Tuple[str, str], Dict[str, Any]] = {}
    common = _common_start([reason for reason, _link in groups])
    for (reason, link), members in groups.items():
        name = _slug(reason, names.values(), common)
        names[(reason, link)] = name
        keys = {}
        for key in (*CONDITION_KEYS, "fingerprint"):
            values = [_member_value(m, key) for m in members]
            if values[0] is not None and all(v == values[0] for v in values):
                keys[key] = values[0]
        shared[(reason, link)] = keys
        comments: List[str] = []
        for member in members:
            comments.extend(c for c in comments_before(member) if c not in comments)
        out.extend(comments)
        out.append(f"[causes.{_key(name)}]")
        out.append(f"reason = {_toml_value(reason)}")
        out.append(f"link = {_toml_value(link)}")
        out.extend(f"{key} = {_toml_value(value)}" for key, value in keys.items())
        out.append("")
    out.append("[specs]")
    by_spec: Dict[str, List[str]] = {}
    for entry in entries:
        own = {"cause": names[(entry.reason, entry.link)]}
        common = shared[(entry.reason, entry.link)]
        for key in (*CONDITION_KEYS, "fingerprint"):
            value = _member_value(entry, key)
            if value is not None and key not in common:
                own[key] = value
        by_spec.setdefault(entry.spec_id, []).append(_toml_value(own))
    for spec_id, values in by_spec.items():
        value = values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"
        out.append(f"{_key(spec_id)} = {value}")
    return "\n".join(out) + "\n"


def _member_value(entry: KnownFailure, key: str):
    if key == "fingerprint":
        return dict(entry.fingerprint) if entry.fingerprint else None
    return entry.conditions.get(key)


def snippet(spec_id: str, fingerprint: Optional[Mapping[str, Optional[str]]],
            cause: str = "new-1") -> str:
    """The format-2 lines that would accept one failure: a placeholder cause and the entry."""
    failure = Failure(spec_id, dict(fingerprint) if fingerprint else None, [], [])
    causes = tomlkit.table(is_super_table=True)
    table = tomlkit.table()
    table["reason"] = f"{PLACEHOLDER}: why it fails"
    table["link"] = f"{PLACEHOLDER}: the upstream issue, or a note that none exists"
    causes[cause] = table
    document = tomlkit.document()
    document["causes"] = causes
    specs = tomlkit.table()
    specs[spec_id] = _entry_table(failure, cause)
    document["specs"] = specs
    return tomlkit.dumps(document).strip() + "\n"
