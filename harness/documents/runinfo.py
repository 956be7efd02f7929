"""Facts about a run: host, interpreter, implementation, harness."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Optional

import harness
from harness.model import paths
from harness.model.paths import ROOT


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def git_revision(root: Path = ROOT) -> Optional[str]:
    """The checkout's commit; None when installed (the package version says which it is)."""
    if paths.INSTALLED:
        return None
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=str(root), capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def host_info() -> Dict[str, Any]:
    return {
        "os": sys.platform,
        "os_name": platform.system(),
        "os_release": platform.release(),
        "arch": platform.machine(),
        "python_implementation": sys.implementation.name,
        "python_version": platform.python_version(),
        "harness_version": harness.__version__,
    }


def expectation_context(impl_version: str, persona: Optional[str]) -> Dict[str, str]:
    """The facts expectation conditions are matched against."""
    return {
        "os": sys.platform,
        "python": platform.python_version(),
        "python_implementation": sys.implementation.name,
        "implementation": impl_version,
        "persona": persona or "native",
    }


def run_label(impl_name: str, persona: Optional[str]) -> str:
    """A file-name stem unique to this run: implementation, persona, Python, OS, time, pid."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    python = f"{sys.implementation.name}{sys.version_info[0]}.{sys.version_info[1]}"
    parts = [impl_name, persona or "native", python, sys.platform, stamp, str(os.getpid())]
    return "-".join(parts)
