"""This scenario's tests use the shared verifier helpers."""

from wharf_verifier import host  # noqa: F401
