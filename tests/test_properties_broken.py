"""Each property family rejects a deliberately broken implementation that the scenario specs
of the same area let through.

A broken implementation is a copy of implementations/reference/socket.py with one small
piece replaced. The test runs the property against the copy through ``python -m harness run``
(exit 1, the property failed, its hypothesis reproduction recorded), then the scenario specs
of the areas the broken piece belongs to, against the copy and against an intact copy: the
broken copy must fail none that the intact copy passes. (Comparing with an intact copy keeps
the test true on every Python: a copy loaded from a file has the running Python's semantics,
while the reference follows 3.13.)

The property runs with the ``nightly`` profile, so that finding the bug does not depend on
the luck of a 30-example run; it stops at the first failure, so the run stays short.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import sys
from pathlib import Path
from typing import Dict, Tuple

import pytest

from tests.conftest import ROOT, run_cli

REFERENCE = ROOT / "implementations" / "reference" / "socket.py"
_runs = itertools.count()


@dataclasses.dataclass(frozen=True)
class Broken:
    """One deliberately broken copy of the reference implementation."""

    name: str
    story: str
    find: str
    replace: str
    family: str  # differential, stream (makefile and sendfile), fd_passing or stateful
    rejected_by: str  # the property spec id that rejects it
    areas: Tuple[str, ...]  # the scenario areas of the same API
    since: Tuple[int, int] = (3, 8)  # the property applies from this Python on


BROKEN = [
    Broken(
        name="makefile_line_buffering",
        family="differential",
        story="makefile() makes text files line buffered for buffering=1, as open() does",
        find="io.TextIOWrapper(stream, _text_encoding(encoding), errors, newline)",
        replace="io.TextIOWrapper(stream, _text_encoding(encoding), errors, newline, "
                "buffering == 1)",
        rejected_by="prop_differential_makefile_arguments",
        areas=("makefile", "socketio", "lifecycle"),
    ),
    Broken(
        name="intenum_keeps_negative_ints",
        family="differential",
        story="_intenum_converter() returns negative numbers unconverted",
        find="        return enum_klass(value)\n",
        replace="        if isinstance(value, int) and value < 0:\n"
                "            return value\n"
                "        return enum_klass(value)\n",
        rejected_by="prop_differential_intenum_converter",
        areas=("enums", "getaddrinfo", "constructor", "module"),
    ),
    Broken(
        name="sendfile_fallback_counts_from_position",
        family="stream",
        story="the send() fallback counts `count` from the file position, not from where "
              "it started reading",
        find="                    left = count - done\n"
             "                    if left <= 0:  # a read() may return more than it was asked for\n"
             "                        break\n"
             "                    step = min(step, left)\n"
             "                chunk = memoryview(read(step))",
        replace="                    left = count - (file.tell() - offset)\n"
                "                    if left <= 0:  # a read() may return more than it was asked for\n"
                "                        break\n"
                "                    step = min(step, left)\n"
                "                chunk = memoryview(read(step))",
        rejected_by="prop_sendfile_send_fallback_any_range",
        areas=("sendfile",),
    ),
    Broken(
        name="send_fds_drops_duplicates",
        family="fd_passing",
        story="send_fds() sends each descriptor once, dropping repeats from the list",
        find='rights = array.array("i", fds)',
        replace='rights = array.array("i", dict.fromkeys(fds))',
        rejected_by="prop_fd_passing_roundtrip",
        areas=("fd_passing",),
        since=(3, 9),
    ),
    Broken(
        name="dup_copies_io_refs",
        family="stateful",
        story="dup() copies the count of open file objects to the new socket, which then "
              "never releases its descriptor",
        find="        twin.settimeout(self.gettimeout())\n        return twin\n",
        replace="        twin.settimeout(self.gettimeout())\n"
                "        twin._io_refs = self._io_refs\n"
                "        return twin\n",
        rejected_by="prop_stateful_descriptor_lifecycle",
        areas=("dup_accept_fromfd", "lifecycle", "makefile", "socketio", "repr"),
    ),
]
FAMILIES = {"differential", "stream", "fd_passing", "stateful"}


def installed_hypothesis() -> str:
    from importlib.metadata import version

    return version("hypothesis")


def make_copy(broken: Broken, folder: Path) -> Path:
    source = REFERENCE.read_text(encoding="utf-8")
    count = source.count(broken.find)
    assert count == 1, (
        f"implementations/reference/socket.py changed: the text that {broken.name} replaces "
        f"occurs {count} times; update the broken implementation:\n{broken.find}"
    )
    path = folder / f"broken_{broken.name}.py"
    path.write_text(source.replace(broken.find, broken.replace), encoding="utf-8")
    return path


def intact_copy(folder: Path) -> Path:
    path = folder / "intact_reference.py"
    path.write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def run_specs(impl: Path, folder: Path, *pytest_args: str, profile: str = "ci"):
    """``python -m harness run`` on ``impl``: (exit status, {spec id: record}, output)."""
    output = folder / f"run-{next(_runs)}"
    env = {
        "SOCKSPEC_HYPOTHESIS_DATABASE": str(folder / "hypothesis-db"),
        "SOCKSPEC_HYPOTHESIS_PROFILE": profile,
    }
    done = run_cli(
        "run", "--impl", str(impl), "-n", "0", "--output", str(output), "--",
        "-q", "-p", "no:cacheprovider", *pytest_args, env=env,
    )
    documents = sorted(output.glob("*.json"))
    assert documents, f"no results file\n{done.stdout}\n{done.stderr}"
    records = {r["id"]: r for r in json.loads(documents[0].read_text())["specs"]}
    return done.returncode, records, done.stdout + done.stderr


def area_selection(areas) -> str:
    return " or ".join(f"test_{area}.py" for area in areas)


def failing(records: Dict[str, dict]):
    return {spec for spec, r in records.items() if r["outcome"] not in ("pass", "n/a")}


@pytest.fixture(scope="module")
def intact_failures(tmp_path_factory):
    """Scenario specs the intact copy fails on this Python, for every area used below."""
    folder = tmp_path_factory.mktemp("intact")
    areas = sorted({area for broken in BROKEN for area in broken.areas})
    _code, records, output = run_specs(intact_copy(folder), folder, "-k", area_selection(areas))
    assert records, output
    return failing(records)


def test_every_family_has_a_broken_implementation():
    assert {b.family for b in BROKEN} == FAMILIES


@pytest.mark.parametrize("broken", BROKEN, ids=[b.name for b in BROKEN])
def test_property_rejects_what_scenarios_let_through(broken, tmp_path, intact_failures):
    if sys.version_info[:2] < broken.since:
        pytest.skip(f"{broken.rejected_by} applies from Python {broken.since} on")
    copy = make_copy(broken, tmp_path)

    code, records, output = run_specs(
        copy, tmp_path, "-k", f"test_{broken.rejected_by}", profile="nightly"
    )
    assert code == 1, output
    record = records[broken.rejected_by]
    assert record["outcome"] == "fail", (broken.story, record)
    details = record["hypothesis"]
    assert details and details["reproduce"], record
    assert details["example"], record  # the shrunk example, as hypothesis reported it
    assert details["hypothesis_version"] == installed_hypothesis(), record
    assert f"@reproduce_failure('{installed_hypothesis()}'" in details["reproduce"]

    code, records, output = run_specs(copy, tmp_path, "-k", area_selection(broken.areas))
    assert records, output
    assert not any(spec.startswith("prop_") for spec in records)
    newly_failing = failing(records) - intact_failures
    assert not newly_failing, (
        f"scenario specs already reject {broken.name}; pick a subtler break: "
        f"{sorted(newly_failing)}"
    )
