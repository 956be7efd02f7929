"""The spec catalogue covers the whole surface, with enough specs in every area."""

from __future__ import annotations

import collections

import pytest

from harness.model.elements import PROPERTY_AREA_PREFIX, uncovered
from harness.runner.catalogue import collect


@pytest.fixture(scope="module")
def catalogue():
    return collect("reference")


def test_every_surface_element_has_a_spec(catalogue):
    assert uncovered(catalogue) == []


def test_at_least_250_scenario_specs(catalogue):
    scenarios = [s for s in catalogue if not s["area"].startswith(PROPERTY_AREA_PREFIX)]
    assert len(scenarios) >= 250


def test_no_scenario_area_has_fewer_than_5_specs(catalogue):
    sizes = collections.Counter(s["area"] for s in catalogue)
    small = {a: n for a, n in sizes.items() if n < 5 and not a.startswith(PROPERTY_AREA_PREFIX)}
    assert small == {}


#: The areas of the socket object's own calls, the resolver and the conversions: each pins
#: enough behaviours to reject a drop-in that gets one of them wrong.
C_LAYER_AREAS = ("data_transfer", "msg", "timeouts", "connection_calls", "resolver", "conversions")


@pytest.mark.parametrize("area", C_LAYER_AREAS)
def test_c_layer_area_has_at_least_8_specs(catalogue, area):
    assert sum(1 for s in catalogue if s["area"] == area) >= 8


def test_every_spec_applies_to_the_reference_somewhere(catalogue):
    # The reference claims the newest semantics: only host capabilities, platforms and
    # personas can make a spec n/a for it, never the version.
    versioned = [s["id"] for s in catalogue
                 if s["na_reason"] and s["na_reason"].startswith("behaviour of CPython")]
    assert versioned == []


def test_ids_are_unique(catalogue):
    ids = [s["id"] for s in catalogue]
    assert len(ids) == len(set(ids))
