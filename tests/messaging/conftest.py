from types import SimpleNamespace

import pytest

from messaging import live


@pytest.fixture(autouse=True)
def _live_bumps_at_once(monkeypatch):
    """Versions move after commit (messaging/live.py); a test runs inside one
    transaction that never commits, so here, for live.py alone, "after commit" is "now"."""
    monkeypatch.setattr(live, "transaction", SimpleNamespace(on_commit=lambda apply: apply()))
