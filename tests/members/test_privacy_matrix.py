"""The privacy matrix end to end: every field of every field group × every visibility ×
every kind of viewer, on what is actually sent: the profile page, the two previews on
/me/privacy/, and the directory card (the page and its htmx fragment).

Each field of the owner's profile holds a value found nowhere else on these pages, so a
field shown outside its group's check shows up as its value on a page where that group
is hidden. The fields come from members/privacy.py FIELD_GROUPS: a field added to a group
fails `test_every_field_has_a_marker` until it gets a value here, and is then checked
everywhere. members/privacy.py is tested as a function in test_privacy.py; this file
checks that no view, template or query around it lets a hidden field through.
"""

import itertools
import re

import pytest
from django.urls import reverse

from members import services
from members.directory import profile_refresh_search
from members.models import Profile, Term
from members.privacy import FIELD_GROUPS
from tests.members.factories import ApplicantFactory, MemberFactory

pytestmark = pytest.mark.django_db
Visibility = Profile.Visibility

# Every field, as the owner fills it in, and the text it reads as on a page (a tuple:
# any of its forms, e.g. a code and its name). Each text is made for this test (terms
# and the profession are new vocabulary entries) or is a label no other part of these
# pages uses. Coordinates are never printed: they show as being found by a search near
# them (see _check_directory).
FIELDS = {
    # about
    "pronouns": "ze/zir",
    "headline": "Headline-secret-words",
    "bio": "Bio-secret-paragraph",
    # practice
    "specialties": "Specialty-secret-term",
    "modalities": "Modality-secret-term",
    "populations": "Population-secret-term",
    "languages": "Language-secret-term",
    "looking_for": "Looking-for-secret-term",
    "accepting_referrals": Profile.Referrals.YES.label,  # "Accepting referrals"
    "office_space": (Profile.OfficeSpace.SEEKING.label, Profile.OfficeSpace.SEEKING.value),
    # location
    "city": "Secretville",
    "region": "Hiddenshire",
    "country": "XQ",
    "latitude": None,
    "longitude": None,
    "telehealth_jurisdictions": ("Guam", "GU"),
    # credentials
    "profession": "Profession-secret-term",
    "credential_tier": (Profile.Tier.PEER.label, Profile.Tier.PEER.value),
    "credentials": "LCSW-SECRET",
    "career_stage": (Profile.Stage.SEASONED.label, Profile.Stage.SEASONED.value),
}
TERM_KINDS = {
    "specialties": Term.Kind.SPECIALTY,
    "modalities": Term.Kind.MODALITY,
    "populations": Term.Kind.POPULATION,
    "languages": Term.Kind.LANGUAGE,
    "looking_for": Term.Kind.LOOKING_FOR,
    "profession": Term.Kind.PROFESSION,
}
CHOICES = {
    "accepting_referrals": Profile.Referrals.YES,
    "office_space": Profile.OfficeSpace.SEEKING,
    "credential_tier": Profile.Tier.PEER,
    "career_stage": Profile.Stage.SEASONED,
}
# Oakland: the directory's "near" search finds the owner there.
COORDINATES = {"latitude": 37.8044, "longitude": -122.2712}
GROUP_OF = {field: group for group, fields in FIELD_GROUPS.items() for field in fields}
# What a directory card prints; every other field must never be on a card.
ON_CARD = {
    "pronouns",
    "headline",
    "profession",
    "credentials",
    "city",
    "region",
    "specialties",
    "accepting_referrals",
}

VIEWERS = ["self", "member", "connection", "blocked_by_owner", "blocked_owner", "applicant"]
# Who sees a group with each setting (blocked pairs and applicants see no profile at all).
SEES = {
    Visibility.MEMBERS: {"self", "member", "connection"},
    Visibility.CONNECTIONS: {"self", "connection"},
    Visibility.ONLY_ME: {"self"},
}
ABSENT = {"blocked_by_owner", "blocked_owner"}
SETTINGS = list(itertools.product(sorted(FIELD_GROUPS), list(Visibility)))


def _forms(texts: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if texts is None:
        return ()
    return (texts,) if isinstance(texts, str) else texts


def _on_page(html: str, texts) -> bool:
    """Whether any form of a field's value is on the page, as a whole word (so "XQ"
    inside a random token does not count)."""
    return any(re.search(rf"(?<![\w-]){re.escape(text)}(?![\w-])", html) for text in _forms(texts))


def _element(html: str, tag: str, attribute: str) -> str:
    """The <tag> element carrying `attribute` (e.g. 'id="x"'), with everything nested in
    it, up to its own closing tag."""
    at = html.find(attribute)
    assert at != -1, f"no element with {attribute}"
    start = html.rfind(f"<{tag}", 0, at)
    depth = 0
    for found in re.finditer(rf"<(/?){tag}\b", html[start:]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            return html[start : start + found.end()]
    raise AssertionError(f"<{tag} {attribute}> is not closed")


def test_every_field_has_a_marker():
    """A field added to a privacy group must get a distinctive value above, or this
    matrix would not notice it leaking."""
    grouped = set(GROUP_OF)
    missing = sorted(grouped - set(FIELDS))
    assert not missing, f"give these fields a marker value in FIELDS: {missing}"
    assert not set(FIELDS) - grouped, "FIELDS names a field that is in no privacy group"
    assert not ON_CARD - grouped, "ON_CARD names a field that is in no privacy group"
    unprinted = {field for field, texts in FIELDS.items() if texts is None}
    assert unprinted == {"latitude", "longitude"}, "only coordinates are checked by search"
    printed = [text for texts in FIELDS.values() for text in _forms(texts)]
    assert len(printed) == len(set(printed)), "each field needs a value of its own"


@pytest.fixture
def owner():
    user = MemberFactory()
    profile = user.profile
    profile.display_name = "Dana Owner"
    profile.handle = "dana-owner"
    for field in FIELD_GROUPS["about"]:
        setattr(profile, field, FIELDS[field])
    for field, choice in CHOICES.items():
        setattr(profile, field, choice)
    profile.credentials = FIELDS["credentials"]
    profile.city, profile.region, profile.country = (
        FIELDS[f] for f in ("city", "region", "country")
    )
    profile.latitude, profile.longitude = COORDINATES["latitude"], COORDINATES["longitude"]
    profile.telehealth_jurisdictions = ["GU"]
    terms = {
        field: Term.objects.create(kind=kind, slug=f"secret-{kind}", label=FIELDS[field])
        for field, kind in TERM_KINDS.items()
    }
    profile.profession = terms.pop("profession")
    profile.full_clean()
    profile.save()
    profile.terms.set(terms.values())
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


@pytest.fixture
def viewers(owner):
    return {name: _viewer(owner, name) for name in VIEWERS}


def _set(owner, group, setting) -> dict[str, str]:
    """`group` gets `setting`, every other group the opposite extreme, so a rule leaking
    from one group into another shows up. Returns each group's setting."""
    other = Visibility.ONLY_ME if setting == Visibility.MEMBERS else Visibility.MEMBERS
    chosen = {name: (setting if name == group else other) for name in FIELD_GROUPS}
    Profile.objects.filter(user=owner).update(
        **{f"{name}_visibility": value for name, value in chosen.items()}
    )
    profile_refresh_search([owner.profile.pk])
    return chosen


def _wrong_fields(html: str, shown: set[str], where) -> list[str]:
    """Each printed field whose value is on the page when it should not be, or missing
    when it should be there."""
    wrong = []
    for field, texts in FIELDS.items():
        if texts is None:
            continue
        expected = field in shown
        if _on_page(html, texts) != expected:
            wrong.append(f"{where}: {field} {'missing' if expected else 'LEAKED'}")
    return wrong


def _visible_fields(chosen: dict[str, str], who: str) -> set[str]:
    return {field for field, group in GROUP_OF.items() if who in SEES[chosen[group]]}


@pytest.mark.parametrize(("group", "setting"), SETTINGS)
def test_profile_page(client, owner, viewers, group, setting):
    """/members/<handle>/ shows each viewer exactly the fields of the groups its owner
    shows them; blocked pairs and applicants get no profile at all."""
    chosen = _set(owner, group, setting)
    url = reverse("members:profile", args=["dana-owner"])
    wrong = []
    for name, viewer in viewers.items():
        client.force_login(viewer)
        response = client.get(url)
        where = f"profile page, {group}={setting}, viewer={name}"
        html = response.content.decode()
        if name == "applicant":
            assert response.status_code == 302, where
            assert response.url == reverse("members:status"), where
            continue
        if name in ABSENT:
            assert response.status_code == 404, where
            assert "Dana Owner" not in html, where
            wrong += _wrong_fields(html, set(), where)
            continue
        assert response.status_code == 200, where
        wrong += _wrong_fields(html, _visible_fields(chosen, name), where)
    assert wrong == []


@pytest.mark.parametrize(("group", "setting"), SETTINGS)
def test_privacy_previews(client, owner, group, setting):
    """/me/privacy/ previews the profile as a member and as a connection see it: each
    preview holds exactly what that viewer would see."""
    chosen = _set(owner, group, setting)
    client.force_login(owner)
    response = client.get(reverse("members:privacy"))
    assert response.status_code == 200
    html = response.content.decode()
    wrong = []
    for who in ("member", "connection"):
        preview = _element(html, "section", f'aria-label="How my profile looks to a {who}"')
        assert "Dana Owner" in preview
        where = f"privacy preview as a {who}, {group}={setting}"
        wrong += _wrong_fields(preview, _visible_fields(chosen, who), where)
    assert wrong == []


def _results(html: str) -> str:
    """The results region of a directory page (the filter form lists every term)."""
    return _element(html, "section", 'id="directory-results"')


def _check_directory(client, chosen, name, *, fragment, case: str) -> list[str]:
    headers = {"HX-Request": "true"} if fragment else {}
    where = f"directory {'fragment' if fragment else 'page'}, {case}, viewer={name}"
    # Searching by the display name finds the owner without any filter on a group.
    response = client.get(reverse("members:directory"), {"q": "Dana Owner"}, headers=headers)
    if name == "applicant":
        assert response.status_code == 302, where
        assert response.url == reverse("members:status"), where
        return []
    assert response.status_code == 200, where
    html = response.content.decode()
    assert ("<html" in html) is not fragment, where
    region = _results(html)
    if name in ABSENT or name == "self":  # nobody finds themselves in the directory
        assert 'id="member-dana-owner"' not in region, where
        return _wrong_fields(region, set(), where)
    card = _element(region, "article", 'aria-labelledby="member-dana-owner"')
    wrong = _wrong_fields(region.replace(card, ""), set(), f"{where}, outside the card")
    wrong += _wrong_fields(card, _visible_fields(chosen, name) & ON_CARD, where)
    # The coordinates: a search near them finds the owner only where the location
    # group is shown to the viewer (a distance would reveal where they are).
    response = client.get(
        reverse("members:directory"), {"q": "Dana Owner", "near": "Oakland"}, headers=headers
    )
    found = 'id="member-dana-owner"' in _results(response.content.decode())
    if found != (name in SEES[chosen["location"]]):
        wrong.append(f"{where}: near search {'LEAKED' if found else 'missing'} the coordinates")
    return wrong


@pytest.mark.parametrize(("group", "setting"), SETTINGS)
@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx-fragment"])
def test_directory_card(client, owner, viewers, group, setting, fragment):
    """A directory card shows each viewer only fields of the groups shown to them, on
    the page and in the htmx fragment; a field a card never prints is never there."""
    chosen = _set(owner, group, setting)
    wrong = []
    for name, viewer in viewers.items():
        client.force_login(viewer)
        wrong += _check_directory(
            client, chosen, name, fragment=fragment, case=f"{group}={setting}"
        )
    assert wrong == []


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx-fragment"])
def test_visitor_gets_nothing(client, owner, fragment):
    headers = {"HX-Request": "true"} if fragment else {}
    for url in (reverse("members:directory"), reverse("members:profile", args=["dana-owner"])):
        response = client.get(url, {"q": "Dana"}, headers=headers)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        assert "Dana" not in response.content.decode()
