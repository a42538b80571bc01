"""A new web process builds its suggestion snapshot as it starts (gunicorn.conf.py), in a
thread of its own, and a database it cannot reach is only logged."""

from __future__ import annotations

import logging
import runpy
from pathlib import Path

import pytest
from django.db import OperationalError

from matching import engine
from tests.matching.people import person

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


# The warm-up thread has its own database connection: it sees only committed rows.
@pytest.mark.django_db(transaction=True)
def test_the_warm_up_builds_the_snapshot_in_its_own_thread():
    member = person("Wren Early", answers={"harm-reduction": (0, 0b11)})
    assert engine._current is None

    thread = engine.warm_in_background()
    thread.join(timeout=60)

    assert not thread.is_alive()
    assert thread.name == "matching-warm-up"
    assert engine._current is not None
    assert member.pk in engine._current.row_of
    assert engine._current.answers_of(member.pk)["harm-reduction"].choice == 0


def test_a_warm_up_that_cannot_reach_the_database_is_logged_not_raised(monkeypatch, caplog):
    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(engine, "build", unreachable)
    with caplog.at_level(logging.WARNING, logger="matching.engine"):
        thread = engine.warm_in_background()
        thread.join(timeout=60)

    assert engine._current is None  # the first request builds it instead
    assert "Could not warm the matching snapshot." in caplog.text


def test_gunicorn_warms_each_worker_as_it_starts(monkeypatch):
    started = []
    monkeypatch.setattr(engine, "warm_in_background", lambda: started.append(True))

    settings = runpy.run_path(str(GUNICORN_CONF))
    settings["post_worker_init"](object())

    assert started == [True]
