"""The benchmark document (schema ``sockspec-bench``, described in docs/performance.md) that
``python -m harness bench`` writes and the report's Benchmarks section reads."""

from __future__ import annotations

SCHEMA = "sockspec-bench"
SCHEMA_VERSION = 1
#: What a document measured: implementations against each other, the suite itself, or the
#: mutation run.
KINDS = ("implementations", "suite", "mutation")


class BenchDocumentError(ValueError):
    """A benchmark document that cannot be used; the message says why."""
