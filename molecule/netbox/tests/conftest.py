"""This scenario's tests use the shared verifier helpers and bench/'s load generator."""

from wharf_verifier import host  # noqa: F401
