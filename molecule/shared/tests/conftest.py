"""The shared verifier tests' fixtures come from the wharf_verifier package.

The modules run in file order, except three that go first: the redeploy (the
scenario's idempotence check, on the hosts as converge left them), the fast
path, whose first run finds the record that redeploy wrote (no later test has
yet left a host to converge again), and the reboot, after which the fast
path would converge again (a restarted container has a new IP and MAC address).
"""

import pytest
from wharf_verifier import host, site  # noqa: F401

FIRST = ("test_redeploy.py", "test_fast_path.py", "test_reboot.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return FIRST.index(name) if name in FIRST else len(FIRST)

    items.sort(key=rank)  # stable: within a rank, pytest's own order
