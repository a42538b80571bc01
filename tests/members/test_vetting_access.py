"""Authorisation matrix for every URL of the vetting flow × visitor, applicant, member,
staff without two-factor, staff. Each cell: the response, and that nothing changed."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from members import vetting
from members.models import Application
from tests.members.application_factories import ApplicationFactory
from tests.members.factories import MemberFactory, StaffFactory, UserFactory

ROLES = ["visitor", "applicant", "member", "staff_no_2fa", "staff"]


def _login(client, role):
    if role == "visitor":
        return None
    user = {
        "applicant": UserFactory,
        "member": MemberFactory,
        "staff_no_2fa": StaffFactory,
        "staff": StaffFactory,
    }[role]()
    if role == "staff":
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    return user


def _outcome(response) -> str:
    if response.status_code == 302:
        if response.url.startswith(reverse("account_login")):
            return "login"
        return f"redirect:{response.url}"
    return str(response.status_code)


# (method, url builder, expected outcome per role)
MATRIX = [
    ("get", lambda a: "/apply/", {
        "visitor": "login", "applicant": "200", "member": "redirect:/",
        "staff_no_2fa": "redirect:/", "staff": "redirect:/"}),
    ("post", lambda a: "/apply/renewal/", {
        "visitor": "login", "applicant": "redirect:/apply/", "member": "redirect:/",
        "staff_no_2fa": "redirect:/", "staff": "redirect:/"}),
    ("get", lambda a: f"/apply/vouch/{a.pk}/", {
        "visitor": "login", "applicant": "redirect:/apply/", "member": "404",
        "staff_no_2fa": "404", "staff": "404"}),
    ("get", lambda a: "/apply/references/not-a-real-token/", {
        "visitor": "404", "applicant": "404", "member": "404",
        "staff_no_2fa": "404", "staff": "404"}),
    ("get", lambda a: "/review/", {
        "visitor": "login", "applicant": "403", "member": "403",
        "staff_no_2fa": "200", "staff": "200"}),
    ("get", lambda a: f"/review/{a.pk}/", {
        "visitor": "login", "applicant": "403", "member": "403",
        "staff_no_2fa": "200", "staff": "200"}),
    ("post", lambda a: f"/review/{a.pk}/decide/", {
        "visitor": "login", "applicant": "403", "member": "403",
        "staff_no_2fa": "403", "staff": "redirect"}),
    ("post", lambda a: f"/review/{a.pk}/verify-license/", {
        "visitor": "login", "applicant": "403", "member": "403",
        "staff_no_2fa": "redirect", "staff": "redirect"}),
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, build, expected", MATRIX)
def test_vetting_urls_by_role(client, db, role, method, build, expected):
    application = ApplicationFactory()
    _login(client, role)
    url = build(application)
    data = {
        "action": "request_changes",
        "request_changes-message": "Please add your NPI.",
        "note": "Checked on the board's site.",
    }
    response = getattr(client, method)(url, data if method == "post" else None)
    outcome = _outcome(response)
    want = expected[role]
    if want == "redirect":
        assert outcome.startswith("redirect:/review/"), outcome
    else:
        assert outcome == want, (role, url, outcome)
    application.refresh_from_db()
    changed = application.status != Application.Status.SUBMITTED
    assert changed == (role == "staff" and url.endswith("/decide/"))


def test_a_member_named_as_reference_is_the_only_one_who_can_vouch(client, db):
    application = ApplicationFactory()
    reference = application.references.first()
    named = MemberFactory(email=reference.email)
    client.force_login(MemberFactory())
    assert client.get(reverse("members:vouch", args=[application.pk])).status_code == 404
    client.force_login(named)
    assert client.get(reverse("members:vouch", args=[application.pk])).status_code == 200
    assert vetting.reference_from_token("forged") is None
