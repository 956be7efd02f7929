"""Version parsing and matching shared by specs, expectations and implementations."""

from __future__ import annotations

import sys
from typing import Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version


def parse_version(text: str) -> Tuple[int, ...]:
    """'3.11' -> (3, 11); raises ValueError naming the text if it is not a version."""
    parts = str(text).strip().split(".")
    if not parts or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a version: {text!r} (expected e.g. '3.11' or '3.12.5')")
    return tuple(int(p) for p in parts)


def running_python() -> Tuple[int, int, int]:
    return tuple(sys.version_info[:3])  # type: ignore[return-value]


def specifier_set(text: str) -> SpecifierSet:
    """A PEP 440 specifier such as '>=3.8,<3.12.5'; ValueError if malformed."""
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        raise ValueError(f"not a version specifier: {text!r} (expected e.g. '<3.12.5')") from None


def release(version: str) -> Version:
    """The release a version belongs to: '3.15.0a2' -> 3.15.0, '3.14.0rc1+' -> 3.14.0.

    A pre-release or development build of CPython (what the nightly matrix runs for the
    newest lines, with ``allow-prereleases``) has the semantics of the release it leads to:
    ``>=3.14`` and ``since="3.14"`` must hold on 3.14.0b1, ``<3.14`` must not. The ``+`` that
    builds from a branch add is dropped. Raises InvalidVersion for text that is no version.
    """
    return Version(Version(str(version).strip().rstrip("+")).base_version)


def version_matches(version: str, specifier: str) -> bool:
    try:
        parsed = release(version)
    except InvalidVersion:
        return False
    return specifier_set(specifier).contains(parsed, prereleases=True)
