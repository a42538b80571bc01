"""`seed_demo` (hive/demo.py): every app's own demo module, found through
INSTALLED_APPS and called in that order; the command's --if-empty and --replace."""

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings

from hive import demo
from hive.demo import DEMO_LOGINS, DemoContext
from matching.models import Answer
from members.models import User
from tests.hive.demo_app import demo as stand_in

WITH_STAND_IN = override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.hive.demo_app"])


def names(modules) -> list[str]:
    return [module.__name__ for module in modules]


def test_each_app_demo_module_is_found_in_installed_apps_order():
    assert names(demo.demo_modules()) == [
        "members.demo",
        "matching.demo",
        "messaging.demo",
        "groups.demo",
        "events.demo",
        "coffee.demo",
    ]
    # That order is INSTALLED_APPS's, not a list kept in hive/demo.py.
    order = [config.name for config in apps.get_app_configs()]
    assert order.index("members") < order.index("matching")


def test_a_new_app_joins_the_demo_with_its_own_module_alone(db):
    stand_in.SEEN.clear()
    with WITH_STAND_IN:
        assert names(demo.demo_modules()) == [
            "members.demo",
            "matching.demo",
            "messaging.demo",
            "groups.demo",
            "events.demo",
            "coffee.demo",
            "tests.hive.demo_app.demo",
        ]
        context = demo.demo_seed(DemoContext(members=12, seed=3))
    # It ran last, with what the apps before it had made.
    [seen] = stand_in.SEEN
    assert seen["people"] and seen["people"] == context.people
    assert set(seen["login_ids"]) == set(DEMO_LOGINS)
    assert "members" in seen["summary"][0] and "values answers" in seen["summary"][1]
    assert any("events" in phrase for phrase in seen["summary"][2:])
    assert context.summary[-1] == "1 stand-in"


def test_seed_runs_in_order_and_clear_in_reverse(db, monkeypatch):
    calls = []
    for module in demo.demo_modules():
        for entry in ("seed", "clear"):
            original = getattr(module, entry, None)
            if original is not None:

                def record(context, module=module, entry=entry, original=original):
                    calls.append((entry, module.__name__))
                    return original(context)

                monkeypatch.setattr(module, entry, record)
    context = DemoContext(members=5, seed=1)
    demo.demo_seed(context)
    assert demo.demo_loaded(context)
    assert demo.demo_clear(context) > 0
    assert not demo.demo_loaded(context)
    # matching and events need no clear(): their rows go with members' people.
    assert calls == [
        ("seed", "members.demo"),
        ("seed", "matching.demo"),
        ("seed", "messaging.demo"),
        ("seed", "groups.demo"),
        ("seed", "events.demo"),
        ("seed", "coffee.demo"),
        ("clear", "coffee.demo"),
        ("clear", "groups.demo"),
        ("clear", "messaging.demo"),
        ("clear", "members.demo"),
    ]


def test_a_demo_module_without_seed_is_refused(monkeypatch):
    monkeypatch.delattr(stand_in, "seed")
    with WITH_STAND_IN, pytest.raises(ImproperlyConfigured, match="tests.hive.demo_app.demo"):
        demo.demo_modules()


def test_each_app_draws_from_its_own_stream():
    context = DemoContext(members=1, seed=9)
    assert context.random("groups").random() == context.random("groups").random()
    assert context.random("groups").random() != context.random("events").random()
    assert DemoContext(members=1, seed=8).random("groups").random() != (
        context.random("groups").random()
    )


def test_command_seeds_every_app(db, capsys):
    call_command("seed_demo", "--members", "10", "--seed", "3")
    out = capsys.readouterr().out
    assert "members" in out and "values answers" in out and "(seed 3)" in out
    assert User.objects.count() == 13
    assert Answer.objects.exists()


def test_command_if_empty_and_replace(db, capsys):
    call_command("seed_demo", "--members", "10", "--seed", "3")
    assert User.objects.count() == 13
    call_command("seed_demo", "--members", "10", "--if-empty")
    assert "already loaded" in capsys.readouterr().out
    assert User.objects.count() == 13
    with pytest.raises(CommandError, match="--replace"):
        call_command("seed_demo", "--members", "10")
    call_command("seed_demo", "--members", "20", "--replace")
    assert User.objects.count() == 23
    assert "Deleted" in capsys.readouterr().out


def test_command_keeps_real_accounts_on_replace(db):
    real = User.objects.create_user(email="real.person@example.com", password="x" * 12)
    call_command("seed_demo", "--members", "5")
    call_command("seed_demo", "--members", "5", "--replace")
    assert User.objects.filter(pk=real.pk).exists()


def test_command_rejects_negative_counts(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", "--members", "-1")
