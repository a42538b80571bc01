"""Public pages, the role-aware navigation and the member home."""

import re

import pytest
from django.urls import reverse

from members.models import User
from tests.members.factories import UserFactory


@pytest.mark.parametrize("url", ["/", "/about/", "/guidelines/"])
def test_public_pages_render_for_visitors(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    assert b"Apply to join" in response.content


def test_landing_page_explains_hive(client, db):
    html = client.get("/").content.decode()
    assert re.search(r"<h1[^>]*>", html)
    assert "vetted" in html.lower()
    assert reverse("account_signup") in html


def _nav(html: str) -> str:
    return html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]


def test_navigation_for_visitor(client, db):
    nav = _nav(client.get("/about/").content.decode())
    assert "Log in" in nav and "Apply to join" in nav
    assert "Log out" not in nav


def test_navigation_for_applicant(client, applicant):
    client.force_login(applicant)
    nav = _nav(client.get("/apply/").content.decode())
    assert "My application" in nav and "Log out" in nav
    assert "Security" not in nav and "Admin" not in nav


def test_navigation_for_member(member_client):
    nav = _nav(member_client.get("/").content.decode())
    assert "Home" in nav and "Security" in nav and "Log out" in nav
    assert "Admin" not in nav and "My application" not in nav


def test_navigation_for_staff(client, staff):
    """Staff get the review pages and the audit log; the admin link is for superusers
    only (the admin itself admits only superusers with two-factor)."""
    client.force_login(staff)
    nav = _nav(client.get("/").content.decode())
    assert "Review" in nav and "Audit log" in nav
    assert "Admin" not in nav
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    assert "Admin" in _nav(client.get("/").content.decode())


def test_member_home_nudges_towards_two_factor(member_client):
    html = member_client.get("/").content.decode()
    assert reverse("mfa_index") in html
    assert "two-factor" in html.lower()


def test_applicant_is_sent_from_home_to_status_page(client, applicant):
    client.force_login(applicant)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("members:status")


@pytest.mark.parametrize(
    "status, words",
    [
        (User.Status.APPLICANT, "application"),
        (User.Status.LAPSED, "license"),
        (User.Status.SUSPENDED, "suspended"),
    ],
)
def test_status_page_says_where_they_stand(client, db, status, words):
    user = UserFactory(membership_status=status)
    client.force_login(user)
    response = client.get("/apply/")
    assert response.status_code == 200
    assert words in response.content.decode().lower()


def test_status_page_sends_members_home(member_client):
    response = member_client.get("/apply/")
    assert response.status_code == 302 and response.url == "/"


def test_status_page_requires_login(client, db):
    response = client.get("/apply/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Hive" in response.content.decode()


def test_logout_needs_a_post(member_client):
    # Logging out is a state change: a GET only shows the confirmation form.
    page = member_client.get(reverse("account_logout"))
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert "Log out" in _nav(member_client.get("/").content.decode())
    member_client.post(reverse("account_logout"))
    assert "Apply to join" in _nav(member_client.get("/about/").content.decode())


def test_guidelines_show_the_version_applications_accept(client, db):
    from members.models import GUIDELINES_VERSION

    assert f"Version {GUIDELINES_VERSION}." in client.get("/guidelines/").content.decode()


def test_member_home_leads_to_every_part_of_hive_that_exists(member_client):
    """The home page's "Get started" card links what members can use today, and names
    only what is really still to come."""
    from django.urls import reverse

    page = member_client.get("/").content.decode()
    apps = ("messaging:inbox", "groups:list", "events:list", "matching:matches", "coffee:home")
    for name in apps:
        assert f'href="{reverse(name)}"' in page, name
    assert "Still to come" not in page


def test_the_guidelines_promise_only_what_exists(client, db):
    """Issue 18: pages promised features that did not exist yet (event chats, a Report
    option on group posts). What they name now is there: Report on messages and
    profiles (messaging), group organizers."""
    html = client.get("/guidelines/").content.decode()
    assert "event chat" not in html
    assert "Report</strong> on the message or on their" in html
    assert reverse("messaging:report_profile", args=["someone"])
    assert reverse("messaging:report_message", args=["0" * 8 + "-0000-0000-0000-" + "0" * 12, 1])
