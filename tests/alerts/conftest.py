from __future__ import annotations

import os

import pytest


@pytest.fixture
def no_footprint_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own FOOTPRINT_* variables must not steer the delivery tests."""
    for name in [n for n in os.environ if n.startswith("FOOTPRINT_")]:
        monkeypatch.delenv(name)
