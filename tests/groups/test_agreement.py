"""The agreement: nothing of the group's content before accepting the current version;
a new version withdraws access (members are told) until it is accepted again; every
acceptance is recorded with its version and time."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from groups import services
from groups.access import access_group_content
from groups.models import COVENANT, AgreementAcceptance
from notifications.models import Notification
from tests.groups.factories import add_member, make_group

pytestmark = pytest.mark.django_db


def test_new_version_withdraws_access_until_accepted(client):
    group = make_group()
    member = add_member(group).member
    client.force_login(member)
    assert "Discussion" in client.get(f"/groups/{group.slug}/").content.decode()
    services.agreement_publish(group=group, by=group.organizer, clauses="No phones.")
    group.refresh_from_db()
    assert group.agreement_version == 2
    assert Notification.objects.filter(recipient=member, kind="group_agreement").exists()
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "Discussion" not in page and "Read and accept the agreement" in page
    with pytest.raises(Exception):  # noqa: B017, PT011 - Http404
        access_group_content(member, group.slug)
    agreement_page = client.get(f"/groups/{group.slug}/agreement/").content.decode()
    assert "No phones." in agreement_page
    for _, clause in COVENANT:
        assert clause.split(":")[0] in agreement_page
    response = client.post(f"/groups/{group.slug}/agreement/", {"version": "2"})
    assert response.status_code == 302
    assert access_group_content(member, group.slug).sees_content
    acceptance = AgreementAcceptance.objects.get(member=member, agreement__version=2)
    assert acceptance.accepted_at is not None


def test_accepting_a_version_that_is_no_longer_current_is_refused():
    group = make_group()
    member = add_member(group, accept=False).member
    services.agreement_publish(group=group, by=group.organizer, clauses="v2")
    with pytest.raises(ValidationError):
        services.agreement_accept(group=group, member=member, version=1)


def test_only_the_organizer_publishes(client):
    group = make_group()
    member = add_member(group).member
    client.force_login(member)
    client.post(f"/groups/{group.slug}/agreement/", {"action": "publish", "clauses": "Mine"})
    group.refresh_from_db()
    assert group.agreement_version == 1
