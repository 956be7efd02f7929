"""What a failing hypothesis property left behind: the shrunk example and how to replay it.

hypothesis attaches what it reports about the minimal failing example to the exception it
raises, as notes (``exc.__notes__``, one note per fragment; hypothesis sets the attribute
itself on Pythons before 3.11): the example (``Failing test case: f(x=1)``, spelled
``Falsifying example: ...`` before hypothesis 6.15x), a stateful machine's steps (one note
each after ``... <state machine>``), and ``@reproduce_failure(VERSION, BLOB)``. The seed
(``@seed(N)``) goes through hypothesis's reporter, which its pytest plugin stores in the
report's ``Hypothesis`` section. Both are read as hypothesis produced them, note by note,
not from the rendered traceback (whose lines pytest prefixes with ``E   `` and cuts).
"""

from __future__ import annotations

import ast
import re
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple

#: hypothesis's ``@reproduce_failure(VERSION, BLOB)`` line, wherever it stands in a text.
_REPRODUCE = re.compile(r"@?reproduce_failure\((?P<args>[^)]*)\)")
_SEED = re.compile(r"@seed\((?P<seed>\d+)\)")
#: How hypothesis introduces the example, by version.
_PREFIXES = ("Failing test case:", "Falsifying explicit example:", "Falsifying example:")
_STATEFUL = "<state machine>"


def _exceptions(exc: Optional[BaseException], seen: set) -> Iterator[BaseException]:
    """``exc``, then what it groups or was raised from (hypothesis may raise a Flaky error or
    an exception group that carries the notes)."""
    if exc is None or id(exc) in seen:
        return
    seen.add(id(exc))
    yield exc
    for inner in getattr(exc, "exceptions", None) or ():
        yield from _exceptions(inner, seen)
    yield from _exceptions(exc.__cause__, seen)
    yield from _exceptions(exc.__context__, seen)


def _notes(exc: Optional[BaseException]) -> List[str]:
    for candidate in _exceptions(exc, set()):
        notes = getattr(candidate, "__notes__", None)
        if isinstance(notes, list) and any(
            isinstance(n, str) and n.startswith(_PREFIXES) for n in notes
        ):
            return [n for n in notes if isinstance(n, str)]
    return []


def example_from_notes(notes: List[str]) -> Optional[str]:
    """The example hypothesis reported, as it wrote it; a stateful machine's steps joined
    by newlines."""
    for index, note in enumerate(notes):
        prefix = next((p for p in _PREFIXES if note.startswith(p)), None)
        if prefix is None:
            continue
        head = note[len(prefix):].strip()
        steps = []
        for following in notes[index + 1:]:
            if (not following.strip() or following[:1].isspace()
                    or following.startswith(("Explanation", "You can", "Unreliable"))
                    or _REPRODUCE.search(following) or _SEED.search(following)):
                break
            steps.append(following)
        if head == _STATEFUL or (not head and steps):
            return "\n".join(steps) or head or None
        return head or None
    return None


def _reporter_text(report) -> str:
    """What hypothesis's reporter printed for this test (its pytest plugin's section)."""
    return "\n".join(
        content for title, content in getattr(report, "sections", ()) or ()
        if title == "Hypothesis"
    )


def installed_version() -> Optional[str]:
    module = sys.modules.get("hypothesis")
    return getattr(module, "__version__", None) if module is not None else None


def hypothesis_details(exc: Optional[BaseException], report=None) -> Optional[Dict[str, Any]]:
    """{'example', 'reproduce', 'seed', 'hypothesis_version'} of a failed property, or None
    when hypothesis left nothing (not a property, or it was stopped before it reported)."""
    notes = _notes(exc)
    reported = _reporter_text(report)
    example = example_from_notes(notes)
    if example is None and reported:
        # Older hypothesis versions reported the example through the reporter only.
        example = example_from_notes(_split_report(reported))
    joined = "\n".join(notes)
    blob = _REPRODUCE.search(joined) or _REPRODUCE.search(reported)
    seed = _SEED.search(reported) or _SEED.search(joined)
    if example is None and blob is None and seed is None:
        return None
    return {
        "example": example,
        "reproduce": blob.group(0) if blob else None,
        "seed": int(seed.group("seed")) if seed else None,
        "hypothesis_version": installed_version(),
    }


def _split_report(text: str) -> List[str]:
    """The reporter's text cut back into fragments: each starts at an unindented line."""
    fragments: List[str] = []
    for line in text.splitlines():
        if fragments and (line[:1].isspace() or line.startswith(")")):
            fragments[-1] += "\n" + line
        else:
            fragments.append(line)
    return fragments


def parse_reproduction(text: str) -> Tuple[str, bytes]:
    """(version, blob) from ``@reproduce_failure('6.x.y', b'...')``; ValueError otherwise."""
    match = _REPRODUCE.search(text)
    if match is None:
        raise ValueError(f"not a @reproduce_failure(...) decorator: {text!r}")
    try:
        version, blob = ast.literal_eval("(" + match.group("args") + ")")
    except (ValueError, SyntaxError, TypeError):
        raise ValueError(f"cannot read the arguments of {text!r}") from None
    if not isinstance(version, str) or not isinstance(blob, bytes):
        raise ValueError(f"expected ('VERSION', b'BLOB') in {text!r}")
    return version, blob
