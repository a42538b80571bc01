"""The staff audit log (/review/audit/): staff with two-factor only, filters, pages,
a fixed number of queries, and erased accounts shown as such."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone

from members import data_rights
from members.models import AuditEvent
from members.services import audit_record
from tests.members.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action
URL = reverse("members:audit_log")


@pytest.fixture
def moderator(client):
    staff = StaffFactory()
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={})
    client.force_login(staff)
    return staff


def test_staff_without_two_factor_are_refused(client):
    client.force_login(StaffFactory())
    response = client.get(URL)
    assert response.status_code == 403
    assert "two-factor" in response.content.decode()


def test_members_are_refused(client, member):
    client.force_login(member)
    assert client.get(URL).status_code == 403


def test_filters_by_member_action_and_date(client, moderator):
    dana, sam = MemberFactory(email="dana@example.com"), MemberFactory()
    old = audit_record(action=Action.LOGIN, subject=dana)
    AuditEvent.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - timedelta(days=40))
    audit_record(action=Action.LOGIN_FAILED, subject=dana, actor=None)
    audit_record(action=Action.LOGIN, subject=sam)

    def count(**params):
        return client.get(URL, params).context["page"].paginator.count

    assert count(member="dana@example.com") == 2
    assert count(member="DANA@example.com", action=Action.LOGIN_FAILED) == 1
    assert count(member=dana.profile.handle) == 2
    assert count(member=str(dana.pk)) == 2
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert count(member="dana@example.com", since=since) == 1
    until = (timezone.now() - timedelta(days=30)).date().isoformat()
    assert count(member="dana@example.com", until=until) == 1
    # A bad filter is reported on its field; the valid ones still apply.
    response = client.get(URL, {"member": "dana@example.com", "since": "not-a-date"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
    assert "Enter a valid date" in response.content.decode()


def test_pages_cost_the_same_queries_whatever_their_length(
    client, moderator, django_assert_max_num_queries
):
    people = [MemberFactory() for _ in range(3)]
    for i in range(120):
        audit_record(action=Action.LOGIN, subject=people[i % 3], actor=people[(i + 1) % 3])
    with django_assert_max_num_queries(13):  # the layout, its badges included
        first = client.get(URL)
    assert len(first.context["page"].object_list) == 50
    assert "page 1 of 3" in first.content.decode()
    with django_assert_max_num_queries(13):  # the layout, its badges included
        assert client.get(URL, {"page": 3}).status_code == 200
    # An htmx request gets the results only.
    fragment = client.get(URL, {"page": 2}, headers={"HX-Request": "true"}).content.decode()
    assert 'id="audit-results"' in fragment and "<header" not in fragment


def test_exports_deletions_and_erasures_are_listed(client, moderator):
    dana = MemberFactory()
    email = dana.email
    data_rights.account_deletion_request(user=dana)
    data_rights.accounts_erase_due(now=timezone.now() + timedelta(days=15))
    page = client.get(URL, {"member": str(dana.pk)}).content.decode()
    assert "Account deletion requested" in page
    assert "Account erased" in page
    assert f"Erased account #{dana.pk}" in page
    assert email not in page  # the failed-login details and the account no longer name her
