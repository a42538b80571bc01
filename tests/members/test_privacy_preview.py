"""/me/privacy/: previews of my directory card and my profile, which follow the form's
choices before they are saved (htmx asks for them with a GET; nothing is saved)."""

import pytest
from django.urls import reverse

from members.models import Profile, Term
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

URL = reverse("members:privacy")
HTMX = {"HX-Request": "true"}
CHOICES = {
    "about_visibility": "members",
    "practice_visibility": "members",
    "location_visibility": "members",
    "credentials_visibility": "members",
    "listed_in_directory": "on",
    "suggest_in_matches": "on",
}


@pytest.fixture
def owner(client):
    user = MemberFactory()
    lcsw = Term.objects.get(kind=Term.Kind.PROFESSION, slug="licensed-clinical-social-worker")
    Profile.objects.filter(user=user).update(
        handle="pat-owner",
        display_name="Pat Owner",
        headline="Grief work with adults",
        bio="Quiet words.",
        profession=lcsw,
        credentials="LCSW",
        city="Oakland",
        region="CA",
    )
    user.profile.refresh_from_db()
    user.profile.terms.add(Term.objects.get(kind=Term.Kind.SPECIALTY, slug="anxiety"))
    client.force_login(user)
    return user


def card(html: str) -> str:
    return html.split('class="card directory-card"', 1)[1].split("</article>", 1)[0]


def test_the_page_previews_my_directory_card_as_a_member_sees_it(client, owner):
    html = client.get(URL).content.decode()
    mine = card(html)
    assert "Pat Owner" in mine and "Grief work with adults" in mine
    assert "Licensed Clinical Social Worker, LCSW" in mine and "Anxiety" in mine
    assert "Oakland, CA" in mine
    assert "Based on your saved settings." in html
    # The form asks for previews on each change, without the CSRF token in the address.
    form = html.split('class="form privacy-form"', 1)[1].split(">", 1)[0]
    assert f'hx-get="{URL}"' in form and 'hx-params="not csrfmiddlewaretoken"' in form
    assert 'hx-target="#privacy-previews"' in form


def test_previews_follow_unsaved_choices_and_save_nothing(client, owner):
    choices = {**CHOICES, "about_visibility": "connections", "credentials_visibility": "only_me"}
    response = client.get(URL, choices, headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html and 'id="privacy-previews"' in html
    assert "Not saved yet:" in html
    mine = card(html)
    assert "Grief work with adults" not in mine and "LCSW" not in mine  # hidden from members
    assert "Anxiety" in mine  # the practice group is still shown
    as_connection = html.split("How my profile looks to a connection", 1)[1]
    assert "Grief work with adults" in as_connection and "LCSW" not in as_connection
    profile = Profile.objects.get(user=owner)
    assert (profile.about_visibility, profile.credentials_visibility) == ("members", "members")


def test_unlisting_shows_that_there_is_no_card(client, owner):
    choices = {key: value for key, value in CHOICES.items() if key != "listed_in_directory"}
    html = client.get(URL, choices, headers=HTMX).content.decode()
    assert "directory-card" not in html and "You are not listed" in html


def test_nonsense_choices_preview_the_saved_profile(client, owner):
    html = client.get(URL, {**CHOICES, "about_visibility": "everyone"}, headers=HTMX)
    assert "Grief work with adults" in card(html.content.decode())


def test_a_plain_get_with_choices_is_the_saved_page(client, owner):
    html = client.get(URL, {**CHOICES, "about_visibility": "only_me"}).content.decode()
    assert "<html" in html and "Not saved yet" not in html
    assert "Grief work with adults" in card(html)
