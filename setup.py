"""Build sockspec's wheel and sdist: the repository's folders become one package, ``sockspec``.

In the repository, the harness, the fixtures and the specs are the top-level folders
``harness/``, ``fixtures/`` and ``specs/`` (so ``python -m harness`` works from a checkout),
beside ``implementations/``. Installed, they must not be top-level modules with such generic
names, so the build maps them under one package:

    harness/          -> sockspec/harness/         (without the report's sample results)
    fixtures/         -> sockspec/fixtures/
    specs/            -> sockspec/specs/
    implementations/  -> sockspec/implementations/ (metadata, expectations, the reference)

and rewrites, in the copied files only, the import statements that name those packages
(``from harness.model.spec import spec`` becomes ``from sockspec.harness.model.spec import spec``). Names
built at run time (a plugin to load, the CLI of a child run) come from ``harness.model.paths``, which
knows which of the two layouts it is running in. The build also writes ``sockspec/__init__.py``,
``sockspec/__main__.py`` (``python -m sockspec``) and ``sockspec/pytest.ini``, the pytest
configuration of ``pyproject.toml``'s ``[tool.pytest.ini_options]``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
MAPPED = ("harness", "fixtures", "specs")
_IMPORT = re.compile(r"^(\s*)(from|import) (harness|fixtures|specs)\b", re.M)


def rewrite_imports(text: str) -> str:
    """``from harness... import`` -> ``from sockspec.harness... import``; ``import harness``
    -> ``from sockspec import harness`` (the name stays bound the same way)."""

    def replace(match):
        indent, keyword, name = match.groups()
        if keyword == "import":
            return f"{indent}from sockspec import {name}"
        return f"{indent}from sockspec.{name}"

    return _IMPORT.sub(replace, text)


def _toml(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the build requirements add tomli there
        import tomli as tomllib
    return tomllib.loads(path.read_text(encoding="utf-8"))


def pytest_ini() -> str:
    """pyproject.toml's pytest options as an ini file, without the checkout's own paths."""
    options = dict(_toml(HERE / "pyproject.toml")["tool"]["pytest"]["ini_options"])
    options.pop("testpaths", None)
    options.pop("pythonpath", None)
    lines = ["[pytest]"]
    for key, value in options.items():
        if isinstance(value, list):
            lines.append(f"{key} =")
            lines.extend(f"    {item}" for item in value)
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        else:
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def _packages():
    found = []
    for top in MAPPED:
        for folder in sorted([HERE / top, *(HERE / top).rglob("*")]):
            if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py")):
                relative = folder.relative_to(HERE).as_posix().replace("/", ".")
                found.append("sockspec." + relative)
    return found


PACKAGES = _packages()
PACKAGE_DIR = {name: name[len("sockspec."):].replace(".", "/") for name in PACKAGES}
PACKAGE_DIR["sockspec.implementations"] = "implementations"


class BuildPy(build_py):
    """Copy the packages under sockspec/, rewrite their imports, add the package's own files."""

    def run(self):
        super().run()
        root = Path(self.build_lib) / "sockspec"
        for path in root.rglob("*.py"):
            if "implementations" in path.relative_to(root).parts:
                continue  # implementations are loaded from their files as they are
            text = path.read_text(encoding="utf-8")
            changed = rewrite_imports(text)
            if changed != text:
                path.write_text(changed, encoding="utf-8")
        for name in PACKAGES + ["sockspec.implementations"]:
            init = root.parent / name.replace(".", "/") / "__init__.py"
            if not init.exists():
                init.parent.mkdir(parents=True, exist_ok=True)
                init.write_text('"""Part of sockspec (see setup.py)."""\n', encoding="utf-8")
        version = re.search(r'__version__ = "([^"]+)"',
                            (HERE / "harness" / "__init__.py").read_text()).group(1)
        (root / "__init__.py").write_text(
            '"""sockspec: the executable specification of Python\'s socket module."""\n\n'
            f'__version__ = "{version}"\n', encoding="utf-8")
        (root / "__main__.py").write_text(
            '"""python -m sockspec: the sockspec command."""\n\nimport sys\n\n'
            "from sockspec.harness.cli.main import main\n\n"
            'if __name__ == "__main__":\n    sys.exit(main())\n', encoding="utf-8")
        (root / "pytest.ini").write_text(pytest_ini(), encoding="utf-8")


# The build's own metadata stays in build/ (ignored by git): a sockspec.egg-info in the
# repository's root would be found on a checkout's sys.path, and its pytest11 entry points
# would name a package that only exists installed.
(HERE / "build").mkdir(exist_ok=True)

setup(
    options={"egg_info": {"egg_base": "build"}},
    packages=PACKAGES + ["sockspec.implementations"],
    package_dir=PACKAGE_DIR,
    package_data={
        "sockspec.harness.report": ["templates/*"],
        "sockspec.specs": ["renamed.toml"],
        "sockspec.implementations": ["*/impl.toml", "*/expectations.toml",
                                     "*/equivalent-mutants.toml", "*/*.py"],
    },
    cmdclass={"build_py": BuildPy},
)
