"""The published report site: what a night publishes, and how the next night reads it back.

A night's site holds the page (``index.html`` and what the report writes beside it) and, under
``data/``, the results files of that night, the score summaries of the nights before it
(the history) and the mutation documents of the last nights (``data/mutation/``, each named
``DAY-NAME`` by the day of its ``created``), listed in ``data/manifest.json``. The next night
fetches that manifest and its files from the site's address and passes them to ``report`` as
``--baseline``, ``--history``, ``--mutation`` and ``--mutation-baseline``, so the page shows
what changed since and how the scores moved.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path, PurePosixPath
from typing import Dict, Iterable, List, Tuple

from harness.documents import mutation as mutation_document

MANIFEST = "data/manifest.json"
SCHEMA = "sockspec-site"
#: The longest a fetch of one file may take, in seconds.
FETCH_TIMEOUT = 60.0
#: The nights of mutation documents a site keeps (the history of the spec power).
MUTATION_NIGHTS = 14
KINDS = ("results", "history", "mutation")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}-")


class SiteError(ValueError):
    """A site that cannot be written or read; the message names what is wrong."""


def _copy_all(files: Iterable[Path], folder: Path) -> List[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for path in files:
        target = folder / path.name
        shutil.copyfile(path, target)
        names.append(target.name)
    return sorted(names)


def recent_mutation(files: Iterable[Path], nights: int = MUTATION_NIGHTS
                    ) -> Tuple[Dict[str, Path], List[str]]:
    """{published name: file} of the mutation documents of the latest ``nights`` days (by
    ``created``), each named ``DAY-NAME``; and a line for each file left out as unusable."""
    dated: List[Tuple[str, str, Path]] = []
    skipped: List[str] = []
    for path in map(Path, files):
        try:
            created = mutation_document.read(path).get("created")
        except mutation_document.DocumentError as exc:
            skipped.append(str(exc))
            continue
        day = str(created)[:10]
        name = path.name if _DAY.match(path.name) else f"{day}-{path.name}"
        dated.append((day, name, path))
    kept = sorted({day for day, _, _ in dated})[-nights:] if nights > 0 else []
    return {name: path for day, name, path in sorted(dated) if day in kept}, skipped


def publish(site: Path, results: Iterable[Path], summary: Path, history: Iterable[Path],
            night: str, mutation: Iterable[Path] = ()) -> Dict[str, List[str]]:
    """Add ``data/`` to ``site``: this night's results, the history with this night's
    summary (named ``NIGHT.summary.json``) added to the earlier ones, and the mutation
    documents of the last nights (see :func:`recent_mutation`)."""
    site = Path(site)
    data = site / "data"
    if data.exists():
        shutil.rmtree(data)
    written = {"results": _copy_all(results, data / "results")}
    history_dir = data / "history"
    earlier = _copy_all(history, history_dir)
    shutil.copyfile(summary, history_dir / f"{night}.summary.json")
    written["history"] = sorted(set(earlier) | {f"{night}.summary.json"})
    chosen, _ = recent_mutation(mutation)
    mutation_dir = data / "mutation"
    mutation_dir.mkdir(parents=True, exist_ok=True)
    for name, path in chosen.items():
        shutil.copyfile(path, mutation_dir / name)
    written["mutation"] = sorted(chosen)
    manifest = {"schema": SCHEMA, "night": night, **written}
    (site / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return written


def _get(url: str) -> bytes:
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in ("http", "https", "file"):
        raise SiteError(f"{url}: only http, https and file addresses are read")
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as answer:
        return answer.read()


def _safe_name(name: object, where: str) -> str:
    if not isinstance(name, str) or not name or PurePosixPath(name).name != name:
        raise SiteError(f"{where}: {name!r} is not a plain file name")
    return name


def fetch(base_url: str, folder: Path) -> Tuple[Path, Path, bool]:
    """Download a published site's data into ``folder``: (results folder, history folder,
    whether the site had any); its mutation documents go to ``folder/mutation``. A site that
    does not exist yet (the first night) gives empty folders; anything else that goes wrong
    is a SiteError naming the address."""
    folder = Path(folder)
    results_dir, history_dir = folder / "results", folder / "history"
    for kind in KINDS:
        (folder / kind).mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/") + "/"
    address = urllib.parse.urljoin(base, MANIFEST)
    try:
        manifest = json.loads(_get(address))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return results_dir, history_dir, False
        raise SiteError(f"{address}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        if isinstance(getattr(exc, "reason", None), FileNotFoundError) or isinstance(
                exc, FileNotFoundError):
            return results_dir, history_dir, False
        raise SiteError(f"{address}: {getattr(exc, 'reason', exc)}") from None
    except ValueError:
        raise SiteError(f"{address}: not a JSON manifest") from None
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise SiteError(f"{address}: not a sockspec site manifest")
    for kind in KINDS:
        target = folder / kind
        names = manifest.get(kind, [])  # a site of an earlier harness has no "mutation"
        if not isinstance(names, list):
            raise SiteError(f"{address}: {kind!r} is not a list")
        for name in names:
            name = _safe_name(name, address)
            url = urllib.parse.urljoin(base, f"data/{kind}/{urllib.parse.quote(name)}")
            try:
                (target / name).write_bytes(_get(url))
            except (urllib.error.URLError, OSError) as exc:
                raise SiteError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    return results_dir, history_dir, True
