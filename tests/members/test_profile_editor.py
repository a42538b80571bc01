"""/me/profile/ in sections: each a <details> that works without JavaScript, short
choices as radios that say what "empty" means, long vocabularies as searchable lists of
real checkboxes, and the member's time zone beside their city."""

import re

import pytest
from django.urls import reverse

from members.models import Profile, Term, User
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

URL = reverse("members:profile_edit")


@pytest.fixture
def owner(client):
    user = MemberFactory()
    Profile.objects.filter(user=user).update(
        handle="riley-owner", display_name="Riley Owner", city="Richmond", region="VA", country="US"
    )
    user.refresh_from_db()
    client.force_login(user)
    return user


def sections(html: str) -> dict[str, bool]:
    """Each section's id and whether it is open."""
    return {
        key: " open" in attrs
        for key, attrs in re.findall(r'<details class="form-fold" id="section-(\w+)"([^>]*)>', html)
    }


def data(profile: Profile, **changes) -> dict:
    values = {
        "display_name": profile.display_name,
        "handle": profile.handle,
        "pronouns": "",
        "headline": "",
        "bio": "",
        "credentials": "",
        "telehealth_jurisdictions": [],
    }
    values.update(changes)
    return values


def test_four_sections_the_first_open_and_a_link_opens_another(client, owner):
    html = client.get(URL).content.decode()
    assert sections(html) == {
        "about": True,
        "credentials": False,
        "practice": False,
        "location": False,
    }
    # Every field is in the one form whether its section is open or not.
    form = html.split('class="form profile-form"', 1)[1].split("</form>", 1)[0]
    for name in (
        "display_name",
        "profession",
        "specialties",
        "timezone",
        "telehealth_jurisdictions",
    ):
        assert f'name="{name}"' in form, name
    practice = sections(client.get(URL, {"section": "practice"}).content.decode())
    assert practice == {"about": False, "credentials": False, "practice": True, "location": False}
    assert sections(client.get(URL, {"section": "nope"}).content.decode())["about"]


def test_save_and_continue_saves_everything_and_opens_the_next_section(client, owner):
    specialty = Term.objects.filter(kind=Term.Kind.SPECIALTY).first()
    response = client.post(
        URL,
        data(owner.profile, headline="Grief work", specialties=[specialty.pk], save="credentials"),
    )
    assert response.status_code == 302
    assert response.url == f"{URL}?section=practice#section-practice"
    profile = Profile.objects.get(user=owner)
    assert profile.headline == "Grief work" and list(profile.terms.all()) == [specialty]
    # The last section's button comes back to it.
    response = client.post(URL, data(owner.profile, save="location"))
    assert response.url == f"{URL}?section=location#section-location"


def test_no_dashes_for_an_empty_choice(client, owner):
    html = client.get(URL).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>Choose your profession</option>' in html
    for name, empty in [
        ("credential_tier", "Not stated"),
        ("career_stage", "Not stated"),
        ("accepting_referrals", "Not stated"),
        ("office_space", "Neither"),
    ]:
        first = re.search(
            rf'<input type="radio" name="{name}" value=""[^>]*>\s*([^<]+)</label>', html
        )
        assert first and first.group(1).strip() == empty, name
    owner.profile.accepting_referrals = Profile.Referrals.WAITLIST
    owner.profile.save()
    html = client.get(URL).content.decode()
    assert re.search(r'name="accepting_referrals" value="waitlist"[^>]* checked', html)


def test_long_vocabularies_are_searchable_lists_of_real_checkboxes(client, owner):
    anxiety = Term.objects.get(kind=Term.Kind.SPECIALTY, slug="anxiety")
    owner.profile.terms.add(anxiety)
    html = client.get(URL).content.decode()
    picks = re.findall(r'<fieldset class="pick" data-pick[^>]*>\s*<legend>([^<]+)</legend>', html)
    assert picks == [
        "Specialties",
        "Modalities",
        "Populations served",
        "Languages",
        "What you&#x27;re looking for",
        "Telehealth jurisdictions",
    ]
    specialties = html.split("<legend>Specialties</legend>", 1)[1].split("</fieldset>", 1)[0]
    # What is chosen shows before the list, the filter is there for the script to reveal,
    # and every option is a checkbox the form submits without it.
    assert '<span class="badge">Anxiety</span>' in specialties
    assert '<div class="pick-search" data-pick-search hidden>' in specialties
    assert (
        specialties.count('type="checkbox" name="specialties"')
        == Term.objects.filter(kind=Term.Kind.SPECIALTY).count()
    )
    assert re.search(rf'name="specialties" value="{anxiety.pk}"[^>]* checked', specialties)
    # A short list (what you're looking for) needs no filter.
    looking = html.split("<legend>What you&#x27;re looking for</legend>", 1)[1].split(
        "</fieldset>"
    )[0]
    assert "data-pick-search" not in looking and "None chosen yet." in looking


def test_an_error_opens_its_section_and_keeps_what_was_typed_in_closed_ones(client, owner):
    taken = MemberFactory().profile
    modality = Term.objects.filter(kind=Term.Kind.MODALITY).first()
    response = client.post(
        URL,
        data(
            owner.profile,
            handle=taken.handle,
            modalities=[modality.pk],
            telehealth_jurisdictions=["VA"],
            save="practice",
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The error's section, and those with typing not saved yet (shown to be kept).
    assert sections(html) == {
        "about": True,
        "credentials": False,
        "practice": True,
        "location": True,
    }
    about = html.split('id="section-about"', 1)[1].split("</summary>", 1)[0]
    assert "Needs a fix" in about
    assert re.search(rf'name="modalities" value="{modality.pk}"[^>]* checked', html)
    assert re.search(r'name="telehealth_jurisdictions" value="VA"[^>]* checked', html)
    assert not Profile.objects.get(user=owner).terms.exists()
    # A field's own error opens its section too.
    response = client.post(URL, data(owner.profile, telehealth_jurisdictions=["VA", "ZZ"]))
    assert sections(response.content.decode())["location"]


def test_an_unchosen_time_zone_offers_the_citys_and_lets_the_browser_choose(client, owner):
    assert owner.timezone == "UTC"
    html = client.get(URL).content.decode()
    picker = html.split('name="timezone"', 1)[1].split("</select>", 1)[0]
    assert "data-browser-timezone" in picker.split(">", 1)[0]
    assert '<option value="America/New_York" selected>Eastern Time — New York</option>' in picker
    assert '<optgroup label="United States">' in picker

    client.post(URL, data(owner.profile, timezone="America/Chicago", save="location"))
    owner.refresh_from_db()
    assert owner.timezone == "America/Chicago"
    picker = client.get(URL).content.decode().split('name="timezone"', 1)[1].split("</select>")[0]
    assert "data-browser-timezone" not in picker.split(">", 1)[0]
    assert '<option value="America/Chicago" selected>' in picker


def test_a_post_without_a_time_zone_leaves_it_alone_and_a_bad_one_is_an_error(client, owner):
    User.objects.filter(pk=owner.pk).update(timezone="Europe/Lisbon")
    assert client.post(URL, data(owner.profile)).status_code == 302
    owner.refresh_from_db()
    assert owner.timezone == "Europe/Lisbon"
    response = client.post(URL, data(owner.profile, timezone="Mars/Olympus_Mons"))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert sections(response.content.decode())["location"]


def test_choosing_a_city_opens_the_location_and_offers_its_zone(client, owner):
    from members.places import search_places

    denver = search_places("Denver, CO", limit=1)[0]
    response = client.post(URL, data(owner.profile, headline="Typed", place=str(denver.geonameid)))
    html = response.content.decode()
    assert sections(html)["location"] and "Denver, CO, US" in html
    # Nothing typed is lost, and its section stays open to show it is still there.
    assert 'value="Typed"' in html and sections(html)["about"]
    assert not sections(html)["credentials"]
    picker = html.split('name="timezone"', 1)[1].split("</select>", 1)[0]
    assert '<option value="America/Denver" selected>' in picker
