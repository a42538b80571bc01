"""The kinds registry: each app registers its own kinds, in every process, in a fixed order."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from notifications import registry

# The order of the settings page (/me/notifications/): INSTALLED_APPS order, then the
# order of declaration in each app's notifications.py.
KIND_ORDER = [
    "account_security",
    "welcome",
    "two_factor_reminder",
    "application_update",
    "license_expiry",
    "review_queue",
    "vouch_request",
    "connection_request",
    "connection_accepted",
    "data_export_ready",
    "network_quiet",
    "follow_up_due",
    # messaging
    "message_request",
    "message_request_accepted",
    "messages_unread",
    "report_handled",
    "moderator_warning",
    # groups/notifications.py
    "group_join_request",
    "group_join_approved",
    "group_invitation",
    "group_seat",
    "group_agreement",
    "group_session_changed",
    "group_swap_request",
    "group_presenter_reminder",
    "group_intro",
    "group_handover",
    "group_organizer_changed",
    "group_moderators",
    "group_report_handled",
    # events/notifications.py
    "event_update",
    "event_seat",
    "event_reminder",
    "event_followup",
    # coffee/notifications.py
    "coffee_intro",
    "coffee_update",
    "coffee_check_in",
    "coffee_paused",
]


def test_kinds_are_registered_in_the_order_members_see_them():
    assert list(registry.KINDS) == KIND_ORDER


def test_setting_django_up_registers_every_kind():
    """What a Celery worker or a management command does: django.setup() and nothing
    else (no URLconf, no view imported) must be enough."""
    script = (
        "import django, json; django.setup(); "
        "from notifications.registry import KINDS; print(json.dumps(list(KINDS)))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hive.settings.test",
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
    }
    result = subprocess.run(  # noqa: S603 - our interpreter, fixed script
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == KIND_ORDER


def test_a_kind_name_cannot_be_taken_twice(monkeypatch):
    monkeypatch.setattr(registry, "KINDS", dict(registry.KINDS))
    welcome = registry.get_kind("welcome")
    assert registry.register(welcome) is welcome  # the same declaration again is harmless
    with pytest.raises(ValueError, match="'welcome'"):
        registry.register(registry.Kind(name="welcome", label="Hello", description="Another"))
