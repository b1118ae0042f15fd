"""This scenario's tests use the shared verifier helpers and bench/'s load generator."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from shared_conftest import host, shared  # noqa: F401
