"""The product is complete in itself: nothing in the tree points at notes kept outside it."""

from __future__ import annotations

import subprocess

from tests.conftest import ROOT

#: Ways a file could send a reader to notes outside the repository.
#: (Spelled in pieces, so that this file does not match itself.)
_NOTES = "shared"
OUTSIDE = ("../" + _NOTES, *(f"{_NOTES}/{name}" for name in ("SURFACE", "ARCHITECTURE", "STYLE")),
           "SURFACE" + ".md")


def test_no_file_points_outside_the_repository():
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split()
    offending = []
    for name in listed:
        path = ROOT / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if any(marker in line for marker in OUTSIDE):
                offending.append(f"{name}:{number}: {line.strip()}")
    assert offending == []
