"""The ``spec`` decorator: what a spec covers and when it applies.

A spec is a pytest test function in ``specs/`` decorated with :func:`spec`::

    @spec("socket.makefile", since="3.10", needs=["af_unix"])
    def test_makefile_text_default_encoding(impl, stream_pair): ...

* Its **id** is the function name without the ``test_`` prefix (plus the
  parameter id for parametrized specs). Ids are unique across the suite, so a
  spec keeps its id when it moves to another file.
* Its **area** is the file it lives in (``specs/test_makefile.py`` -> ``makefile``).
* ``elements`` name the API covered, as in docs/behaviour.md: module-level
  names (``getfqdn``) or ``Class.member`` (``socket.makefile``, ``SocketIO.readinto``).
* ``since``/``before`` bound the CPython semantics version the behaviour belongs
  to, compared with the *implementation's* semantics version (the running
  Python for stdlib, 3.13 for the reference).
* ``platforms`` lists ``sys.platform`` prefixes (``linux``, ``darwin``, ``win32``).
* ``needs`` lists host capabilities (see :mod:`harness.model.capabilities`).
* ``personas`` lists the personas the spec applies to (``native`` is the real host);
  ``None`` means all.

One parameter of a parametrized spec can carry conditions of its own with :func:`case`,
so that two variants of one behaviour are one spec, not a copy::

    @spec("socket.makefile")
    @pytest.mark.parametrize("family", ["tcp", case("unix", needs=["af_unix"])])
    def test_makefile_round_trip(family): ...

A case's conditions add to the spec's: needs are joined, ``since`` takes the later
version, ``before`` the earlier, and platforms and personas the names both allow.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Optional, Tuple

import pytest

from harness.model.capabilities import CAPABILITIES
from harness.model.personas import PERSONAS
from harness.model.versions import parse_version

Version = Tuple[int, ...]
PLATFORMS = ("linux", "darwin", "win32", "freebsd", "openbsd", "netbsd", "sunos", "aix", "cygwin")


class SpecDefinitionError(ValueError):
    """A spec's metadata is malformed."""


@dataclasses.dataclass(frozen=True)
class SpecMeta:
    elements: Tuple[str, ...]
    since: Optional[Version] = None
    before: Optional[Version] = None
    platforms: Optional[Tuple[str, ...]] = None
    needs: Tuple[str, ...] = ()
    personas: Optional[Tuple[str, ...]] = None

    def as_dict(self) -> dict:
        return {
            "elements": list(self.elements),
            "since": _version_text(self.since),
            "before": _version_text(self.before),
            "platforms": list(self.platforms) if self.platforms is not None else None,
            "needs": list(self.needs),
            "personas": list(self.personas) if self.personas is not None else None,
        }


def _version_text(version: Optional[Version]) -> Optional[str]:
    return None if version is None else ".".join(map(str, version))


def _tuple(values: Optional[Iterable[str]], what: str) -> Optional[Tuple[str, ...]]:
    if values is None:
        return None
    if isinstance(values, str):
        raise SpecDefinitionError(f"{what} must be a list of names, not the string {values!r}")
    return tuple(values)


def build_meta(
    elements: Tuple[str, ...],
    since: Optional[str] = None,
    before: Optional[str] = None,
    platforms: Optional[Iterable[str]] = None,
    needs: Iterable[str] = (),
    personas: Optional[Iterable[str]] = None,
) -> SpecMeta:
    """Validate the arguments of :func:`spec` and build its metadata."""
    if not elements or not all(isinstance(e, str) and e for e in elements):
        raise SpecDefinitionError("a spec names at least one API element, e.g. 'socket.makefile'")
    platform_tuple = _tuple(platforms, "platforms")
    for name in platform_tuple or ():
        if name not in PLATFORMS:
            raise SpecDefinitionError(f"unknown platform {name!r}; known: {', '.join(PLATFORMS)}")
    need_tuple = _tuple(needs, "needs") or ()
    for name in need_tuple:
        if name not in CAPABILITIES:
            known = ", ".join(sorted(CAPABILITIES))
            raise SpecDefinitionError(f"unknown capability {name!r}; known: {known}")
    try:
        since_v = parse_version(since) if since is not None else None
        before_v = parse_version(before) if before is not None else None
    except ValueError as exc:
        raise SpecDefinitionError(str(exc)) from None
    persona_tuple = _tuple(personas, "personas")
    for name in persona_tuple or ():
        if name != "native" and name not in PERSONAS:
            known = ", ".join(["native", *sorted(PERSONAS)])
            raise SpecDefinitionError(f"unknown persona {name!r}; known: {known}")
    return SpecMeta(
        elements=tuple(elements),
        since=since_v,
        before=before_v,
        platforms=platform_tuple,
        needs=need_tuple,
        personas=persona_tuple,
    )


def spec(*elements: str, **conditions):
    """Mark a test function as a conformance spec (see the module docstring)."""
    meta = build_meta(elements, **conditions)
    return pytest.mark.spec(meta)


def case(*values, id: Optional[str] = None, **conditions):
    """One parameter set of a parametrized spec, with conditions of its own (module docstring).

    Takes the same conditions as :func:`spec` (``needs``, ``since``, ``before``,
    ``platforms``, ``personas``) and returns a ``pytest.param``.
    """
    meta = build_meta(("case",), **conditions)
    return pytest.param(*values, id=id, marks=pytest.mark.spec_case(meta))


def _both(first: Optional[Tuple[str, ...]], second: Optional[Tuple[str, ...]]):
    if first is None or second is None:
        return second if first is None else first
    return tuple(name for name in first if name in second)


def combine(meta: SpecMeta, extra: SpecMeta) -> SpecMeta:
    """A spec's metadata with one case's conditions added (see :func:`case`)."""
    since = max(v for v in (meta.since, extra.since) if v is not None) if (
        meta.since or extra.since) else None
    before = min(v for v in (meta.before, extra.before) if v is not None) if (
        meta.before or extra.before) else None
    return SpecMeta(
        elements=meta.elements,
        since=since,
        before=before,
        platforms=_both(meta.platforms, extra.platforms),
        needs=meta.needs + tuple(n for n in extra.needs if n not in meta.needs),
        personas=_both(meta.personas, extra.personas),
    )


def meta_of(item) -> Optional[SpecMeta]:
    """The metadata of a collected spec item, its case's conditions included; None if no spec."""
    marker = item.get_closest_marker("spec")
    if marker is None:
        return None
    if len(marker.args) != 1 or not isinstance(marker.args[0], SpecMeta):
        raise SpecDefinitionError(
            f"{item.nodeid}: use @spec(...) from harness.model.spec, not a bare pytest.mark.spec")
    meta = marker.args[0]
    for extra in item.iter_markers("spec_case"):
        meta = combine(meta, extra.args[0])
    return meta


def describe(item) -> str:
    """A spec's one-line description: its docstring's first line, or its name in words."""
    doc = (getattr(getattr(item, "function", None), "__doc__", None) or "").strip()
    if doc:
        return doc.splitlines()[0].strip()
    name = getattr(item, "originalname", None) or item.name.split("[", 1)[0]
    words = (name[5:] if name.startswith("test_") else name).replace("_", " ")
    param = item.name[len(name):] if item.name.startswith(name) else ""
    return words + (f" {param}" if param else "")


def spec_id_from_name(name: str) -> str:
    """The stable id of a spec item, from its (possibly parametrized) name."""
    return name[5:] if name.startswith("test_") else name


def area_from_path(path: str) -> str:
    """The area of a spec file: ``specs/test_makefile.py`` -> ``makefile``."""
    stem = path.replace("\\", "/").rsplit("/", 1)[-1]
    if stem.endswith(".py"):
        stem = stem[:-3]
    return stem[5:] if stem.startswith("test_") else stem


def split_nodeid(nodeid: str) -> Tuple[str, str]:
    """(area, spec id) of a pytest node id such as ``specs/test_x.py::test_y[p]``."""
    path, _, name = nodeid.partition("::")
    return area_from_path(path), spec_id_from_name(name.rsplit("::", 1)[-1])
