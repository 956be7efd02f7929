"""Hypothesis profiles and the replay option of the property specs (fixtures/properties.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harness.runner import hypothesis_profiles
from tests.conftest import ROOT

SPEC = "specs/test_prop_differential.py::test_prop_differential_intenum_converter"


def run_pytest(*args, env=None):
    merged = dict(os.environ)
    for name in (hypothesis_profiles.PROFILE_ENV, "SOCKSPEC_HYPOTHESIS_REPRODUCE"):
        merged.pop(name, None)
    merged["SOCKSPEC_HYPOTHESIS_DATABASE"] = "none"
    merged.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=str(ROOT), env=merged, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize(
    "args, env, name",
    [
        ((), {}, "ci"),
        (("--sockspec-profile", "dev"), {}, "dev"),
        ((), {hypothesis_profiles.PROFILE_ENV: "nightly"}, "nightly"),
        (("--sockspec-profile", "dev"), {hypothesis_profiles.PROFILE_ENV: "nightly"}, "dev"),
    ],
    ids=["default", "option", "environment", "option_wins"],
)
def test_profile_choice(args, env, name):
    done = run_pytest(SPEC, "--collect-only", *args, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    examples = hypothesis_profiles.PROFILES[name]["max_examples"]
    assert f"sockspec hypothesis profile: {name} (max_examples={examples}," in done.stdout


def test_every_profile_has_no_deadline_and_prints_blobs():
    from hypothesis import settings

    for name in hypothesis_profiles.PROFILES:
        hypothesis_profiles.load(name)
        assert settings.default.deadline is None
        assert settings.default.print_blob is True
    hypothesis_profiles.load(hypothesis_profiles.DEFAULT_PROFILE)


def test_unknown_profile_is_a_usage_error():
    done = run_pytest(SPEC, "--collect-only", "--sockspec-profile", "weekly")
    assert done.returncode == 4
    assert "unknown hypothesis profile 'weekly'; known: dev, ci, nightly" in done.stderr


def test_database_lives_under_reports_by_default(monkeypatch):
    monkeypatch.delenv(hypothesis_profiles.DATABASE_ENV, raising=False)
    assert hypothesis_profiles.database_location() == ROOT / "reports" / "hypothesis"
    monkeypatch.setenv(hypothesis_profiles.DATABASE_ENV, "none")
    assert hypothesis_profiles.database_location() is None


def test_reproduce_option_must_be_a_decorator():
    done = run_pytest(SPEC, "--collect-only", "--sockspec-reproduce=seed(3)")
    assert done.returncode == 4
    assert "not a @reproduce_failure(...) decorator" in done.stderr


def test_reproduce_option_refuses_another_hypothesis_version():
    done = run_pytest(
        SPEC, "--collect-only", "--sockspec-reproduce=@reproduce_failure('0.0.1', b'AAAA')"
    )
    assert done.returncode == 4
    assert "recorded with hypothesis 0.0.1" in done.stderr
    assert "install hypothesis==0.0.1" in done.stderr


def test_reproduction_that_no_longer_fails_passes():
    import hypothesis

    # Any blob of this version: the intact implementation passes it, or the blob does not
    # fit the test; either way hypothesis's DidNotReproduce becomes a pass with a note.
    reproduce = f"--sockspec-reproduce=@reproduce_failure({hypothesis.__version__!r}, b'AAAA')"
    done = run_pytest(SPEC, "--impl", "reference", "-rA", reproduce)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the recorded example does not fail here" in done.stdout


def test_oracle_is_the_standard_library_socket_module(project):
    (project.root / "conftest.py").write_text(
        'pytest_plugins = ["harness.runner.plugin", "fixtures.plugin", "fixtures.properties"]\n'
    )
    project.spec_file(
        "oracle",
        """
        import socket

        @spec("socket")
        def test_oracle_hands_over_stdlib(impl, oracle):
            assert oracle is socket
            assert impl is not socket
        """,
    )
    result = project.run("--impl", "reference", subprocess=True)
    result.assert_outcomes(passed=1)


def test_ci_and_nightly_skip_the_explain_phase():
    from hypothesis import Phase, settings

    for name in hypothesis_profiles.PROFILES:
        hypothesis_profiles.load(name)
        assert (Phase.explain in settings.default.phases) == (name == "dev"), name
        assert Phase.shrink in settings.default.phases
    hypothesis_profiles.load(hypothesis_profiles.DEFAULT_PROFILE)


def test_the_header_names_the_implementation_database(tmp_path):
    done = run_pytest(
        SPEC, "--collect-only", "--impl", "reference",
        env={"SOCKSPEC_HYPOTHESIS_DATABASE": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    scope = hypothesis_profiles.database_scope("reference", None)
    assert f"sockspec hypothesis database: {tmp_path / scope}" in done.stdout
