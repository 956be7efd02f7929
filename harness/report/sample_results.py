"""Synthetic results files and mutation documents: the samples under harness/report/samples/ and
large sets for benchmarks.

Every document made here passes ``harness.documents.results.validate``. The samples are deterministic, so
``python -m harness.report.sample_results`` rewrites harness/report/samples/ byte for byte (the tests check it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from harness.documents import mutation, results
from harness.model import outcomes
from harness.model.paths import ROOT

SAMPLES = ROOT / "harness" / "report" / "samples"
HOSTILE = "<script>alert(1)</script>"

# -- building blocks -------------------------------------------------------------------------


def run_info(impl: str, os_name: str, python: str, start: str, persona: Optional[str] = None,
             surface: Optional[Dict[str, Any]] = None, version: Optional[str] = None,
             semantics: Optional[str] = None) -> Dict[str, Any]:
    systems = {"linux": ("Linux", "6.1.0-28-amd64", "x86_64"),
               "win32": ("Windows", "10", "AMD64"), "darwin": ("Darwin", "23.6.0", "arm64")}
    system, release, arch = systems.get(os_name, (os_name, "", ""))
    info = {
        "os": os_name, "os_name": system, "os_release": release, "arch": arch,
        "python_implementation": "cpython", "python_version": python,
        "implementation": {"name": impl, "version": version or python,
                           "source": f"implementations/{impl}", "module": "socket",
                           "semantics": semantics or python},
        "harness_version": "0.1.0", "git_revision": None,
        "capabilities": {"os_sendfile": os_name != "win32", "af_unix": True,
                         "scm_rights": os_name != "win32", "ipv6": persona != "no-ipv6"},
        "persona": persona, "start": start, "end": start, "workers": 2,
        "argv": ["python", "-m", "harness", "run", "--impl", impl],
    }
    if surface is not None:
        info["surface"] = surface
    return info


def record(spec_id: str, area: str, elements: List[str], outcome: str = outcomes.PASS,
           duration: float = 0.004, **extra: Any) -> Dict[str, Any]:
    found = {
        "id": spec_id, "nodeid": f"specs/test_{area}.py::test_{spec_id}", "area": area,
        "elements": list(elements), "outcome": outcome, "duration": duration,
        "fingerprint": None, "message": None, "na_reason": None, "expectation": None,
        "hypothesis": None,
    }
    found.update(extra)
    return found


def document(info: Dict[str, Any], records: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {
        "schema": results.SCHEMA, "schema_version": results.SCHEMA_VERSION, "run_info": info,
        "summary": results.counts(records), "specs": records, "stale_expectations": [],
        "complete": True,
    }


def file_name(document_: Dict[str, Any], number: int) -> str:
    """Named like ``harness run`` names results files (see harness.runinfo.run_label)."""
    info = document_["run_info"]
    python = "cpython" + ".".join(info["python_version"].split(".")[:2])
    stamp = info["start"][:19].replace("-", "").replace(":", "")
    parts = [info["implementation"]["name"], info["persona"] or "native", python, info["os"],
             stamp, str(1000 + number)]
    return "-".join(parts) + ".json"


def write_documents(documents: Iterable[Dict[str, Any]], folder: Path) -> List[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, found in enumerate(documents):
        path = folder / file_name(found, number)
        path.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# -- the curated samples ---------------------------------------------------------------------

#: (spec id, area, elements) of the sample catalogue.
CATALOGUE: List[Tuple[str, str, List[str]]] = [
    ("constructor_explicit_proto_is_kept", "constructor", ["socket.__init__"]),
    ("constructor_descriptor_is_not_inheritable", "constructor", ["socket.__init__"]),
    ("constructor_fileno_detects_family_type_proto[inet6]", "constructor", ["socket.__init__"]),
    ("create_connection_refused_raises_connection_refused_error", "create_connection",
     ["create_connection"]),
    ("create_connection_all_errors_raises_group_of_each_error", "create_connection",
     ["create_connection"]),
    ("create_connection_localhost_reaches_ipv4_only_listener", "create_connection",
     ["create_connection"]),
    ("enums_member_str_is_qualified_name", "enums", ["AddressFamily", "SocketKind"]),
    ("enums_member_format_is_the_number", "enums", ["AddressFamily"]),
    ("errortab_would_block_message_ends_with_period_on_windows", "errortab", ["errorTab"]),
    ("errortab_not_bound_by_star_import_outside_windows", "errortab", ["errorTab"]),
    ("fd_passing_recv_fds_return_shape", "fd_passing", ["recv_fds"]),
    ("fd_passing_many_descriptors_in_order[send_fds]", "fd_passing", ["send_fds"]),
    ("getfqdn_with_no_aliases_returns_primary_hostname", "getfqdn", ["getfqdn"]),
    ("getfqdn_none_raises_attribute_error", "getfqdn", ["getfqdn"]),
    ("lifecycle_with_closes_socket_and_descriptor", "lifecycle", ["socket.__exit__"]),
    ("lifecycle_second_close_leaves_reused_descriptor_alone", "lifecycle", ["socket.close"]),
    ("makefile_readline_binary", "makefile", ["socket.makefile"]),
    ("makefile_eof_after_peer_shutdown", "makefile", ["socket.makefile"]),
    ("makefile_rwb_round_trip[tcp]", "makefile", ["socket.makefile", "SocketIO.readinto"]),
    ("makefile_text_errors_replace", "makefile", ["socket.makefile"]),
    ("makefile_read_timeout_is_timeout_error", "makefile", ["socket.makefile"]),
    ("repr_base_class_name", "repr", ["socket.__repr__"]),
    ("repr_unix_bound_path_shown_unquoted", "repr", ["socket.__repr__"]),
    ("sendfile_os_empty_file_returns_zero", "sendfile", ["socket.sendfile"]),
    ("sendfile_os_timeout_raises_timeout", "sendfile", ["socket.sendfile"]),
    ("sendfile_send_offset_beyond_eof_moves_position", "sendfile", ["socket.sendfile"]),
    ("fallback_socketpair_rejects_interloper", "socketpair", ["_fallback_socketpair"]),
    ("socketpair_default_family_is_unix", "socketpair", ["socketpair"]),
]

#: (implementation, os, Python, persona) of the current sample runs.
CONFIGS = [
    ("stdlib", "linux", "3.12.4", None), ("stdlib", "linux", "3.8.18", None),
    ("stdlib", "win32", "3.12.4", None), ("stdlib", "darwin", "3.11.9", None),
    ("reference", "linux", "3.13.0", None), ("reference", "linux", "3.13.0", "no-ipv6"),
    ("reference", "win32", "3.13.0", None), ("reference", "darwin", "3.13.0", None),
    ("gevent", "linux", "3.11.9", None), ("gevent", "darwin", "3.12.4", None),
]

SOCKETPAIR_EXPECTATION = {
    "reason": "the peer check (gh-122133) was backported in 3.12.5",
    "link": "https://github.com/python/cpython/issues/122133",
    "conditions": {"python": "<3.12.5"},
    "fingerprint": {"exception": "AssertionError"},
}
GEVENT_EXPECTATION = {
    "reason": "gevent's makefile ignores errors= (see link)",
    "link": "javascript:alert(2)",
    "conditions": {"os": ["darwin"]},
    "fingerprint": {"exception": "UnicodeDecodeError"},
}
HYPOTHESIS = {
    "example": "test_makefile_rwb_round_trip_tcp(impl=<module 'gevent.socket'>, "
               "payload=b'\\x00\\x00\\x01', chunk=2)",
    "reproduce": "@reproduce_failure('6.100.0', b'AXicY2BgYGRgAAAACAAC')",
    "seed": 271828182845,
}


def _na(reason: str) -> Dict[str, Any]:
    return {"outcome": outcomes.NA, "na_reason": reason}


def _fail(message: str, exception: str, errno: Optional[str] = None, **extra) -> Dict[str, Any]:
    return {"outcome": outcomes.FAIL, "message": message,
            "fingerprint": {"exception": exception, "errno": errno}, **extra}


def _applicability(spec_id: str, impl: str, os_name: str, python: str,
                   persona: Optional[str]) -> Optional[Dict[str, Any]]:
    semantics = "3.13.0" if impl == "reference" else python
    older = tuple(int(p) for p in semantics.split(".")) < (3, 11)
    if os_name == "win32" and spec_id.startswith(("sendfile_os_", "fd_passing_")):
        return _na("host lacks " + ("os_sendfile" if "sendfile" in spec_id else "scm_rights"))
    if spec_id == "errortab_would_block_message_ends_with_period_on_windows" and os_name != "win32":
        return _na(f"platform {os_name} not in win32")
    if spec_id == "errortab_not_bound_by_star_import_outside_windows" and os_name == "win32":
        return _na("platform win32 not in linux, darwin")
    if spec_id == "enums_member_str_is_qualified_name" and not older:
        return _na(f"behaviour before CPython 3.11, implementation has {semantics}")
    if spec_id == "create_connection_all_errors_raises_group_of_each_error" and older:
        return _na(f"needs CPython 3.11 semantics, implementation has {semantics}")
    if spec_id == "create_connection_localhost_reaches_ipv4_only_listener" and persona:
        return _na("persona no-ipv6 lacks ipv6")
    return None


def _finding(spec_id: str, config: Tuple, night: int) -> Optional[Dict[str, Any]]:
    """What the sample run of ``config`` on ``night`` (0 is the latest) says besides pass."""
    impl, os_name, python, persona = config
    key = (spec_id, impl, os_name)
    if spec_id == "fallback_socketpair_rejects_interloper" and impl == "stdlib":
        return {"outcome": outcomes.XFAIL, "message": "AssertionError: the interloper connected",
                "fingerprint": {"exception": "AssertionError", "errno": None},
                "expectation": SOCKETPAIR_EXPECTATION}
    if key == ("makefile_text_errors_replace", "gevent", "darwin"):
        return {"outcome": outcomes.XFAIL, "expectation": GEVENT_EXPECTATION,
                "message": "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff",
                "fingerprint": {"exception": "UnicodeDecodeError", "errno": None}}
    if key == ("makefile_text_errors_replace", "stdlib", "darwin"):
        return {"outcome": outcomes.XPASS, "expectation": {
            **SOCKETPAIR_EXPECTATION, "reason": "macOS 14 decoder difference",
            "link": "https://example.org/sockspec/12"}}
    if spec_id == "makefile_rwb_round_trip[tcp]" and impl == "gevent":
        return _fail("AssertionError: assert b'\\x00\\x00' == b'\\x00\\x00\\x01'\n"
                     "Falsifying example: " + HYPOTHESIS["example"], "AssertionError",
                     hypothesis=HYPOTHESIS)
    if spec_id == "sendfile_os_timeout_raises_timeout" and impl == "gevent" and night == 0:
        return _fail("BlockingIOError: [Errno 11] Resource temporarily unavailable",
                     "BlockingIOError", "EAGAIN")
    if key == ("lifecycle_with_closes_socket_and_descriptor", "gevent", "darwin"):
        return {"outcome": outcomes.TIMEOUT, "message": "Timeout (>60.0s) from pytest-timeout."}
    if key == ("fd_passing_recv_fds_return_shape", "gevent", "linux"):
        return {"outcome": outcomes.CRASH, "message": "worker 'gw1' crashed while running "
                "'specs/test_fd_passing.py::test_fd_passing_recv_fds_return_shape'"}
    if key == ("fd_passing_many_descriptors_in_order[send_fds]", "gevent", "darwin"):
        return {"outcome": outcomes.MISSING, "message": "never ran"}
    if key == ("constructor_descriptor_is_not_inheritable", "reference", "win32"):
        if night == 0:
            return {"outcome": outcomes.ERROR,
                    "message": "guard: leaked file descriptor 7 (socket) after the spec"}
        return _fail("AssertionError: assert True is False", "AssertionError")
    if key == ("repr_unix_bound_path_shown_unquoted", "reference", "darwin") and night == 0:
        return _fail(f"AssertionError: expected {HOSTILE} in repr, got \"<socket.socket "
                     f"laddr='</script><script>alert(3)</script>'>\"", "AssertionError")
    if key == ("getfqdn_with_no_aliases_returns_primary_hostname", "stdlib", "linux") \
            and python.startswith("3.8"):
        return {"outcome": outcomes.SKIP, "message": "Skipped: resolver unavailable"}
    if key == ("makefile_eof_after_peer_shutdown", "stdlib", "win32") and night > 0:
        return _fail("ConnectionAbortedError: [WinError 10053] An established connection was "
                     "aborted", "ConnectionAbortedError", "ECONNABORTED")
    if impl == "gevent" and night > 1 and (len(spec_id) + night) % 5 == 0:
        return _fail(f"AssertionError: nightly {night} regression", "AssertionError")
    return None


def _surface(impl: str, os_name: str) -> Optional[Dict[str, Any]]:
    empty = {"missing": [], "extra": [], "signatures": [], "all_missing": [], "all_extra": []}
    if impl == "gevent":
        if os_name == "darwin":
            return None  # recorded by a harness that did not compare surfaces
        return {**empty, "missing": ["recv_fds", "send_fds"], "signatures": [
            {"name": "socket.makefile",
             "expected": "(self, mode='r', buffering=None, *, encoding=None, errors=None, "
                         "newline=None)",
             "actual": "(self, mode='r', bufsize=-1)"}]}
    if impl == "reference":
        return {**empty, "all_extra": ["SocketIO"], "signatures": [
            {"name": "create_connection",
             "expected": "(address, timeout=<object object at 0x7fde210c1c40>, "
                         "source_address=None, *, all_errors=False)",
             "actual": "(address, timeout=<object object at 0x7fde210c1760>, "
                       "source_address=None, *, all_errors=False)"}]}
    return empty


def sample_run(config: Tuple, night: int = 0, number: int = 0) -> Dict[str, Any]:
    impl, os_name, python, persona = config
    start = f"2026-11-{24 - night:02d}T02:{number:02d}:00+00:00"
    version = {"gevent": "24.11.1", "reference": "0.1.0"}.get(impl)
    semantics = "3.13" if impl == "reference" else None
    info = run_info(impl, os_name, python, start, persona, _surface(impl, os_name), version,
                    semantics)
    records = []
    for index, (spec_id, area, elements) in enumerate(CATALOGUE):
        if night == 0 and (impl, os_name, spec_id) == (
                "reference", "win32", "makefile_read_timeout_is_timeout_error"):
            continue  # absent from this run: the report shows it as missing
        if night > 0 and spec_id == "getfqdn_none_raises_attribute_error":
            continue  # a spec added since the baseline
        change = _applicability(spec_id, impl, os_name, python, persona) \
            or _finding(spec_id, config, night) or {}
        duration = round(0.0005 + (index * 37 + number * 11) % 97 / 1000, 6)
        records.append(record(spec_id, area, elements, duration=duration, **change))
    if night > 0:
        records.append(record("socketpair_old_peer_check", "socketpair", ["socketpair"]))
    return document(info, records)


def sample_documents(night: int = 0) -> List[Dict[str, Any]]:
    """The sample runs of one night: 0 is the latest, 1 the baseline, more are history."""
    configs = list(CONFIGS)
    if night > 0:
        configs.remove(("stdlib", "linux", "3.8.18", None))
        configs.append(("eventlet", "linux", "3.12.4", None))
    return [sample_run(config, night, number) for number, config in enumerate(configs)]


def history_summary(night: int) -> Dict[str, Any]:
    """The merged summary an earlier night's report would have written."""
    from harness.report.build import build

    with tempfile.TemporaryDirectory() as folder:
        paths = write_documents(sample_documents(night), Path(folder))
        report = build(paths, generated=f"2026-11-{24 - night:02d}T03:00:00+00:00")
    summary = report.summary
    for run in summary["runs"]:
        run["file"] = Path(run["file"]).name
    return summary


# -- sample mutation documents ---------------------------------------------------------------

#: (element, area, line, old text, new text, operator) of the sample mutants.
MUTANT_SITES: List[Tuple[str, str, int, str, str, str]] = [
    ("socket.__repr__", "repr", 250, 's = "<%s.%s%s fd=%i, family=%s, type=%s, proto=%i" % (',
     's = "<%s.%s%s fd=%i, family=%s, type=%s, proto=%i" % (', "sockspec/SwapArguments"),
    ("socket.__repr__", "repr", 255, "if self._closed:", "if not self._closed:",
     "core/AddNot"),
    ("socket.__repr__", "repr", 262, "if laddr:", "if None:", "sockspec/ReplaceCondition"),
    ("socket.__repr__", "repr", 270, "s += ', raddr=%s' % str(raddr)",
     "s += \"</pre><script>alert(1)</script>\"", "core/ReplaceBinaryOperator_Mod_Add"),
    ("socket.__repr__", "repr", 272, "s += '>'", "pass", "sockspec/RemoveStatement"),
    ("socket.makefile", "makefile", 310, "if not set(mode) <= {'r', 'w', 'b'}:",
     "if not set(mode) < {'r', 'w', 'b'}:", "core/ReplaceComparisonOperator_LtE_Lt"),
    ("socket.makefile", "makefile", 314, "writing = 'w' in mode", "writing = 'w' not in mode",
     "core/ReplaceComparisonOperator_In_NotIn"),
    ("socket.makefile", "makefile", 320, "if buffering is None:", "if buffering is not None:",
     "core/ReplaceComparisonOperator_Is_IsNot"),
    ("socket.makefile", "makefile", 322, "buffering = -1", "buffering = 0",
     "core/NumberReplacer"),
    ("socket.makefile", "makefile", 331, "if binary:", "if not binary:", "core/AddNot"),
    ("socket.makefile", "makefile", 335, "text.mode = mode", "pass", "sockspec/RemoveStatement"),
    ("SocketIO.readinto", "makefile", 702, "return self._sock.recv_into(b)",
     "return None", "sockspec/ReplaceReturnValue"),
    ("SocketIO.readinto", "makefile", 706, "self._timeout_occurred = True",
     "self._timeout_occurred = False", "core/ReplaceTrueWithFalse"),
    ("create_connection", "create_connection", 830, "if timeout is not _GLOBAL_DEFAULT_TIMEOUT:",
     "if timeout is _GLOBAL_DEFAULT_TIMEOUT:", "core/ReplaceComparisonOperator_IsNot_Is"),
    ("create_connection", "create_connection", 834, "sock.bind(source_address)", "pass",
     "sockspec/RemoveStatement"),
    ("create_connection", "create_connection", 842, "exceptions.clear()", "pass",
     "sockspec/RemoveStatement"),
    ("create_connection", "create_connection", 848, "if all_errors:", "if not all_errors:",
     "core/AddNot"),
    ("create_connection", "create_connection", 851, "raise exceptions[0]",
     "raise exceptions[1]", "core/NumberReplacer"),
    ("socketpair", "socketpair", 610, "if family == AF_INET:", "if family != AF_INET:",
     "core/ReplaceComparisonOperator_Eq_NotEq"),
    ("socketpair", "socketpair", 618, "lsock.listen()", "pass", "sockspec/RemoveStatement"),
    ("socketpair", "socketpair", 624, "csock.setblocking(False)", "csock.setblocking(True)",
     "core/ReplaceFalseWithTrue"),
    ("socketpair", "socketpair", 633, "if csock.getsockname() != ssock.getpeername():",
     "if csock.getsockname() == ssock.getpeername():",
     "core/ReplaceComparisonOperator_NotEq_Eq"),
    ("_intenum_converter", "enums", 90, "return enum_klass(value)", "return value",
     "sockspec/ReplaceReturnValue"),
    ("_intenum_converter", "enums", 92, "except ValueError:", "except TypeError:",
     "core/ExceptionReplacer"),
    ("<module>", "enums", 60, "__all__.extend(os._get_exports_list(_socket))", "pass",
     "sockspec/RemoveStatement"),
    ("<module>", "errortab", 120, "if sys.platform.lower().startswith('win'):",
     "if not sys.platform.lower().startswith('win'):", "core/AddNot"),
    ("socket.__init__", "constructor", 220, "if fileno is None:", "if fileno is not None:",
     "core/ReplaceComparisonOperator_Is_IsNot"),
    ("socket.__init__", "constructor", 224, "self._closed = False", "self._closed = True",
     "core/ReplaceFalseWithTrue"),
]

#: Survivors of each sample night (indexes into MUTANT_SITES); the latest night has one more
#: (a fall of the total and of makefile against the night before).
SURVIVORS = {21: {2, 3, 8, 16, 24, 26}, 22: {2, 3, 8, 24, 26}, 23: {2, 3, 24, 26},
             24: {2, 3, 10, 24, 26}}
EQUIVALENTS = {26: "the flag is set again by <b>__init__</b> before anyone reads it"}


def _mutant_id(index: int, implementation: str) -> str:
    import hashlib

    return hashlib.sha256(f"{implementation}:{index}".encode()).hexdigest()[:12]


def _diff(source: str, line: int, old: str, new: str) -> str:
    return (f"--- a/{source}\n+++ b/{source}\n@@ -{line},1 +{line},1 @@\n"
            f"-        {old}\n+        {new}\n")


def sample_mutants(night: int, implementation: str, source: str) -> List[Dict[str, Any]]:
    found = []
    for index, (element, area, line, old, new, operator) in enumerate(MUTANT_SITES):
        reach = [area] if element != "<module>" else [area, "lifecycle"]
        status, killers = "killed", [f"specs/test_{area}.py::test_{area}_sample_{index}"]
        if index in SURVIVORS[night]:
            status, killers = "survived", []
        elif index == 13:
            status = "timeout"
        elif index == 25:
            status, killers, reach = "no-coverage", [], []
        elif index == 22 and night == 23:
            status, killers = "error", []
        record = {"id": _mutant_id(index, implementation), "file": source, "line": line,
                  "column": 8, "element": element, "operator": operator,
                  "diff": _diff(source, line, old, new), "status": status, "killers": killers,
                  "areas": reach, "covering": 2 * len(reach), "ran": 1 if killers else 2,
                  "seconds": round(0.8 + index % 7 / 10, 2)}
        if status == "error":
            record["detail"] = "pytest exit 3"
        if index in EQUIVALENTS:
            record["equivalent"] = EQUIVALENTS[index]
        found.append(record)
    return found


def sample_mutation(night: int, implementation: str = "reference",
                    shard: Optional[Tuple[int, int]] = None, minute: int = 0) -> Dict[str, Any]:
    """The mutation document of ``implementation`` on the night of November ``night``
    (of one shard, split by mutant id as ``harness mutate --shard`` splits)."""
    source = {"reference": "implementations/reference/socket.py"}.get(implementation,
                                                                      "Lib/socket.py")
    mutants = sample_mutants(night, implementation, source)
    if shard is not None:
        mutants = [m for m in mutants if int(m["id"], 16) % shard[1] == shard[0] - 1]
    found = mutation.build(
        implementation={"name": implementation, "file": source,
                        "sha256": f"{len(implementation):02x}" * 32},
        operators=sorted({site[5] for site in MUTANT_SITES}),
        selection={"areas": [], "keyword": None, "persona": None, "elements": [],
                   "mutants": [], "specs": None},
        shard=None if shard is None else {"index": shard[0], "count": shard[1]},
        coverage={"passing_specs": 412, "other_specs": 9, "lines_executed": 1630,
                  "seconds": 41.5},
        timing={"seconds": 600.0 + minute, "workers": 2, "cpus": 2,
                "load_average_before": [0.5, 0.4, 0.3], "load_average_after": [2.0, 1.9, 1.5]},
        mutants=mutants, created=f"2026-11-{night:02d}T04:{minute:02d}:00Z")
    found["python"] = {"implementation": "cpython", "version": "3.13.0"}
    return found


def sample_mutation_documents() -> Dict[str, Dict[str, Any]]:
    """File name (under samples/mutation/) -> document: three earlier nights of the reference
    (``nights/``), tonight's in three shards (``tonight/``) and a run of stdlib whose second
    shard of three is missing (``partial/``)."""
    found = {f"nights/reference-2026-11-{night}.json": sample_mutation(night)
             for night in (21, 22, 23)}
    for index in (1, 2, 3):
        found[f"tonight/reference-shard-{index}-of-3.json"] = sample_mutation(
            24, shard=(index, 3), minute=10 + index)
    for index in (1, 3):
        found[f"partial/stdlib-shard-{index}-of-3.json"] = sample_mutation(
            24, "stdlib", shard=(index, 3), minute=20 + index)
    return found


def write_samples(folder: Path = SAMPLES) -> List[Path]:
    """Rewrite the samples: results in current/, baseline/ and history/, mutation documents
    in mutation/, under ``folder``."""
    folder = Path(folder)
    for sub in ("current", "baseline", "history"):
        for old in (folder / sub).glob("*.json"):
            old.unlink()
    for old in (folder / "mutation").glob("*/*.json"):
        old.unlink()
    written_mutation = []
    for name, found in sample_mutation_documents().items():
        path = folder / "mutation" / name
        mutation.write(found, path)
        written_mutation.append(path)
    written = write_documents(sample_documents(0), folder / "current")
    written += write_documents(sample_documents(1), folder / "baseline")
    for night in range(1, 6):
        found = history_summary(night)
        path = folder / "history" / f"{found['generated'][:10]}.summary.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written + written_mutation


# -- large synthetic sets --------------------------------------------------------------------

AREAS = ("constructor", "create_connection", "create_server", "dup_accept_fromfd", "enums",
         "errortab", "fd_passing", "getaddrinfo", "getfqdn", "lifecycle", "makefile", "pickling",
         "repr", "sendfile", "socketio", "socketpair")
WEIGHTS = ((outcomes.PASS, 880), (outcomes.NA, 60), (outcomes.FAIL, 30), (outcomes.XFAIL, 15),
           (outcomes.ERROR, 5), (outcomes.XPASS, 2), (outcomes.TIMEOUT, 3), (outcomes.CRASH, 1),
           (outcomes.MISSING, 2), (outcomes.SKIP, 2))


def synthetic_catalogue(count: int) -> List[Tuple[str, str, List[str]]]:
    found = []
    for index in range(count):
        area = AREAS[index % len(AREAS)]
        element = f"socket.{area}_{index % 7}"
        found.append((f"{area}_behaviour_{index:04d}", area, [element]))
    return found


def _synthetic_record(spec: Tuple[str, str, List[str]], rng: random.Random) -> Dict[str, Any]:
    spec_id, area, elements = spec
    outcome = rng.choices([o for o, _ in WEIGHTS], [w for _, w in WEIGHTS])[0]
    extra: Dict[str, Any] = {"duration": round(rng.uniform(0.0002, 0.05), 6)}
    if outcome == outcomes.NA:
        extra["na_reason"] = "host lacks " + rng.choice(["os_sendfile", "scm_rights", "ipv6"])
    elif outcome not in (outcomes.PASS,):
        errno = rng.choice(["EBADF", "EAGAIN", "ECONNRESET", None])
        extra["message"] = f"AssertionError: {spec_id} saw {errno or 'no errno'} " \
                           f"after {rng.randint(1, 65536)} bytes"
        extra["fingerprint"] = {"exception": "OSError" if errno else "AssertionError",
                                "errno": errno}
        if outcome == outcomes.XFAIL:
            extra["expectation"] = {"reason": "known difference", "link":
                                    "https://example.org/known", "conditions": {},
                                    "fingerprint": None}
    return record(spec_id, area, elements, outcome, **extra)


def synthesise(runs: int = 50, specs: int = 1000, seed: int = 0) -> List[Dict[str, Any]]:
    """``runs`` results documents of ``specs`` specs each, across implementations, OSes, Pythons."""
    rng = random.Random(seed)
    catalogue = synthetic_catalogue(specs)
    configs = list(itertools.product(("stdlib", "reference", "gevent", "eventlet"),
                                     ("linux", "win32", "darwin"),
                                     ("3.8.18", "3.9.19", "3.10.14", "3.11.9", "3.12.4",
                                      "3.13.0")))
    documents = []
    for number in range(runs):
        impl, os_name, python = configs[number % len(configs)]
        start = f"2026-11-24T{number // 60:02d}:{number % 60:02d}:00+00:00"
        info = run_info(impl, os_name, python, start, surface=_surface(impl, "linux"))
        documents.append(document(info, [_synthetic_record(s, rng) for s in catalogue]))
    return documents


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.report.sample_results",
                                     description="rewrite the sample results files")
    parser.add_argument("folder", nargs="?", default=str(SAMPLES))
    args = parser.parse_args(argv)
    for path in write_samples(Path(args.folder)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
