"""The pytest plugin of the property-based specs: hypothesis profiles, and replaying a failure.

Profiles
    ``--sockspec-profile NAME`` (or ``SOCKSPEC_HYPOTHESIS_PROFILE``) picks one of the
    hypothesis profiles of :mod:`harness.runner.hypothesis_profiles`; ``ci`` by default.

Replaying a failure
    ``--sockspec-reproduce "@reproduce_failure('6.x.y', b'...')"`` (or the environment
    variable ``SOCKSPEC_HYPOTHESIS_REPRODUCE``) replays a recorded failure in every selected
    property, as if the test carried that decorator. If the recorded example no longer fails
    the property passes, with a report section saying so, instead of hypothesis's
    ``DidNotReproduce`` error. ``python -m harness replay`` builds this option from a results
    file (see docs/properties.md). A stateful spec asks :func:`active_reproduction`.
"""

from __future__ import annotations

import os
from typing import List, Optional, Tuple

import pytest
from hypothesis.errors import DidNotReproduce

from harness.runner import hypothesis_info, hypothesis_profiles

REPRODUCE_ENV = "SOCKSPEC_HYPOTHESIS_REPRODUCE"
REPRODUCTION_KEY = pytest.StashKey[Optional[Tuple[str, bytes]]]()
PROFILE_KEY = pytest.StashKey[str]()

#: The reproduction (hypothesis version, blob) applied to the properties of this run.
_ACTIVE: List[Optional[Tuple[str, bytes]]] = [None]

hypothesis_profiles.register_all()


def active_reproduction() -> Optional[Tuple[str, bytes]]:
    """The (hypothesis version, blob) this run replays, or None."""
    return _ACTIVE[0]


def pytest_addoption(parser):
    group = parser.getgroup("sockspec-properties", "sockspec property-based specs")
    group.addoption(
        "--sockspec-profile", default=None, metavar="NAME",
        help="hypothesis profile of the property specs: "
             + ", ".join(hypothesis_profiles.PROFILES)
             + f" (default: ${hypothesis_profiles.PROFILE_ENV} or "
             + f"{hypothesis_profiles.DEFAULT_PROFILE})",
    )
    group.addoption(
        "--sockspec-reproduce", default=None, metavar="DECORATOR",
        help="replay a recorded failure in the selected properties: the text "
             "\"@reproduce_failure('VERSION', b'BLOB')\" printed by hypothesis "
             f"(default: ${REPRODUCE_ENV})",
    )


def _database_scope(config) -> Optional[str]:
    """The implementation, persona and Python whose example database this run uses."""
    from harness.loading.implementations import LOADED_KEY, registered_names

    impl = config.stash.get(LOADED_KEY, None)
    if impl is None:
        return None
    registered = impl.folder is not None and impl.name in registered_names()
    return hypothesis_profiles.database_scope(impl.name, impl.persona, impl.source, registered)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    from harness.loading.implementations import LOADED_KEY

    if LOADED_KEY not in config.stash:
        return  # not a sockspec run (the installed plugin in someone else's pytest)
    hypothesis_option = config.getoption("hypothesis_profile", default=None)
    name = hypothesis_profiles.choose(config.getoption("sockspec_profile"), hypothesis_option)
    scope = _database_scope(config)
    if name is None and hypothesis_option in hypothesis_profiles.PROFILES:
        name = hypothesis_option  # one of ours, chosen through hypothesis: scope its database
    if name is not None:
        try:
            hypothesis_profiles.load(name, scope)
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
        config.stash[PROFILE_KEY] = name
    text = config.getoption("sockspec_reproduce") or os.environ.get(REPRODUCE_ENV, "")
    reproduction = None
    if text.strip():
        try:
            reproduction = hypothesis_info.parse_reproduction(text)
        except ValueError as exc:
            raise pytest.UsageError(f"--sockspec-reproduce: {exc}") from None
        import hypothesis

        if reproduction[0] != hypothesis.__version__:
            raise pytest.UsageError(
                f"--sockspec-reproduce: the failure was recorded with hypothesis "
                f"{reproduction[0]}, this Python has {hypothesis.__version__}; install "
                f"hypothesis=={reproduction[0]} to replay it"
            )
    config.stash[REPRODUCTION_KEY] = reproduction
    _ACTIVE[:] = [reproduction]


def pytest_report_header(config):
    from harness.loading.implementations import LOADED_KEY

    if LOADED_KEY not in config.stash:
        return None
    name = config.stash.get(PROFILE_KEY, None) or "(hypothesis's own choice)"
    lines = [f"sockspec hypothesis profile: {name} ({hypothesis_profiles.describe()})"]
    database = hypothesis_profiles.database_location(_database_scope(config))
    lines.append(f"sockspec hypothesis database: {database or 'none'}")
    reproduction = config.stash.get(REPRODUCTION_KEY, None)
    if reproduction is not None:
        lines.append(f"sockspec replay: reproduce_failure{reproduction!r}")
    return lines


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    reproduction = config.stash.get(REPRODUCTION_KEY, None)
    if reproduction is None:
        return
    for item in items:
        function = getattr(item, "obj", None)
        if getattr(function, "is_hypothesis_test", False):
            function._hypothesis_internal_use_reproduce_failure = reproduction


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    try:
        return (yield)
    except DidNotReproduce as exc:
        if pyfuncitem.config.stash.get(REPRODUCTION_KEY, None) is None:
            raise
        pyfuncitem.add_report_section(
            "call", "sockspec replay", f"the recorded example does not fail here: {exc}"
        )
        return True
