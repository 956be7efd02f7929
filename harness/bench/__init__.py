"""Benchmarks: the socket workloads, the suite's own timing and the report's."""
