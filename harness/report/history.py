"""History across earlier nightlies: a folder of earlier merged summaries (``*.summary.json``).

Each summary gives one point per implementation (its score that night); the current report adds
the last point. The trend is drawn as a small inline SVG polyline.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from harness.report import summary
from harness.report.merge import Problem


@dataclasses.dataclass
class Point:
    generated: str
    passed: int
    applicable: int

    @property
    def ratio(self) -> Optional[float]:
        return self.passed / self.applicable if self.applicable else None


def _summary_fault(document: Any) -> Optional[str]:
    if not isinstance(document, dict) or document.get("schema") != summary.SCHEMA:
        return "not a sockspec report summary"
    if document.get("schema_version") != summary.SCHEMA_VERSION:
        return (f"unsupported summary schema_version {document.get('schema_version')!r} "
                f"(this harness reads {summary.SCHEMA_VERSION})")
    if not isinstance(document.get("generated"), str):
        return "summary has no 'generated' time"
    impls = document.get("implementations")
    if not isinstance(impls, dict):
        return "summary has no implementations"
    for name, entry in impls.items():
        if not isinstance(entry, dict):
            return f"implementation {name!r} is not an object"
        if not all(type(entry.get(k)) is int for k in ("passed", "applicable")):
            return f"implementation {name!r} has no passed/applicable counts"
    return None


def read_summary(path: Path) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text)
    except OSError as exc:
        return None, f"{path}: cannot read: {exc.strerror}"
    except UnicodeDecodeError:
        return None, f"{path}: not UTF-8 text"
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        state = "truncated" if cut else "not valid JSON"
        return None, f"{path}: {state} (line {exc.lineno}, column {exc.colno})"
    fault = _summary_fault(document)
    return (None, f"{path}: {fault}") if fault else (document, None)


def read(folder: Path) -> Tuple[Dict[str, List[Point]], List[Problem]]:
    """Points per implementation, oldest first, and a Problem for each unusable file."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}, [Problem(str(folder), f"{folder}: history folder does not exist",
                            role="history")]
    points: Dict[str, List[Point]] = {}
    problems: List[Problem] = []
    seen: Dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        document, fault = read_summary(path)
        if document is not None and document["generated"] in seen:
            fault = f"{path}: same 'generated' time as {seen[document['generated']]}; ignored"
        if fault:
            problems.append(Problem(str(path), fault, role="history"))
            continue
        seen[document["generated"]] = str(path)
        for name, entry in document["implementations"].items():
            points.setdefault(name, []).append(
                Point(document["generated"], entry["passed"], entry["applicable"]))
    for series in points.values():
        series.sort(key=lambda p: p.generated)
    return points, problems


def with_current(points: Dict[str, List[Point]], current: Dict[str, Point]) -> Dict[str, List]:
    series = {name: list(found) for name, found in points.items()}
    for name, point in current.items():
        series.setdefault(name, []).append(point)
    return series


@dataclasses.dataclass
class Trend:
    width: int
    height: int
    polyline: str
    dots: List[Tuple[float, float, str]]
    low: str
    high: str


def trend(points: List[Point], width: int = 160, height: int = 36, pad: int = 4) -> Optional[Trend]:
    """SVG geometry for a series of scores; None when no point has a score."""
    scored = [p for p in points if p.ratio is not None]
    if not scored:
        return None
    low = min(p.ratio for p in scored)
    high = max(p.ratio for p in scored)
    bottom = min(low, max(0.0, high - 0.05))
    span = (high - bottom) or 1.0
    step = (width - 2 * pad) / max(1, len(scored) - 1)
    dots = []
    for index, point in enumerate(scored):
        x = pad + index * step if len(scored) > 1 else width / 2
        y = pad + (high - point.ratio) / span * (height - 2 * pad)
        title = f"{point.generated}: {point.ratio * 100:.1f}% ({point.passed}/{point.applicable})"
        dots.append((round(x, 1), round(y, 1), title))
    return Trend(width=width, height=height,
                 polyline=" ".join(f"{x},{y}" for x, y, _ in dots), dots=dots,
                 low=f"{bottom * 100:.1f}%", high=f"{high * 100:.1f}%")
