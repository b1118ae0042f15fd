"""The shared verifier helpers (podman host, Site, ...) for scenarios with their own tests.

pytest already knows each scenario's own conftest.py as `conftest`, so the
shared one is loaded here under a name of its own.
"""

import importlib.util
import sys
from pathlib import Path

_SHARED = Path(__file__).resolve().parent / "tests" / "conftest.py"
_spec = importlib.util.spec_from_file_location("wharf_shared_conftest", _SHARED)
shared = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = shared
_spec.loader.exec_module(shared)

host = shared.host
