"""The reference shares no run of code with the running interpreter's own socket.py.

Both files are reduced to normalised logical lines: blank lines, comments, docstrings and
import statements are dropped, whitespace (indentation included) is folded, and string
literals are compared by value, so a change of quote style or a reworded comment does not
hide a copied statement. Any run of RUN or more consecutive identical lines fails, and the
message names both places.

Run it on one Python with ``python -m pytest tests/test_reference_independent.py``, on every
Python with ``tox -e independence`` (see tox.ini), or print the runs between any two files
with ``python tests/test_reference_independent.py REFERENCE OTHER``.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import sys
import tokenize
from pathlib import Path
from typing import Dict, List, NamedTuple, Tuple

REFERENCE = Path(__file__).resolve().parent.parent / "implementations" / "reference" / "socket.py"
RUN = 6

# Data that must be identical to the standard module's is not code: a statement that only
# puts literal values into `__all__` or the Windows `errorTab` (its names are these and its
# other tokens literals or operators) is left out of the comparison.
DATA_NAMES = {"__all__", "errorTab", "append", "extend"}

_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


class Line(NamedTuple):
    text: str  # the normalised statement
    first: int  # its physical lines in the file
    last: int


def _string_key(source: str) -> str:
    """A string literal by value; an f-string by its text without prefix and quotes."""
    try:
        return repr(ast.literal_eval(source))
    except (ValueError, SyntaxError):
        body = source.lstrip("fFrRbBuU")
        quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
        return "f" + repr(body[len(quote):len(body) - len(quote)])


def _tokens(text: str):
    """(kind, normalised text, row) for each token; an f-string is one STRING token."""
    lines = text.splitlines(keepends=True)
    stream = tokenize.generate_tokens(io.StringIO(text).readline)
    for tok in stream:
        if tok.type in _SKIPPED:
            continue
        if _FSTRING_START is not None and tok.type == _FSTRING_START:
            depth, start = 1, tok.start
            while depth:
                inner = next(stream)
                depth += {_FSTRING_START: 1, _FSTRING_END: -1}.get(inner.type, 0)
            end = inner.end
            chunk = "".join(lines[start[0] - 1:end[0]])
            chunk = chunk[start[1]:len(chunk) - len(lines[end[0] - 1]) + end[1]]
            yield tokenize.STRING, _string_key(chunk), start[0]
        elif tok.type == tokenize.STRING:
            yield tok.type, _string_key(tok.string), tok.start[0]
        else:
            yield tok.type, tok.string, tok.start[0]


def _is_data(statement) -> bool:
    return all(kind in (tokenize.STRING, tokenize.NUMBER, tokenize.OP)
               or (kind == tokenize.NAME and text in DATA_NAMES)
               for kind, text, _ in statement)


def normalise(text: str) -> List[Line]:
    """The file's logical lines that count, each as one normalised string."""
    result: List[Line] = []
    statement: list = []
    for kind, value, row in _tokens(text):
        if kind != tokenize.NEWLINE:
            statement.append((kind, value, row))
            continue
        if not statement:
            continue
        kinds = {k for k, _, _ in statement}
        first_word = statement[0][1] if statement[0][0] == tokenize.NAME else ""
        if kinds == {tokenize.STRING}:  # a docstring or another bare string
            pass
        elif first_word in ("import", "from"):
            pass
        elif _is_data(statement):
            pass
        else:
            words = " ".join(v for _, v, _ in statement)
            result.append(Line(words, statement[0][2], statement[-1][2]))
        statement = []
    return result


class Run(NamedTuple):
    length: int
    ours: Tuple[int, int]  # first and last physical line
    theirs: Tuple[int, int]
    sample: str


def common_runs(ours: List[Line], theirs: List[Line], minimum: int = RUN) -> List[Run]:
    """Every maximal run of at least *minimum* identical consecutive lines."""
    where: Dict[str, List[int]] = {}
    for j, line in enumerate(theirs):
        where.setdefault(line.text, []).append(j)
    runs = []
    for i, line in enumerate(ours):
        for j in where.get(line.text, ()):
            if i and j and ours[i - 1].text == theirs[j - 1].text:
                continue  # inside a run that starts earlier
            n = 0
            while (i + n < len(ours) and j + n < len(theirs)
                   and ours[i + n].text == theirs[j + n].text):
                n += 1
            if n >= minimum:
                runs.append(Run(n, (ours[i].first, ours[i + n - 1].last),
                                (theirs[j].first, theirs[j + n - 1].last), line.text))
    return runs


def describe(runs: List[Run], ours: Path, theirs: Path) -> str:
    return "\n".join(
        f"{r.length} identical lines: {ours}:{r.ours[0]}-{r.ours[1]} and "
        f"{theirs}:{r.theirs[0]}-{r.theirs[1]} (starting with: {r.sample[:70]})"
        for r in runs)


def compare(ours: Path, theirs: Path) -> List[Run]:
    return common_runs(normalise(ours.read_text(encoding="utf-8")),
                       normalise(theirs.read_text(encoding="utf-8")))


def interpreter_socket_py() -> Path:
    origin = Path(importlib.util.find_spec("socket").origin).resolve()
    assert origin != REFERENCE.resolve(), "`socket` resolves to the reference (PYTHONPATH?)"
    return origin


# --- the check --------------------------------------------------------------------


def test_reference_shares_no_run_with_this_pythons_socket_py():
    theirs = interpreter_socket_py()
    runs = compare(REFERENCE, theirs)
    assert not runs, f"{len(runs)} runs of {RUN}+ lines:\n" + describe(runs, REFERENCE, theirs)


# --- the check's own checks: it can fail -----------------------------------------


def test_a_copied_block_is_found_and_both_places_named(tmp_path):
    theirs = interpreter_socket_py()
    text = theirs.read_text(encoding="utf-8")
    # The standard module's own code, re-indented, re-quoted and with its comments
    # changed, is still the same code.
    copied = "\n".join("    " + line.replace("# ", "# note: ") for line in text.splitlines())
    copied = "class Wrapper:\n" + copied.replace("'", '"') + "\n"
    copy = tmp_path / "copy.py"
    try:
        ast.parse(copied)
    except SyntaxError:  # a quote swap broke a literal: keep the quotes
        copied = "class Wrapper:\n" + "\n".join("    " + line for line in text.splitlines())
    copy.write_text(copied, encoding="utf-8")
    runs = compare(copy, theirs)
    assert runs and max(r.length for r in runs) > 50
    message = describe(runs, copy, theirs)
    assert f"{copy}:" in message and f"{theirs}:" in message


def test_normalising_drops_what_does_not_count():
    text = (
        'import os\n'
        'from sys import path\n'
        '"""Module docstring."""\n'
        '\n'
        '# a comment\n'
        'def f(a,   b):\n'
        "    '''Docstring.'''\n"
        "    return {'k': a}  # trailing\n"
        '__all__ = ["f", "g"]\n'
        'errorTab[10004] = "Interrupted."\n'
        'x = (1,\n'
        '     2)\n'
    )
    lines = normalise(text)
    assert [line.text for line in lines] == [
        "def f ( a , b ) :", "return { 'k' : a }", "x = ( 1 , 2 )"]
    assert (lines[-1].first, lines[-1].last) == (11, 12)
    assert normalise('y = "a" "b"\n')[0].text == normalise("y = 'a' 'b'\n")[0].text
    assert normalise('y = f"{a!r}"\n')[0].text == normalise("y = f'{a!r}'\n")[0].text


def test_runs_below_the_threshold_pass():
    ours = [Line(f"stmt{i}", i, i) for i in range(20)]
    theirs = ours[:RUN - 1] + [Line("other", 99, 99)] + ours[RUN:2 * RUN - 1]
    assert common_runs(ours, theirs) == []
    assert [r.length for r in common_runs(ours, ours[3:3 + RUN])] == [RUN]


if __name__ == "__main__":
    first = Path(sys.argv[1]) if len(sys.argv) > 1 else REFERENCE
    second = Path(sys.argv[2]) if len(sys.argv) > 2 else interpreter_socket_py()
    found = compare(first, second)
    print(describe(found, first, second) or "no runs")
    print(f"{len(found)} runs, {sum(r.length for r in found)} lines in runs")
    sys.exit(1 if found else 0)
