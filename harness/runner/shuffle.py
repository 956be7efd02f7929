"""Random spec order: ``--sockspec-shuffle SEED`` runs the collected specs in an order drawn
from SEED.

The order is a pure function of the seed and the collected node ids, so every pytest-xdist
worker (which collects on its own) arrives at the same list, as xdist requires, and a run is
reproduced by passing the same seed again. Without the option nothing is reordered.

``python -m harness soak`` loads this plugin with ``-p harness.runner.shuffle``; registering it in
the root conftest's ``pytest_plugins`` as well is harmless (a plugin is registered once).
"""

from __future__ import annotations

import random

import pytest

OPTION = "--sockspec-shuffle"


def _seed(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise pytest.UsageError(f"{OPTION} takes an integer seed, not {text!r}") from None


def pytest_addoption(parser):
    group = parser.getgroup("sockspec", "sockspec conformance harness")
    group.addoption(
        OPTION, default=None, metavar="SEED",
        help="run the specs in a random order drawn from SEED (an integer); "
             "the same seed gives the same order",
    )


def shuffled(items, seed: int) -> list:
    """``items`` in the order SEED draws; independent of the order they came in."""
    ordered = sorted(items, key=lambda item: item.nodeid)
    random.Random(seed).shuffle(ordered)
    return ordered


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    value = config.getoption("sockspec_shuffle")
    if value is None:
        return
    items[:] = shuffled(items, _seed(str(value)))


def pytest_report_header(config):
    value = config.getoption("sockspec_shuffle")
    if value is not None:
        return f"sockspec: random spec order, seed {value}"
    return None
