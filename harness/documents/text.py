"""Reading a document's text: one-line errors that name the file."""

from __future__ import annotations

from pathlib import Path
from typing import Type


def read_text(path: Path, error: Type[Exception]) -> str:
    """The UTF-8 text of ``path``; ``error`` naming the file when it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
