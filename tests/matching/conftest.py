"""Every matching test starts without a suggestion snapshot: the engine keeps one per
process, and a previous test's (rolled back) members must not linger in it."""

import pytest

from matching import engine


@pytest.fixture(autouse=True)
def _fresh_engine():
    engine.reset()
    yield
    engine.reset()
