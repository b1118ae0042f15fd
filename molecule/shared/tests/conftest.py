"""The shared verifier tests' fixtures come from the wharf_verifier package."""

from wharf_verifier import host, site  # noqa: F401
