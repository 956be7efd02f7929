"""Hypothesis profiles for the property specs: ``dev``, ``ci`` (the default) and ``nightly``.

A profile is chosen, most specific first, by the pytest option ``--sockspec-profile NAME``,
the environment variable ``SOCKSPEC_HYPOTHESIS_PROFILE``, or hypothesis's own
``--hypothesis-profile``; without any of them ``ci`` applies.

Every profile has no deadline (the properties do socket I/O, whose timing depends on the
host), prints a reproduction blob with each failure (``print_blob``), reports one failure per
property (``report_multiple_bugs=False``: shrinking one bug is faster, and the results file
records one reproduction per spec), and keeps its
example database under ``reports/hypothesis/`` (ignored by git), one database per
implementation, persona and Python (``reports/hypothesis/<impl>/<persona>/<python>/``, see
:func:`database_scope`): hypothesis deletes a stored counterexample that passes, so a shared
database would let a clean run of one implementation erase another's failure. The environment
variable ``SOCKSPEC_HYPOTHESIS_DATABASE`` moves the root of the databases to another folder, or
turns them off with the value ``none``.

The ``max_examples`` of a profile is a base: a property that costs more per example asks
for a fraction of it (see ``fixtures.properties.budget``).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, Optional

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from harness.model import paths

DATABASE_DIR = paths.output_root() / "hypothesis"

PROFILE_ENV = "SOCKSPEC_HYPOTHESIS_PROFILE"
DATABASE_ENV = "SOCKSPEC_HYPOTHESIS_DATABASE"
DEFAULT_PROFILE = "ci"

#: Every phase but ``explain``. After shrinking, the explain phase varies each argument of the
#: minimal example up to a hundred times to say which parts do not matter: for a property
#: whose failing examples wait out a delivery bound that is minutes, spent after the
#: counterexample is known. ``dev`` keeps it, for a person reading one failure.
_WITHOUT_EXPLAIN = tuple(p for p in Phase if p is not Phase.explain)

#: name -> (description, settings of that profile)
PROFILES: Dict[str, Dict[str, Any]] = {
    "dev": {
        "description": "fast feedback while editing: a handful of examples per property",
        "max_examples": 8,
        "stateful_step_count": 12,
    },
    "ci": {
        "description": "the default: fits the conformance run's time budget",
        "max_examples": 50,
        "stateful_step_count": 40,
        "phases": _WITHOUT_EXPLAIN,
    },
    "nightly": {
        "description": "thorough: many examples and long stateful runs",
        "max_examples": 1000,
        "stateful_step_count": 60,
        "phases": _WITHOUT_EXPLAIN,
    },
}

_COMMON: Dict[str, Any] = {
    "deadline": None,
    "print_blob": True,
    "report_multiple_bugs": False,
    "suppress_health_check": [HealthCheck.too_slow],
}


def database_scope(impl_name: str, persona: Optional[str], source: Optional[str] = None,
                   registered: bool = True) -> str:
    """The relative folder of one implementation's database: ``<impl>/<persona>/<python>``.

    A registered implementation is known by its name; one loaded from a file or a module
    path also by a digest of where it came from (two patched copies may share a file name).
    """
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", impl_name) or "impl"
    if not registered and source:
        where = str(Path(source).resolve()) if source.endswith(".py") else source
        name += "-" + hashlib.sha1(where.encode("utf-8")).hexdigest()[:10]
    python = f"{sys.implementation.name}{sys.version_info[0]}.{sys.version_info[1]}"
    return f"{name}/{persona or 'native'}/{python}"


def database_location(scope: Optional[str] = None) -> Optional[Path]:
    """Where the example database lives (None: no database): the root, or the folder of
    ``scope`` (:func:`database_scope`) under it."""
    value = os.environ.get(DATABASE_ENV, "").strip()
    if value.lower() == "none":
        return None
    root = Path(value) if value else DATABASE_DIR
    return root / scope if scope else root


def _database(scope: Optional[str]):
    location = database_location(scope)
    if location is None:
        return None
    return DirectoryBasedExampleDatabase(str(location))


def register_all(scope: Optional[str] = None) -> None:
    """Register every profile with hypothesis, its database that of ``scope`` (idempotent)."""
    database = _database(scope)
    for name, values in PROFILES.items():
        options = {k: v for k, v in values.items() if k != "description"}
        # Each profile starts from hypothesis's own defaults, not from whichever profile is
        # active when they are registered again.
        settings.register_profile(
            name, parent=settings.get_profile("default"), database=database, **options,
            **_COMMON,
        )


def choose(option: Optional[str], hypothesis_option: Optional[str] = None) -> Optional[str]:
    """The profile to load: the option, else the environment, else ``ci``.

    Returns None when only hypothesis's own ``--hypothesis-profile`` was given: that
    choice is hypothesis's to apply.
    """
    name = (option or os.environ.get(PROFILE_ENV, "")).strip()
    if name:
        return name
    if hypothesis_option:
        return None
    return DEFAULT_PROFILE


def load(name: str, scope: Optional[str] = None) -> None:
    """Make ``name`` the active profile, with the database of ``scope``; ValueError names the
    known ones if it is unknown."""
    register_all(scope)
    if name not in PROFILES:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown hypothesis profile {name!r}; known: {known}")
    settings.load_profile(name)


def describe() -> str:
    """One line on the active settings, for the pytest header."""
    current = settings.default
    return (
        f"max_examples={current.max_examples}, "
        f"stateful_step_count={current.stateful_step_count}, deadline={current.deadline}"
    )
