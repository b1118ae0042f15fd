"""The shared verifier helpers (podman host, Site), loaded under their own name."""

import importlib.util
import sys
from pathlib import Path

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "tests" / "conftest.py"
_spec = importlib.util.spec_from_file_location("wharf_shared_conftest", _SHARED)
shared = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = shared
_spec.loader.exec_module(shared)

host = shared.host
