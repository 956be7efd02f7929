"""The implementation being mutated: its source file, and folders that register a copy of it.

``--impl`` is a registered name (its impl.toml names a ``file``, or a ``module`` whose source
is one .py file) or a path to a .py file. Every run of the specs, the coverage run over the
original as well as each mutant's, registers its source through an impl.toml of its own
(``--impl-meta``), written from the original's metadata with ``file`` pointing at that source
and the original's expectations.toml and warm-up beside it: so all of them load the same way,
under the same name and semantics, with the same known failures.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
from pathlib import Path
from typing import Any, Dict, Optional

from harness.loading.implementations import (
    EXPECTATIONS_FILE,
    METADATA_FILE,
    metadata_files,
    read_metadata,
)
from harness.model import toml


class TargetError(Exception):
    """The implementation cannot be mutated; one line for the user."""


@dataclasses.dataclass(frozen=True)
class Target:
    name: str
    source: Path
    metadata: Dict[str, Any]
    folder: Optional[Path]

    def shown(self, root: Path) -> str:
        try:
            return str(self.source.resolve().relative_to(root))
        except ValueError:
            return str(self.source)

    def register(self, folder: Path, source: Path) -> Path:
        """Write ``folder``/impl.toml registering ``source`` as this implementation; its path."""
        folder.mkdir(parents=True, exist_ok=True)
        meta = {k: v for k, v in self.metadata.items() if k not in ("module", "file",
                                                                     "distribution")}
        meta["name"] = self.name
        meta.setdefault("description", f"a mutant of {self.name}")
        meta["file"] = str(Path(source).resolve())
        if "version" not in meta and self.metadata.get("distribution"):
            meta["version"] = "mutant"
        if self.folder is not None:
            expectations = self.folder / EXPECTATIONS_FILE
            if expectations.is_file():
                shutil.copyfile(expectations, folder / EXPECTATIONS_FILE)
            warm_up = self.metadata.get("warm_up")
            if warm_up and (self.folder / warm_up).is_file():
                shutil.copyfile(self.folder / warm_up, folder / warm_up)
        path = folder / METADATA_FILE
        path.write_text(_dump(meta), encoding="utf-8")
        return path


def _dump(meta: Dict[str, Any]) -> str:
    lines = []
    for key, value in meta.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, (int, float)):
            lines.append(f"{key} = {value}")
        elif isinstance(value, str):
            lines.append(f"{key} = {_quote(value)}")
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            lines.append(f"{key} = [{', '.join(_quote(v) for v in value)}]")
        else:
            raise TargetError(f"impl.toml key {key!r}: cannot copy a value of type "
                              f"{type(value).__name__}")
    text = "\n".join(lines) + "\n"
    toml.loads(text)  # what we wrote reads back
    return text


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def resolve(value: str) -> Target:
    """The implementation ``--impl`` names: a registered name or a .py file."""
    files = metadata_files()
    if value in files:
        meta_file = files[value]
        try:
            meta = read_metadata(meta_file)
        except Exception as exc:
            raise TargetError(str(exc)) from None
        folder = meta_file.parent
        if "file" in meta:
            source = folder / meta["file"]
        else:
            spec = importlib.util.find_spec(meta["module"])
            origin = getattr(spec, "origin", None) if spec else None
            if not origin or not origin.endswith(".py"):
                raise TargetError(f"implementation {value!r}: its module {meta['module']!r} "
                                  "has no single .py source to mutate")
            source = Path(origin)
        return Target(value, source.resolve(), dict(meta), folder)
    path = Path(value)
    if value.endswith(".py") or path.is_file():
        if not path.is_file():
            raise TargetError(f"implementation file {value!r} does not exist")
        return Target(path.stem, path.resolve(),
                      {"name": path.stem, "description": f"the socket module in {path}"}, None)
    known = ", ".join(sorted(files))
    raise TargetError(f"--impl {value!r} is neither a registered name ({known}) nor a .py file")
