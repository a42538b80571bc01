"""member_required / staff_required across every role."""

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import User
from tests.members.factories import MemberFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.urls("tests.urls")

ROLES = {
    "applicant": lambda: UserFactory(membership_status=User.Status.APPLICANT),
    "lapsed": lambda: MemberFactory(membership_status=User.Status.LAPSED),
    "suspended": lambda: MemberFactory(membership_status=User.Status.SUSPENDED),
    "member": MemberFactory,
    "staff": StaffFactory,
}


def test_visitor_is_sent_to_login_and_back(client, db):
    response = client.get("/members-only/?q=1")
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=/members-only/%3Fq%3D1"


@pytest.mark.parametrize(
    "role, expected",
    [
        ("applicant", ("redirect", "/apply/")),
        ("lapsed", ("redirect", "/apply/")),
        ("suspended", ("redirect", "/apply/")),
        ("member", ("ok", None)),
        ("staff", ("ok", None)),
    ],
)
def test_member_required_by_role(client, db, role, expected):
    client.force_login(ROLES[role]())
    response = client.get("/members-only/")
    kind, target = expected
    if kind == "ok":
        assert response.status_code == 200 and response.content == b"the community"
    else:
        assert response.status_code == 302 and response.url == target


def test_deactivated_account_cannot_use_an_old_session(client, db):
    user = MemberFactory()
    client.force_login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get("/members-only/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "role, status", [("applicant", 403), ("member", 403), ("suspended", 403), ("staff", 200)]
)
def test_staff_required_by_role(client, db, role, status):
    client.force_login(ROLES[role]())
    assert client.get("/staff-only/").status_code == status


def test_staff_required_sends_visitors_to_login(client, db):
    response = client.get("/staff-only/")
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_roles_are_derived_from_membership_status_not_is_active(db):
    applicant = UserFactory()
    assert applicant.is_active and not applicant.is_member and applicant.role == "applicant"
    member = MemberFactory()
    assert member.is_member and member.role == "member"
    assert StaffFactory().role == "staff"


def test_good_standing_is_one_rule_in_python_and_sql(db):
    """`User.is_member` (one loaded user) and `User.objects.in_good_standing()` (a query)
    are the same rule: every status, active or locked, leaving or not, agrees in both
    forms."""
    now = timezone.now()
    people = [
        UserFactory(membership_status=status, is_active=active, deletion_requested_at=leaving)
        for status in User.Status.values
        for active in (True, False)
        for leaving in (None, now)
    ]
    in_sql = set(User.objects.in_good_standing().values_list("pk", flat=True))
    assert in_sql == {p.pk for p in people if p.is_member}
    assert len(in_sql) == 1  # an approved, unlocked member not leaving, and nobody else


def test_has_two_factor_follows_the_authenticator(db):
    from allauth.mfa.models import Authenticator

    person = MemberFactory()
    assert not person.has_two_factor
    assert person in User.objects.without_two_factor()
    Authenticator.objects.create(user=person, type=Authenticator.Type.TOTP, data={})
    assert person.has_two_factor
    assert list(User.objects.with_two_factor()) == [person]
    assert person not in User.objects.without_two_factor()
