"""The plugin turns what happened to each spec into the right outcome and exit status."""

from __future__ import annotations

import time


def test_pass_fail_and_na_are_counted_apart(project):
    project.spec_file("area", """
        @spec("socketpair")
        def test_passes(impl):
            a, b = impl.socketpair()
            a.close(); b.close()
            assert a.fileno() == -1

        @spec("socketpair")
        def test_fails(impl):
            assert impl.AF_INET == -1

        @spec("socket.close", since="99.0")
        def test_future_behaviour(impl):
            raise AssertionError("must not run")

        @spec("socket.close", needs=["root"], platforms=["win32"])
        def test_other_platform(impl):
            raise AssertionError("must not run")
    """)
    result = project.run()
    assert result.ret == 1
    records = project.records()
    assert records["passes"]["outcome"] == "pass"
    assert records["fails"]["outcome"] == "fail"
    assert records["fails"]["fingerprint"] == {"exception": "AssertionError", "errno": None}
    assert records["future_behaviour"]["outcome"] == "n/a"
    assert "99.0" in records["future_behaviour"]["na_reason"]
    assert records["other_platform"]["outcome"] == "n/a"
    result.stdout.fnmatch_lines(["*1 passed, 1 failed, 2 n/a*"])
    summary = project.document()["summary"]
    assert (summary["pass"], summary["fail"], summary["n/a"], summary["skip"]) == (1, 1, 2, 0)


def test_a_case_adds_its_own_conditions_to_the_spec(project):
    project.spec_file("area", """
        from harness.model.spec import case

        @spec("socket.close", platforms=["linux", "win32"])
        @pytest.mark.parametrize("kind", [
            "plain",
            case("needy", id="needy", needs=["af_unix"], personas=["windows"]),
            case("future", id="future", since="99.0"),
            case("elsewhere", id="elsewhere", platforms=["win32"]),
        ])
        def test_close_variants(impl, kind):
            assert kind == "plain"
    """)
    result = project.run()
    assert result.ret == 0, result.stdout.str()
    records = project.records()
    assert records["close_variants[plain]"]["outcome"] == "pass"
    assert "persona native" in records["close_variants[needy]"]["na_reason"]
    assert "99.0" in records["close_variants[future]"]["na_reason"]
    assert "win32" in records["close_variants[elsewhere]"]["na_reason"]


def test_case_conditions_combine_with_the_specs():
    from harness.model.spec import build_meta, combine

    base = build_meta(("socket.close",), since="3.9", needs=["af_unix"], platforms=["linux", "darwin"])
    extra = build_meta(("case",), since="3.11", before="3.14", needs=["af_unix", "ipv6"],
                       platforms=["darwin", "win32"], personas=["native"])
    both = combine(base, extra)
    assert both.elements == ("socket.close",)
    assert (both.since, both.before) == ((3, 11), (3, 14))
    assert both.needs == ("af_unix", "ipv6")
    assert both.platforms == ("darwin",)
    assert both.personas == ("native",)


def test_na_only_run_passes(project):
    project.spec_file("area", """
        @spec("socket.close", before="3.0")
        def test_old(impl):
            raise AssertionError
    """)
    result = project.run()
    assert result.ret == 0
    assert project.records()["old"]["outcome"] == "n/a"


def test_ids_area_and_elements_are_recorded(project):
    project.spec_file("makefile", """
        @spec("socket.makefile", "SocketIO.readinto")
        @pytest.mark.parametrize("mode", ["rb", "wb"])
        def test_makefile_mode(impl, mode):
            assert mode in ("rb", "wb")
    """)
    assert project.run().ret == 0
    records = project.records()
    assert set(records) == {"makefile_mode[rb]", "makefile_mode[wb]"}
    record = records["makefile_mode[rb]"]
    assert record["area"] == "makefile"
    assert record["elements"] == ["socket.makefile", "SocketIO.readinto"]
    assert record["nodeid"] == "specs/test_makefile.py::test_makefile_mode[rb]"


def test_spec_id_survives_a_move_to_another_file(project):
    source = """
        @spec("getfqdn")
        def test_getfqdn_strips(impl):
            assert impl.getfqdn("  x.invalid ") == "x.invalid"
    """
    project.spec_file("one", source)
    project.run()
    first = project.records()
    (project.root / "specs" / "test_one.py").unlink()
    project.spec_file("two", source)
    project.run()
    second = project.records()
    assert set(first) == set(second) == {"getfqdn_strips"}


def test_duplicate_spec_ids_are_refused(project):
    project.spec_file("one", """
        @spec("getfqdn")
        def test_same(impl):
            pass
    """)
    project.spec_file("two", """
        @spec("getfqdn")
        def test_same(impl):
            pass
    """)
    result = project.run()
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*spec id 'same' is already used by*"])


def test_spec_without_metadata_is_refused(project):
    project.spec_file("bare", """
        def test_no_metadata():
            pass
    """)
    result = project.run()
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*test_no_metadata: a spec needs @spec(...) metadata*"])


def test_unknown_capability_is_a_collection_error(project):
    project.spec_file("bad", """
        @spec("socket.close", needs=["teleport"])
        def test_x(impl):
            pass
    """)
    result = project.run()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*unknown capability 'teleport'*"])


def test_a_spec_that_skips_itself_is_unexpected(project):
    project.spec_file("area", """
        @spec("socket.close")
        def test_skips(impl):
            pytest.skip("no reason")
    """)
    result = project.run()
    assert project.records()["skips"]["outcome"] == "skip"
    assert result.ret == 1


def test_failure_in_fixture_setup_is_an_error(project):
    project.spec_file("area", """
        @pytest.fixture
        def broken():
            raise RuntimeError("fixture broke")

        @spec("socket.close")
        def test_uses_broken(impl, broken):
            pass
    """)
    result = project.run()
    record = project.records()["uses_broken"]
    assert record["outcome"] == "error"
    assert "fixture broke" in record["message"]
    assert result.ret == 1


def test_timeout_is_recorded(project):
    project.spec_file("area", """
        import time

        @spec("socket.recv")
        @pytest.mark.timeout(1)
        def test_hangs(impl):
            time.sleep(30)
    """)
    result = project.run()
    record = project.records()["hangs"]
    assert record["outcome"] == "timeout"
    assert result.ret == 1


def test_missing_specs_are_recorded(project):
    project.spec_file("area", """
        @spec("socket.close")
        def test_a_first_fails(impl):
            assert False

        @spec("socket.close")
        def test_b_never_runs(impl):
            pass
    """)
    result = project.run("-x")
    records = project.records()
    assert records["a_first_fails"]["outcome"] == "fail"
    assert records["b_never_runs"]["outcome"] == "missing"
    result.stdout.fnmatch_lines(["*MISSING specs/test_area.py::test_b_never_runs*"])
    assert result.ret == 1


def test_deselected_specs_are_not_missing(project):
    project.spec_file("area", """
        @spec("socket.close")
        def test_kept(impl):
            pass

        @spec("socket.close")
        def test_dropped(impl):
            pass
    """)
    assert project.run("-k", "kept").ret == 0
    assert set(project.records()) == {"kept"}


def test_worker_crash_is_recorded_and_the_run_goes_on(project):
    project.spec_file("area", """
        import os

        @spec("socket.close")
        def test_crashes(impl):
            os._exit(3)

        @spec("socket.close")
        def test_after_the_crash(impl):
            pass
    """)
    result = project.run("-n", "1", "-p", "xdist", subprocess=True)
    records = project.records()
    assert records["crashes"]["outcome"] == "crash"
    assert "crashed" in records["crashes"]["message"]
    assert records["after_the_crash"]["outcome"] == "pass"
    assert result.ret == 1


def test_results_record_run_info(project):
    project.spec_file("area", """
        @spec("socket.close")
        def test_ok(impl):
            pass
    """)
    project.run()
    info = project.document()["run_info"]
    assert info["implementation"]["name"] == "stdlib"
    assert info["persona"] is None
    assert info["capabilities"]["af_unix"] in (True, False)
    assert info["start"] <= info["end"]
    assert set(info["surface"]) >= {"missing", "extra", "signatures"}
    assert project.document()["complete"] is True


def test_base_exceptions_from_the_implementation_fail_only_their_spec(project):
    project.spec_file("area", """
        @pytest.fixture
        def exits():
            raise SystemExit(3)

        @spec("socket.close")
        def test_keyboard_interrupt(impl):
            raise KeyboardInterrupt

        @spec("socket.close")
        def test_generator_exit(impl):
            raise GeneratorExit

        @spec("socket.close")
        def test_exit_in_fixture(impl, exits):
            pass

        @spec("socket.close")
        def test_runs_after(impl):
            pass
    """)
    result = project.run()
    records = project.records()
    for spec_id in ("keyboard_interrupt", "generator_exit"):
        assert records[spec_id]["outcome"] == "fail"
        assert records[spec_id]["fingerprint"]["exception"] == "EscapedBaseException"
    assert records["exit_in_fixture"]["outcome"] == "error"
    assert "SystemExit" in records["exit_in_fixture"]["message"]
    assert records["runs_after"]["outcome"] == "pass"
    assert result.ret == 1


def test_base_exception_in_fixture_teardown_fails_only_that_spec(project):
    project.spec_file("area", """
        @pytest.fixture
        def interrupts_on_teardown():
            yield
            raise KeyboardInterrupt("teardown")

        @spec("socket.close")
        def test_a_interrupted_teardown(impl, interrupts_on_teardown):
            pass

        @spec("socket.close")
        def test_b_after(impl):
            pass
    """)
    result = project.run("-p", "no:randomly")
    records = project.records()
    assert records["a_interrupted_teardown"]["outcome"] == "error"
    assert "KeyboardInterrupt escaped" in records["a_interrupted_teardown"]["message"]
    assert records["b_after"]["outcome"] == "pass"
    assert result.ret == 1


def test_timeouts_in_setup_and_teardown_are_timeouts(project):
    project.spec_file("area", """
        import time

        @pytest.fixture
        def slow_setup():
            time.sleep(30)

        @pytest.fixture
        def slow_teardown():
            yield
            time.sleep(30)

        @spec("socket.close")
        @pytest.mark.timeout(1)
        def test_setup_hangs(impl, slow_setup):
            pass

        @spec("socket.close")
        @pytest.mark.timeout(1)
        def test_teardown_hangs(impl, slow_teardown):
            pass
    """)
    project.run()
    records = project.records()
    assert records["setup_hangs"]["outcome"] == "timeout"
    assert records["teardown_hangs"]["outcome"] == "timeout"


def test_timeout_inside_a_property_is_a_timeout(project):
    project.spec_file("area", """
        import time
        from hypothesis import given, settings, strategies as st

        @spec("socket.close")
        @pytest.mark.timeout(1)
        @settings(deadline=None, max_examples=50, database=None)
        @given(st.integers(0, 10))
        def test_slow_property(impl, n):
            time.sleep(0.3)
    """)
    project.run()
    assert project.records()["slow_property"]["outcome"] == "timeout"


def test_a_failing_property_ends_at_its_time_limit_without_shrinking_on(project):
    """Examples fail slowly and take many steps to shrink and explain: under pytest-timeout's
    own ``Failed`` hypothesis would take the timeout for one more failing example and shrink
    on for minutes."""
    project.spec_file("area", """
        import time
        from hypothesis import Phase, given, settings, strategies as st

        @spec("socket.close")
        @pytest.mark.timeout(2)
        @settings(deadline=None, max_examples=1000, database=None, phases=tuple(Phase))
        @given(st.lists(st.integers(), min_size=5))
        def test_fails_slowly(impl, values):
            time.sleep(0.3)
            assert sum(values) < 1000, values
    """)
    started = time.monotonic()
    result = project.run()
    elapsed = time.monotonic() - started
    record = project.records()["fails_slowly"]
    assert record["outcome"] == "timeout", record
    assert "SpecTimeout: Timeout (>2s)" in record["message"]
    assert record["duration"] < 4 and elapsed < 15, (record["duration"], elapsed)
    assert result.ret == 1


def test_a_spec_that_swallows_the_timeout_is_interrupted_again(project):
    project.spec_file("area", """
        import time

        @spec("socket.close")
        @pytest.mark.timeout(1)
        def test_swallows_once(impl):
            try:
                time.sleep(30)
            except BaseException:
                pass
            time.sleep(30)

        @spec("socket.close")
        def test_runs_after(impl):
            pass
    """)
    project.run("-p", "no:randomly")
    records = project.records()
    assert records["swallows_once"]["outcome"] == "timeout"
    assert "still running" in records["swallows_once"]["message"]
    assert records["swallows_once"]["duration"] < 5
    assert records["runs_after"]["outcome"] == "pass"


def test_timeout_in_a_property_fixture_teardown_is_a_timeout(project):
    project.spec_file("area", """
        import time
        from hypothesis import HealthCheck, given, settings, strategies as st

        @pytest.fixture
        def slow_teardown():
            yield
            time.sleep(30)

        @spec("socket.close")
        @pytest.mark.timeout(2)
        @settings(deadline=None, max_examples=5, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(st.integers())
        def test_property_then_slow_teardown(impl, slow_teardown, n):
            pass
    """)
    project.run()
    record = project.records()["property_then_slow_teardown"]
    assert record["outcome"] == "timeout"


def test_without_sigalrm_pytest_timeout_keeps_the_timer(project, monkeypatch):
    """Where the harness cannot raise from an alarm (no SIGALRM, as on Windows), it leaves
    the timer to pytest-timeout; a timeout outside hypothesis is still a ``timeout``."""
    from harness.runner import time_limit

    monkeypatch.setattr(time_limit, "HAVE_SIGALRM", False)
    project.spec_file("area", """
        import time

        @spec("socket.recv")
        @pytest.mark.timeout(1)
        def test_hangs(impl):
            time.sleep(30)
    """)
    project.run()
    record = project.records()["hangs"]
    assert record["outcome"] == "timeout"
    assert "pytest-timeout" in record["message"]


def test_thread_method_ends_the_worker_and_the_run_goes_on(project):
    project.spec_file("area", """
        import time

        @spec("socket.recv")
        @pytest.mark.timeout(1, method="thread")
        def test_a_hangs(impl):
            time.sleep(30)

        @spec("socket.recv")
        def test_b_after(impl):
            pass
    """)
    project.run("-n", "1", "-p", "xdist", "-p", "no:randomly", subprocess=True)
    records = project.records()
    assert records["a_hangs"]["outcome"] == "crash"
    assert records["b_after"]["outcome"] == "pass"
