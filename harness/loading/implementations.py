"""Finding and loading the implementation under test.

``--impl`` accepts a registered name, a dotted module path, or a path to a ``.py`` file.
Files are loaded under a fresh module name, so a patched copy of a socket module can be tried
as it is.

A registered implementation is a folder with an ``impl.toml``: the folders under
``implementations/``, the folders that other packages name in the ``sockspec.implementations``
entry point group (the value is a package or module whose folder holds ``impl.toml``), and an
``impl.toml`` given with ``--impl-meta``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import pytest

from harness.model import paths, toml
from harness.model.versions import parse_version, running_python

IMPLEMENTATIONS_DIR = paths.ROOT / "implementations"
METADATA_FILE = "impl.toml"
EXPECTATIONS_FILE = "expectations.toml"
ENTRY_POINT_GROUP = "sockspec.implementations"

#: Implementations registered in this process with --impl-meta: name -> its impl.toml.
_EXTRA: Dict[str, Path] = {}

#: Names a module must have to count as a socket module at all.
REQUIRED_NAMES = ("socket", "socketpair", "create_connection", "AF_INET", "SOCK_STREAM", "error")

LOADED_KEY = pytest.StashKey["LoadedImplementation"]()


class ImplementationError(Exception):
    """The implementation cannot be used; the message is one line for the user."""


@dataclasses.dataclass
class LoadedImplementation:
    name: str
    module: Any
    source: str
    version: str
    semantics: Tuple[int, ...]
    expectations: Optional[Path]
    install_hint: str
    folder: Optional[Path] = None
    persona: Optional[str] = None
    #: the implementation's impl.toml, read once (empty when it has none)
    metadata: Dict[str, Any] = dataclasses.field(default_factory=dict)

    def info(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "module": getattr(self.module, "__name__", "?"),
            "semantics": ".".join(map(str, self.semantics)),
            "persona": self.persona,
        }


def _entry_point_files() -> Dict[str, Path]:
    """name -> impl.toml of the implementations other installed packages register."""
    try:
        from importlib.metadata import entry_points
    except ImportError:  # pragma: no cover
        return {}
    found = entry_points()
    chosen = (found.select(group=ENTRY_POINT_GROUP) if hasattr(found, "select")
              else found.get(ENTRY_POINT_GROUP, ()))
    files = {}
    for point in chosen:
        spec = importlib.util.find_spec(point.value)
        if spec is None:
            continue
        locations = list(spec.submodule_search_locations or [])
        folder = Path(locations[0]) if locations else Path(spec.origin or ".").parent
        if (folder / METADATA_FILE).is_file():
            files[point.name] = folder / METADATA_FILE
    return files


def metadata_files() -> Dict[str, Path]:
    """name -> impl.toml of every registered implementation (later sources win)."""
    files = {p.name: p / METADATA_FILE for p in IMPLEMENTATIONS_DIR.iterdir()
             if (p / METADATA_FILE).is_file()}
    files.update(_entry_point_files())
    files.update(_EXTRA)
    return files


def registered_names():
    return sorted(metadata_files())


def register_metadata_file(path) -> Optional[str]:
    """Register the implementation an impl.toml describes (``--impl-meta``); its name."""
    if not path:
        return None
    path = Path(path)
    if not path.is_file():
        raise ImplementationError(f"--impl-meta {str(path)!r}: no such file")
    name = read_metadata(path)["name"]
    if not isinstance(name, str) or not name.strip():
        raise ImplementationError(f"{path}: 'name' must be a non-empty string")
    _EXTRA[name] = path.resolve()
    return name


def read_metadata(where: Path) -> Dict[str, Any]:
    """An impl.toml, given as the file or as its folder; ImplementationError names it."""
    where = Path(where)
    path = where if where.is_file() else where / METADATA_FILE
    try:
        data = toml.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImplementationError(f"{path}: cannot read: {exc.strerror}") from None
    except toml.TOMLDecodeError as exc:
        raise ImplementationError(f"{path}: malformed TOML: {exc}") from None
    for key in ("name", "description"):
        if key not in data:
            raise ImplementationError(f"{path}: missing key {key!r}")
    if ("module" in data) == ("file" in data):
        raise ImplementationError(f"{path}: give exactly one of 'module' or 'file'")
    return data


def _fresh_module_name(label: str) -> str:
    digest = hashlib.sha1(label.encode("utf-8")).hexdigest()[:10]
    return f"sockspec_impl_{digest}"


def load_file(path: Path, module_name: Optional[str] = None):
    """Execute a socket module's source under a fresh name registered in sys.modules."""
    name = module_name or _fresh_module_name(str(path.resolve()))
    spec = importlib.util.spec_from_file_location(name, str(path))
    if spec is None or spec.loader is None:
        raise ImplementationError(f"{path}: not a loadable Python file")
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
        raise
    return module


def _describe_failure(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"syntax error at {exc.filename}:{exc.lineno}: {exc.msg}"
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _import(label: str, loader, install_hint: str):
    try:
        return loader()
    except ImportError as exc:
        hint = f"; install it with: {install_hint}" if install_hint else ""
        raise ImplementationError(
            f"implementation {label!r} cannot be imported: {exc}{hint}"
        ) from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise ImplementationError(
            f"implementation {label!r} failed to load: {_describe_failure(exc)}"
        ) from None


def _check_names(label: str, module) -> None:
    missing = [n for n in REQUIRED_NAMES if not hasattr(module, n)]
    if missing:
        raise ImplementationError(
            f"implementation {label!r} is not a socket module: missing {', '.join(missing)}"
        )


def _distribution_version(distribution: str) -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return "unknown"
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def _python_version() -> str:
    return ".".join(map(str, running_python()))


def _semantics(value: Optional[str]) -> Tuple[int, ...]:
    if value in (None, "python"):
        return running_python()
    return parse_version(value)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def load_registered(name: str) -> LoadedImplementation:
    meta_file = metadata_files()[name]
    folder = meta_file.parent
    meta = read_metadata(meta_file)
    hint = meta.get("install", "")
    if "file" in meta:
        path = folder / meta["file"]
        module = _import(name, lambda: load_file(path, f"sockspec_impl_{name}"), hint)
        source = _shown(path)
    else:
        module = _import(name, lambda: importlib.import_module(meta["module"]), hint)
        source = meta["module"]
    _check_names(name, module)
    distribution = meta.get("distribution")
    version = _distribution_version(distribution) if distribution else meta.get("version")
    expectations = folder / EXPECTATIONS_FILE
    return LoadedImplementation(
        name=name,
        module=module,
        source=source,
        version=version or _python_version(),
        semantics=_semantics(meta.get("semantics")),
        expectations=expectations if expectations.is_file() else None,
        install_hint=hint,
        folder=folder,
        metadata=meta,
    )


def load_implementation(value: str, persona: Optional[str] = None) -> LoadedImplementation:
    """Resolve an ``--impl`` value; raises ImplementationError with a one-line message."""
    if persona:
        return _load_with_persona(value.strip(), persona)
    value = value.strip()
    if not value:
        raise ImplementationError("--impl is empty; give a registered name, module or .py file")
    if value in registered_names():
        return load_registered(value)
    if value.endswith(".py") or os.sep in value or "/" in value:
        path = Path(value)
        if not path.is_file():
            raise ImplementationError(f"implementation file {value!r} does not exist")
        module = _import(value, lambda: load_file(path), "")
        label = path.stem
        source = str(path)
    else:
        if not all(part.isidentifier() for part in value.split(".")):
            known = ", ".join(registered_names())
            raise ImplementationError(
                f"--impl {value!r} is neither a registered name ({known}), "
                "a dotted module path nor a .py file"
            )
        module = _import(value, lambda: importlib.import_module(value), "")
        label = value
        source = value
    _check_names(value, module)
    return LoadedImplementation(
        name=label,
        module=module,
        source=source,
        version=_python_version(),
        semantics=running_python(),
        expectations=None,
        install_hint="",
    )


def loaded_implementation(config) -> LoadedImplementation:
    """The implementation the harness plugin loaded for this pytest run."""
    try:
        return config.stash[LOADED_KEY]
    except KeyError:
        raise RuntimeError("no implementation loaded: is harness.runner.plugin active?") from None


def _source_of(value: str) -> Tuple[Path, Optional[Path], Dict[str, Any]]:
    """(source file, registered folder or None, metadata) of an implementation."""
    if value in registered_names():
        meta_file = metadata_files()[value]
        folder = meta_file.parent
        meta = read_metadata(meta_file)
        if "file" in meta:
            return folder / meta["file"], folder, meta
        spec = importlib.util.find_spec(meta["module"])
        origin = getattr(spec, "origin", None) if spec else None
        if meta["module"] != "socket" or not origin or not origin.endswith(".py"):
            raise ImplementationError(
                f"implementation {value!r} is a package module; personas need one source file "
                "(stdlib, reference or a .py path)"
            )
        return Path(origin), folder, meta
    path = Path(value)
    if not path.is_file():
        raise ImplementationError(f"personas need a source file; {value!r} is not one")
    return path, None, {}


def _load_with_persona(value: str, persona_name: str) -> LoadedImplementation:
    from harness.model import personas

    try:
        persona = personas.get(persona_name)
    except personas.PersonaError as exc:
        raise ImplementationError(str(exc)) from None
    path, folder, meta = _source_of(value)
    label = folder.name if folder else path.stem
    module_name = f"sockspec_impl_{label}_{persona.name.replace('-', '_')}"
    hint = meta.get("install", "")
    module, _ = _import(label, lambda: personas.load_source(path, module_name, persona), hint)
    _check_names(label, module)
    expectations = folder / EXPECTATIONS_FILE if folder else None
    version = meta.get("version") if meta.get("version") else _python_version()
    return LoadedImplementation(
        name=label,
        module=module,
        source=str(path),
        version=version,
        semantics=_semantics(meta.get("semantics")),
        expectations=expectations if expectations and expectations.is_file() else None,
        install_hint=hint,
        folder=folder,
        persona=persona.name,
        metadata=meta,
    )
