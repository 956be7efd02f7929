"""sockspec harness: runs the conformance specs against a socket implementation."""

__version__ = "0.1.0"
