"""The groups demo: groups of each policy; member@hive.test in one with the agreement
accepted and presenting next month, and organizing another with a waiting request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from groups.models import Group, Membership, Session
from members.models import User

pytestmark = pytest.mark.django_db


def test_demo_groups(capsys):
    call_command("seed_demo", "--members", "60", "--seed", "2")
    assert "consultation groups" in capsys.readouterr().out
    assert set(Group.objects.values_list("join_policy", flat=True)) == set(Group.JoinPolicy)
    member = User.objects.get(email="member@hive.test")
    mine = Membership.objects.filter(member=member).select_related("group")
    joined = [m for m in mine if m.role == "member"]
    organized = [m for m in mine if m.role == "organizer"]
    assert len(joined) == 1 and joined[0].has_current_agreement(joined[0].group)
    assert Session.objects.filter(
        group=joined[0].group,
        presenter=member,
        starts_at__gt=timezone.now() + timedelta(days=20),
        starts_at__lt=timezone.now() + timedelta(days=70),
    ).exists()
    assert len(organized) == 1
    waiting = Membership.objects.get(group=organized[0].group, status="requested")
    assert organized[0].group.intro_conversation and waiting.intro_status == "proposed"
    call_command("seed_demo", "--members", "60", "--seed", "2", "--replace")
    member = User.objects.get(email="member@hive.test")
    assert Group.objects.filter(organizer=member).count() == 1
