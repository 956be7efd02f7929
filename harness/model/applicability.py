"""Whether a spec applies to this run: implementation semantics, platform, capabilities, persona."""

from __future__ import annotations

import sys
from typing import Mapping, Optional, Tuple

from harness.model.spec import SpecMeta


def _text(version: Tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def not_applicable_reason(
    meta: SpecMeta,
    semantics: Tuple[int, ...],
    capabilities: Mapping[str, bool],
    persona: Optional[str] = None,
    platform: str = sys.platform,
) -> Optional[str]:
    """Why the spec does not apply here, or None when it does."""
    if meta.since is not None and semantics < meta.since:
        return f"behaviour of CPython {_text(meta.since)}+, implementation has {_text(semantics)}"
    if meta.before is not None and semantics >= meta.before:
        return f"behaviour before CPython {_text(meta.before)}, implementation has {_text(semantics)}"
    if meta.platforms is not None and not any(platform.startswith(p) for p in meta.platforms):
        return f"platform {platform} not in {', '.join(meta.platforms)}"
    missing = [name for name in meta.needs if not capabilities.get(name, False)]
    if missing:
        return f"host lacks {', '.join(missing)}"
    if meta.personas is not None and (persona or "native") not in meta.personas:
        return f"persona {persona or 'native'} not in {', '.join(meta.personas)}"
    return None
