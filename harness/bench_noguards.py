"""A pytest plugin for ``python -m harness bench --suite``: the sockspec guards switched off.

Loaded with ``-p harness.bench_noguards`` next to the sockspec plugin, it replaces
the guard objects ``harness.plugin`` looks up at call time with inert ones, so a
run does everything but the per-spec snapshots (descriptors, threads, children)
and the loopback audit. Only for measuring what the guards cost.
"""

from __future__ import annotations

from harness import plugin


class _NoSnapshot:
    @staticmethod
    def take():
        return None  # the plugin's teardown check skips a spec without a snapshot


class _NoLoopbackGuard:
    @staticmethod
    def install() -> None:
        pass

    @staticmethod
    def begin() -> None:
        pass

    @staticmethod
    def end():
        return None


plugin.Snapshot = _NoSnapshot
plugin.LoopbackGuard = _NoLoopbackGuard
