"""The benchmark document (schema ``sockspec-bench``, described in docs/performance.md) that
``python -m harness bench`` writes and the report's Benchmarks section reads."""

from __future__ import annotations

SCHEMA = "sockspec-bench"
SCHEMA_VERSION = 1
#: What a document measured: implementations against each other, or the suite itself.
KINDS = ("implementations", "suite")


class BenchDocumentError(ValueError):
    """A benchmark document that cannot be used; the message says why."""
