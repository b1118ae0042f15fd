"""This scenario's tests use the shared verifier helpers."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
from shared_conftest import host, shared  # noqa: F401
