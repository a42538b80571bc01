"""The privacy matrix end to end: every field group × every visibility × every kind of
viewer, on what is actually sent — the profile page, the directory page and the
directory's htmx fragment.

members/privacy.py is tested as a function in test_privacy.py; this file checks that
no template or query around it lets a hidden field through.
"""

import itertools
import re

import pytest
from django.urls import reverse

from members import services
from members.directory import profile_refresh_search
from members.models import Profile, Term
from tests.members.factories import ApplicantFactory, MemberFactory

pytestmark = pytest.mark.django_db
V = Profile.Visibility

# A marker per group that appears on the profile page and on a directory card only when
# the group is shown. The practice marker is a specialty label (cards show specialties).
SECRETS = {
    "about": "Headline-secret-words",
    "practice": "Grief and loss",
    "location": "Secretville",
    "credentials": "LCSW-SECRET",
}
VIEWERS = ["self", "member", "connection", "blocked_by_owner", "blocked_owner", "applicant"]
# What each viewer sees of a group with each setting; "absent": the person is not there.
SEES = {
    V.MEMBERS: {"self", "member", "connection"},
    V.CONNECTIONS: {"self", "connection"},
    V.ONLY_ME: {"self"},
}
ABSENT = {"blocked_by_owner", "blocked_owner"}


@pytest.fixture
def owner():
    user = MemberFactory()
    profile = user.profile
    profile.display_name = "Dana Owner"
    profile.handle = "dana-owner"
    profile.headline = SECRETS["about"]
    profile.city = "Secretville"
    profile.credentials = SECRETS["credentials"]
    # Cards show credentials after the profession.
    profile.profession = Term.objects.filter(kind=Term.Kind.PROFESSION).first()
    profile.save()
    profile.terms.set([Term.objects.get(kind=Term.Kind.SPECIALTY, slug="grief-and-loss")])
    profile_refresh_search([profile.pk])
    return user


def _viewer(owner, name):
    if name == "self":
        return owner
    if name == "applicant":
        return ApplicantFactory()
    viewer = MemberFactory()
    if name == "connection":
        services.connection_accept(
            connection=services.connection_request(sender=viewer, recipient=owner), user=owner
        )
    elif name == "blocked_by_owner":
        services.block_create(blocker=owner, blocked=viewer)
    elif name == "blocked_owner":
        services.block_create(blocker=viewer, blocked=owner)
    return viewer


def _set(owner, group, setting):
    """`group` gets `setting`, every other group the opposite extreme, so a rule leaking
    from one group into another shows up."""
    other = V.ONLY_ME if setting == V.MEMBERS else V.MEMBERS
    values = {f"{name}_visibility": (setting if name == group else other) for name in SECRETS}
    Profile.objects.filter(user=owner).update(**values)
    profile_refresh_search([owner.profile.pk])


def _results(html: str) -> str:
    """The results region of a directory page (the filter form lists every label)."""
    match = re.search(r'<section id="directory-results".*?</section>', html, re.S)
    assert match, "no results region"
    return match.group(0)


@pytest.fixture
def viewers(owner):
    return {name: _viewer(owner, name) for name in VIEWERS}


def _check_profile_page(client, group, setting, name):
    response = client.get(reverse("members:profile", args=["dana-owner"]))
    where = (group, setting, name, "profile")
    if name == "applicant":
        assert response.status_code == 302 and response.url == "/apply/", where
        return
    if name in ABSENT:
        assert response.status_code == 404, where
        assert "Dana Owner" not in response.content.decode(), where
        return
    html = response.content.decode()
    assert response.status_code == 200, where
    assert (SECRETS[group] in html) == (name in SEES[setting]), where
    # Every other group has the opposite extreme setting.
    for other, marker in SECRETS.items():
        if other != group:
            shown = name == "self" or setting != V.MEMBERS
            assert (marker in html) == shown, (*where, other)


def _check_directory(client, group, setting, name, *, fragment):
    headers = {"HX-Request": "true"} if fragment else {}
    where = (group, setting, name, "fragment" if fragment else "directory page")
    # Searching by the display name finds the owner without any filter on a group.
    response = client.get(reverse("members:directory"), {"q": "Dana Owner"}, headers=headers)
    if name == "applicant":
        assert response.status_code == 302 and response.url == "/apply/", where
        return
    assert response.status_code == 200, where
    html = response.content.decode()
    assert ("<html" in html) is not fragment, where
    region = _results(html)
    if name in ABSENT or name == "self":  # nobody finds themselves in the directory
        assert "Dana Owner" not in region, where
        return
    assert "Dana Owner" in region, where
    assert (SECRETS[group] in region) == (name in SEES[setting]), where
    for other, marker in SECRETS.items():
        if other != group:
            assert (marker in region) == (setting != V.MEMBERS), (*where, other)


@pytest.mark.parametrize(("group", "setting"), list(itertools.product(sorted(SECRETS), list(V))))
def test_matrix(client, owner, viewers, group, setting):
    """Each viewer, on the profile page, the directory page and the htmx fragment."""
    _set(owner, group, setting)
    for name, viewer in viewers.items():
        client.force_login(viewer)
        _check_profile_page(client, group, setting, name)
        _check_directory(client, group, setting, name, fragment=False)
        _check_directory(client, group, setting, name, fragment=True)


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx-fragment"])
def test_visitor_gets_nothing(client, owner, fragment):
    headers = {"HX-Request": "true"} if fragment else {}
    for url in (reverse("members:directory"), reverse("members:profile", args=["dana-owner"])):
        response = client.get(url, {"q": "Dana"}, headers=headers)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        assert "Dana" not in response.content.decode()
