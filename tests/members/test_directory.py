"""The directory (/directory/): who appears, search, filters, distance, the page."""

import math

import pytest
from django.urls import reverse
from django.utils import timezone

from members import directory
from members.directory import (
    EARTH_RADIUS_KM,
    DirectoryFilters,
    directory_search,
    profile_refresh_search,
)
from members.models import Block, Connection, Profile, Term, User
from members.places import search_places
from tests.members.factories import MemberFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("members:directory")
Visibility = Profile.Visibility


def term(kind, slug):
    return Term.objects.get(kind=kind, slug=slug)


def listed(name="", *, terms=(), refresh=True, **fields):
    """A member with a profile; the search document is refreshed as the services do."""
    profile = ProfileFactory(**({"display_name": name} if name else {}), **fields)
    if terms:
        profile.terms.set(terms)
    if refresh:
        profile_refresh_search([profile.pk])
    return profile


def connect(a, b):
    Connection.for_pair(
        a, b, status=Connection.Status.ACCEPTED, requested_by=a, accepted_at=timezone.now()
    ).save()


def names(page):
    return [profile.display_name for profile in page]


def search(viewer, q="", sort="", **filters):
    return directory_search(
        viewer=viewer, q=q, filters=DirectoryFilters(**filters), sort=sort, page=1
    )


@pytest.fixture
def viewer(member):
    return member


@pytest.fixture
def oakland():
    return search_places("Oakland, CA", limit=1)[0]


# --- Who appears ----------------------------------------------------------------------


def test_only_listed_members_in_good_standing_appear_and_never_the_viewer(viewer):
    listed("Visible Member")
    listed("Unlisted Member", listed_in_directory=False)
    listed("Lapsed Member", user=UserFactory(membership_status=User.Status.LAPSED))
    listed("Applicant Person", user=UserFactory(membership_status=User.Status.APPLICANT))
    listed(
        "Suspended Person", user=UserFactory(membership_status=User.Status.MEMBER, is_active=False)
    )
    assert names(search(viewer)) == ["Visible Member"]


@pytest.mark.parametrize("direction", ["viewer_blocked", "blocked_viewer"])
def test_blocks_in_either_direction_hide_the_member(viewer, direction):
    other = listed("Blocked Person")
    listed("Someone Else")
    if direction == "viewer_blocked":
        Block.objects.create(blocker=viewer, blocked=other.user)
    else:
        Block.objects.create(blocker=other.user, blocked=viewer)
    assert names(search(viewer)) == ["Someone Else"]
    assert names(search(viewer, q="Blocked Person")) == []


# --- Text search ----------------------------------------------------------------------


def test_exact_name_ranks_first(viewer):
    listed("Jordan Rivera", headline="Works with Morgan's family systems")
    listed("Morgan Ellis", bio="Ellis is my name.")
    listed("Sam Morgan")
    assert names(search(viewer, q="Morgan Ellis"))[0] == "Morgan Ellis"


def test_a_specialty_label_finds_members_who_chose_it(viewer):
    grief = term(Term.Kind.SPECIALTY, "grief-and-loss")
    listed("Chose Grief", terms=[grief])
    listed("Chose Anxiety", terms=[term(Term.Kind.SPECIALTY, "anxiety")])
    assert names(search(viewer, q="grief")) == ["Chose Grief"]


def test_hidden_about_text_is_not_searchable(viewer):
    listed("Shown Bio", bio="Specialised in equine therapy.")
    listed(
        "Hidden Bio", bio="Specialised in equine therapy.", about_visibility=Visibility.CONNECTIONS
    )
    assert names(search(viewer, q="equine")) == ["Shown Bio"]


def test_text_shown_to_connections_is_searchable_by_connections_only(viewer):
    hidden = listed(
        "Hidden Bio", bio="Specialised in equine therapy.", about_visibility=Visibility.CONNECTIONS
    )
    listed("Private Bio", bio="Also equine therapy.", about_visibility=Visibility.ONLY_ME)
    stranger = MemberFactory()
    connect(viewer, hidden.user)
    assert names(search(viewer, q="equine")) == ["Hidden Bio"]
    assert names(search(stranger, q="equine")) == []
    # Connection-only terms too, and ranking still works across both documents.
    grief = term(Term.Kind.SPECIALTY, "grief-and-loss")
    hidden.terms.set([grief])
    hidden.practice_visibility = Visibility.CONNECTIONS
    hidden.save()
    profile_refresh_search([hidden.pk])
    listed("Grief Open", terms=[grief])
    assert set(names(search(viewer, q="grief"))) == {"Hidden Bio", "Grief Open"}
    assert names(search(stranger, q="grief")) == ["Grief Open"]


def test_a_connection_matches_on_either_document(viewer):
    """A word excluded with a minus may be in the text a connection shows connections
    only: they still match on what they show every member, as anyone else would."""
    friend = listed("Dana Okafor", bio="Weekend sailing.", about_visibility=Visibility.CONNECTIONS)
    listed("Dana Sailor", bio="Weekend sailing.")
    connect(viewer, friend.user)
    assert names(search(viewer, q="dana -sailing")) == ["Dana Okafor"]
    assert set(names(search(viewer, q="dana sailing"))) == {"Dana Okafor", "Dana Sailor"}


def test_text_with_newest_sort_orders_connections_and_others_together(viewer):
    now = timezone.now()
    people = [
        listed(f"Harbor Person {i}", created_at=now - timezone.timedelta(days=i)) for i in range(4)
    ]
    connect(viewer, people[1].user)
    connect(viewer, people[3].user)
    page = search(viewer, q="harbor", sort="newest")
    assert names(page) == [f"Harbor Person {i}" for i in range(4)]
    assert page.paginator.exact and page.paginator.count == 4


def test_a_changed_visibility_changes_what_text_finds(viewer):
    profile = listed("Changing Mind", bio="Wilderness therapy for teens.")
    assert names(search(viewer, q="wilderness")) == ["Changing Mind"]
    profile.about_visibility = Visibility.ONLY_ME
    profile.save()
    profile_refresh_search([profile.pk])
    connect(viewer, profile.user)
    assert names(search(viewer, q="wilderness")) == []


# --- Filters --------------------------------------------------------------------------


def test_filter_combinations(viewer):
    anxiety = term(Term.Kind.SPECIALTY, "anxiety")
    emdr = term(Term.Kind.MODALITY, "emdr")
    spanish = term(Term.Kind.LANGUAGE, "spanish")
    lcsw = term(Term.Kind.PROFESSION, "licensed-clinical-social-worker")
    listed(
        "All Three",
        terms=[anxiety, emdr, spanish],
        profession=lcsw,
        credential_tier=Profile.Tier.LICENSED,
        accepting_referrals=Profile.Referrals.YES,
        telehealth_jurisdictions=["CA", "NY"],
    )
    listed("Anxiety Only", terms=[anxiety], credential_tier=Profile.Tier.ASSOCIATE)
    listed("Emdr Spanish", terms=[emdr, spanish], accepting_referrals=Profile.Referrals.NO)

    assert set(names(search(viewer, specialty=("anxiety",)))) == {"All Three", "Anxiety Only"}
    assert names(search(viewer, specialty=("anxiety",), modality=("emdr",))) == ["All Three"]
    assert set(names(search(viewer, modality=("emdr",), language=("spanish",)))) == {
        "All Three",
        "Emdr Spanish",
    }
    assert names(search(viewer, modality=("emdr",), accepting_referrals=True)) == ["All Three"]
    assert names(search(viewer, profession="licensed-clinical-social-worker")) == ["All Three"]
    assert names(search(viewer, profession=str(lcsw.pk))) == ["All Three"]
    assert names(search(viewer, tier=Profile.Tier.ASSOCIATE)) == ["Anxiety Only"]
    assert names(search(viewer, telehealth="NY")) == ["All Three"]
    assert names(search(viewer, telehealth="TX")) == []
    assert names(search(viewer, q="spanish", specialty=("anxiety",))) == ["All Three"]


def test_a_filter_only_matches_groups_shown_to_all_members(viewer):
    anxiety = term(Term.Kind.SPECIALTY, "anxiety")
    listed("Open Practice", terms=[anxiety])
    listed("Connections Practice", terms=[anxiety], practice_visibility=Visibility.CONNECTIONS)
    hidden_tier = listed(
        "Hidden Tier", credential_tier=Profile.Tier.PEER, credentials_visibility=Visibility.ONLY_ME
    )
    assert names(search(viewer, specialty=("anxiety",))) == ["Open Practice"]
    assert names(search(viewer, tier=Profile.Tier.PEER)) == []
    # Unfiltered, both are still listed: only the hidden field cannot be searched.
    assert "Connections Practice" in names(search(viewer))
    assert hidden_tier.display_name in names(search(viewer))


def test_a_filter_matches_groups_shown_to_connections_for_connections(viewer, oakland):
    anxiety = term(Term.Kind.SPECIALTY, "anxiety")
    near = {"latitude": oakland.latitude, "longitude": oakland.longitude, "city": "Oakland"}
    friend = listed(
        "Friend",
        terms=[anxiety],
        practice_visibility=Visibility.CONNECTIONS,
        location_visibility=Visibility.CONNECTIONS,
        credentials_visibility=Visibility.CONNECTIONS,
        credential_tier=Profile.Tier.PEER,
        telehealth_jurisdictions=["OR"],
        **near,
    )
    listed(
        "Only Themselves",
        terms=[anxiety],
        practice_visibility=Visibility.ONLY_ME,
        location_visibility=Visibility.ONLY_ME,
        credentials_visibility=Visibility.ONLY_ME,
        credential_tier=Profile.Tier.PEER,
        telehealth_jurisdictions=["OR"],
        **near,
    )
    stranger = MemberFactory()
    connect(viewer, friend.user)
    for filters in (
        {"specialty": ("anxiety",)},
        {"tier": Profile.Tier.PEER},
        {"telehealth": "OR"},
        {"place": oakland, "radius_km": 10},
    ):
        assert names(search(viewer, **filters)) == ["Friend"], filters
        assert names(search(stranger, **filters)) == [], filters
    # A pending request is not a connection.
    pending = listed("Pending", terms=[anxiety], practice_visibility=Visibility.CONNECTIONS)
    Connection.for_pair(
        viewer, pending.user, status=Connection.Status.REQUESTED, requested_by=viewer
    ).save()
    assert names(search(viewer, specialty=("anxiety",))) == ["Friend"]


# --- Distance -------------------------------------------------------------------------


def _north_of(place, km):
    return place.latitude + math.degrees(km / EARTH_RADIUS_KM), place.longitude


def _east_of(place, km):
    angle = km / EARTH_RADIUS_KM
    lat = math.radians(place.latitude)
    # Along the parallel: haversine distance of `km` at the same latitude.
    dlon = 2 * math.asin(math.sin(angle / 2) / math.cos(lat))
    return place.latitude, place.longitude + math.degrees(dlon)


@pytest.mark.parametrize("direction", [_north_of, _east_of])
def test_distance_boundaries(viewer, oakland, direction):
    for name, km in [("Just Inside", 24.9), ("Just Outside", 25.1), ("Far Away", 400)]:
        lat, lon = direction(oakland, km)
        listed(name, latitude=lat, longitude=lon)
    page = search(viewer, place=oakland, radius_km=25)
    assert names(page) == ["Just Inside"]
    assert page[0].distance_km == pytest.approx(24.9, abs=0.01)


def test_nearest_sort_and_hidden_location(viewer, oakland):
    for name, km in [("Twenty", 20), ("Five", 5), ("Ten", 10)]:
        listed(name, latitude=_north_of(oakland, km)[0], longitude=oakland.longitude)
    listed(
        "Hidden Place",
        latitude=oakland.latitude,
        longitude=oakland.longitude,
        location_visibility=Visibility.CONNECTIONS,
    )
    assert names(search(viewer, place=oakland, sort="nearest")) == ["Five", "Ten", "Twenty"]


def test_newest_sort_is_stable(viewer):
    now = timezone.now()
    first = listed("First", created_at=now)
    second = listed("Second", created_at=now)
    listed("Older", created_at=now - timezone.timedelta(days=3))
    expected = [p.display_name for p in sorted([first, second], key=lambda p: -p.pk)]
    assert names(search(viewer, sort="newest")) == [*expected, "Older"]


# --- The page -------------------------------------------------------------------------


def test_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_applicant_is_sent_to_their_status(client, applicant):
    client.force_login(applicant)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("members:status")


def test_page_shows_only_visible_groups(member_client, member):
    lcsw = term(Term.Kind.PROFESSION, "licensed-clinical-social-worker")
    listed(
        "Card Person",
        headline="Secret headline",
        profession=lcsw,
        city="Oakland",
        about_visibility=Visibility.CONNECTIONS,
    )
    connected = listed(
        "Friend Person", headline="Friendly headline", about_visibility=Visibility.CONNECTIONS
    )
    connect(member, connected.user)
    body = member_client.get(URL).content.decode()
    assert "Card Person" in body
    assert "Secret headline" not in body
    assert "Licensed Clinical Social Worker" in body
    assert "Oakland" in body
    assert "Friendly headline" in body


def test_htmx_request_returns_the_fragment_only(member_client):
    listed("Fragment Person")
    response = member_client.get(URL, {"q": "fragment"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'id="directory-results"' in body
    assert "<mark>Fragment</mark> Person" in body  # the words the search matched, marked
    assert "<html" not in body
    assert 'role="search"' not in body
    assert response["Vary"].count("HX-Request")


@pytest.mark.parametrize(
    "trigger, focused",
    [("page-next", True), ("page-previous", True), ("id_specialty", False), (None, False)],
)
def test_only_a_page_link_moves_focus_to_the_new_results(member_client, trigger, focused):
    """Pressing "Next page" replaces the link with the new results: their heading takes
    focus (htmx honours autofocus in swapped content). A filter change must not pull
    focus out of the form."""
    listed("Focus Person")
    headers = {"HX-Request": "true", **({"HX-Trigger": trigger} if trigger else {})}
    body = member_client.get(URL, {"q": "focus"}, headers=headers).content.decode()
    heading = body.split('id="results-heading"', 1)[1].split(">", 1)[0]
    assert ("autofocus" in heading) is focused
    assert 'tabindex="-1"' in heading


def test_page_links_carry_the_ids_that_move_focus(member_client):
    for index in range(21):
        listed(f"Paged Person {index}")
    body = member_client.get(URL, {"sort": "newest"}).content.decode()
    assert 'id="page-next"' in body


def test_plain_get_keeps_the_query_in_the_form(member_client):
    listed("Form Person", terms=[term(Term.Kind.SPECIALTY, "anxiety")])
    response = member_client.get(URL, {"q": "form", "specialty": "anxiety", "sort": "newest"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="form"' in body
    assert "<mark>Form</mark> Person" in body


def test_unknown_place_is_a_friendly_message(member_client):
    response = member_client.get(URL, {"near": "Qqqzzyx"})
    assert response.status_code == 200
    assert "couldn’t find a city called" in response.content.decode()


def test_bad_values_are_ignored(member_client):
    listed("Still Here")
    response = member_client.get(URL, {"specialty": "nope", "radius": "9999", "page": "x"})
    assert response.status_code == 200
    assert "Still Here" in response.content.decode()


def test_empty_results_are_friendly(member_client):
    response = member_client.get(URL, {"q": "nobodyhasthisword"})
    assert "No members match this search" in response.content.decode()


def _count_queries(client, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(URL, {"specialty": "anxiety", "near": "Oakland, CA"})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_query_budget_does_not_grow_with_results(
    member_client, member, oakland, django_assert_max_num_queries
):
    anxiety = term(Term.Kind.SPECIALTY, "anxiety")
    emdr = term(Term.Kind.MODALITY, "emdr")
    lat, lon = oakland.latitude, oakland.longitude
    first = listed("First One", terms=[anxiety, emdr], latitude=lat, longitude=lon)
    connect(member, first.user)
    member_client.get(URL)  # the first request of a session writes to it: warm up
    one = _count_queries(member_client, django_assert_max_num_queries, 13)
    for i in range(24):
        listed(f"Member {i}", terms=[anxiety, emdr], latitude=lat, longitude=lon)
    many = _count_queries(member_client, django_assert_max_num_queries, 13)
    assert one == many


def test_seed_fills_the_search_document(db):
    from members.demo import seed_community

    seed_community(members=20, seed=3)
    assert not Profile.objects.filter(search_vector__isnull=True).exists()
    viewer = MemberFactory()
    assert search(viewer).paginator.count > 0


def test_editing_a_profile_updates_what_the_directory_finds(client, db):
    """The editor refreshes the search document: a new headline is searchable at once."""
    from members import services
    from tests.members.factories import MemberFactory

    viewer, owner = MemberFactory(), MemberFactory()
    owner.profile.headline = "Ecotherapy and wilderness practice"
    services.profile_update(profile=owner.profile, fields=["headline"])
    client.force_login(viewer)
    html = client.get("/directory/", {"q": "wilderness"}).content.decode()
    assert owner.profile.display_name in html


# --- Counting stops at a cap ------------------------------------------------------------


@pytest.fixture
def small_cap(monkeypatch):
    """A cap of 3 and pages of 2, so a handful of profiles crosses both."""
    monkeypatch.setattr(directory, "COUNT_CAP", 3)
    monkeypatch.setattr(directory, "PAGE_SIZE", 2)


def _newest(viewer, page):
    return directory_search(
        viewer=viewer, q="", filters=DirectoryFilters(), sort="newest", page=page
    )


def test_newest_counts_to_the_cap_and_pages_on_past_it(viewer, small_cap):
    now = timezone.now()
    for i in range(6):
        listed(f"Person {i}", created_at=now - timezone.timedelta(days=i))
    first = _newest(viewer, 1)
    assert names(first) == ["Person 0", "Person 1"]
    assert not first.paginator.exact and first.has_next()
    # Further in, the count reaches as far as the page asked for: here, the end.
    last = _newest(viewer, 3)
    assert names(last) == ["Person 4", "Person 5"]
    assert last.paginator.exact and last.paginator.count == 6 and not last.has_next()
    assert names(_newest(viewer, 99)) == ["Person 4", "Person 5"]  # out of range: the last
    # A number past what OFFSET (a bigint) holds is the last page too, not a 500.
    assert names(_newest(viewer, "99999999999999999999")) == ["Person 4", "Person 5"]
    assert names(_newest(viewer, 0)) == ["Person 0", "Person 1"]
    assert names(_newest(viewer, "x")) == ["Person 0", "Person 1"]


@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "2.5", "", "nan"])
def test_any_page_number_in_the_url_gets_a_page(member_client, page):
    person = listed("Page Person")
    for params in ({"sort": "newest"}, {"q": "page"}, {}):
        response = member_client.get(URL, {**params, "page": page})
        assert response.status_code == 200
        assert f'id="member-{person.handle}"' in response.content.decode()


def test_a_broad_search_ranks_its_first_matches_only_and_says_so(viewer, small_cap, member_client):
    for i in range(5):
        listed(f"Shared Name {i}")
    page = search(viewer, q="shared")
    assert not page.paginator.exact and page.paginator.more
    assert page.paginator.count == 3  # the best three, on two pages
    second = directory_search(
        viewer=viewer, q="shared", filters=DirectoryFilters(), sort="", page=2
    )
    assert len(second) == 1 and not second.has_next()
    body = member_client.get(URL, {"q": "shared", "page": "2"}).content.decode()
    assert "3+ found" in body and " of 2" not in body
    assert "The search stops after 3 matches" in body


def test_a_broad_search_always_ranks_the_viewers_connections(viewer, small_cap):
    for i in range(5):
        listed(f"Shared Name {i}", created_at=timezone.now() - timezone.timedelta(days=i))
    # Joined last, so the newest of equal ranks, yet the last a table scan would find.
    friend = listed("Shared Friend", created_at=timezone.now() + timezone.timedelta(days=1))
    connect(viewer, friend.user)
    ranked = search(viewer, q="shared")
    assert ranked.paginator.count == 3 and ranked.paginator.more
    assert names(ranked)[0] == "Shared Friend"


def test_a_count_under_the_cap_is_exact(viewer, small_cap, member_client):
    listed("Solitary Person")
    page = search(viewer, q="solitary")
    assert page.paginator.exact and page.paginator.count == 1 and not page.paginator.more
    assert "1 found" in member_client.get(URL, {"q": "solitary"}).content.decode()


def test_an_unknown_term_finds_nobody(viewer):
    listed("Someone")
    assert names(search(viewer, specialty=("no-such-term",))) == []
    assert names(search(viewer, profession="no-such-profession")) == []


def test_the_quick_form_renders_what_django_renders(viewer):
    """The directory's <select>s are rendered in Python (hive.widgets.QuickSelect); the
    bytes must stay Django's, whatever the values."""
    from django import forms
    from django.forms.boundfield import BoundField

    from hive.widgets import QuickSelect
    from members.views.directory import DirectoryForm

    terms = list(Term.objects.all())
    for data in (
        {},
        {"specialty": "anxiety", "telehealth": "CA", "radius": "50", "sort": "newest"},
        {"language": "spanish", "referrals": "on", "tier": "peer", "profession": "nope"},
    ):
        form = DirectoryForm(data, terms=terms)
        form.values()
        for name, field in form.fields.items():
            quick = form[name].as_field_group()
            if isinstance(field.widget, QuickSelect):
                field.widget.__class__ = forms.Select
            assert BoundField(form, field, name).as_field_group() == quick, name


@pytest.mark.parametrize(
    "query",
    ["", "?specialty=anxiety&telehealth=CA&radius=50&sort=newest", "?referrals=on&tier=peer"],
)
def test_the_filters_on_the_page_are_what_django_would_write(client, viewer, query):
    """The page writes each filter's label and widget itself (the form is never invalid
    and has no help texts); what it sends is Django's own field group, up to the blank
    lines between tags, whatever the values chosen."""
    import re

    from django import forms
    from django.forms.boundfield import BoundField

    from hive.widgets import QuickSelect
    from members.views.directory import DirectoryForm

    def squeezed(html: str) -> str:
        return re.sub(r">\s+<", "><", str(html).strip())

    client.force_login(viewer)
    page = squeezed(client.get(reverse("members:directory") + query).content.decode())
    data = dict(pair.split("=") for pair in query.lstrip("?").split("&") if pair)
    form = DirectoryForm(data, terms=list(Term.objects.all()))
    form.values()
    for name, field in form.fields.items():
        if name in ("q", "near"):  # written by hand on purpose (search inputs)
            continue
        if isinstance(field.widget, QuickSelect):
            field.widget.__class__ = forms.Select
        assert squeezed(BoundField(form, field, name).as_field_group()) in page, name


# --- The page on a phone and for a keyboard: filters folded, a skip link -----------------


def _between(body: str, start: str, end: str) -> str:
    return body.split(start, 1)[1].split(end, 1)[0]


def test_filters_fold_behind_a_button_that_counts_them(member_client):
    body = member_client.get(URL).content.decode()
    # A closed <details>: a phone shows the results first; no JavaScript needed to open it.
    panel = _between(_between(body, 'role="search"', "</form>"), "<details", ">")
    assert "data-filter-panel" in panel and "open" not in panel
    summary = _between(body, '<summary class="filter-toggle">', "</summary>")
    assert summary.startswith("Filters") and "(" not in summary
    # Every filter is inside it, still part of the one GET form.
    form = _between(body, 'role="search"', "</form>")
    details = _between(form, "<details", "</details>")
    for name in ("profession", "specialty", "near", "radius", "referrals", "sort"):
        assert f'name="{name}"' in details, name
    assert 'name="q"' not in details  # the words stay in sight

    chosen = member_client.get(URL, {"specialty": "anxiety", "referrals": "on", "q": "x"})
    summary = _between(chosen.content.decode(), '<summary class="filter-toggle">', "</summary>")
    assert "(2)" in summary  # the words and the sort are not filters


def test_a_skip_link_jumps_past_the_filters_to_the_results(member_client):
    body = member_client.get(URL).content.decode()
    form = _between(body, 'role="search"', "</form>")
    skip = form.index('href="#results-heading">Skip to results</a>')
    assert form.index('name="q"') < skip < form.index('name="profession"')
    assert 'id="results-heading" class="results-heading" tabindex="-1"' in body


def test_the_live_region_announces_the_count_not_the_list(member_client):
    first = listed("Announced Person")
    listed("Another Person")
    body = member_client.get(URL).content.decode()
    # One polite region, outside the results, empty when the page arrives.
    assert body.count('role="status"') == body.count("results-status") == 1
    assert (
        '<p id="results-status" class="visually-hidden" role="status" aria-atomic="true"></p>'
        in (body)
    )
    results = _between(body, 'id="directory-results"', "</section>")
    assert "aria-live" not in results and 'role="status"' not in results
    # An update brings the region's new line out of band: the count, and no names.
    fragment = member_client.get(URL, {"sort": "newest"}, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    status = _between(html, '<p id="results-status"', "</p>")
    assert 'hx-swap-oob="true"' in status
    assert status.endswith(">2 members found.")
    assert first.display_name not in status
    assert 'id="filter-count" class="filter-count" hx-swap-oob="true"' in html


# --- Miles for members in the US -------------------------------------------------------


def test_us_members_search_and_read_distances_in_miles(member_client, member, oakland):
    member.profile.country = "US"
    member.profile.save(update_fields=["country"])
    near_by = listed("Thirty Km", latitude=_north_of(oakland, 30)[0], longitude=oakland.longitude)
    listed("Forty Five Km", latitude=_north_of(oakland, 45)[0], longitude=oakland.longitude)
    body = member_client.get(URL, {"near": "Oakland, CA", "radius": "25"}).content.decode()
    assert '<option value="25" selected>25 miles</option>' in body
    # 25 miles is 40 km: the member 30 km away is in, the one 45 km away is not.
    assert "1 found within 25 miles of Oakland, CA" in body
    assert f'id="member-{near_by.handle}"' in body and "Forty Five" not in body
    assert "19 miles away" in body  # 30 km
    assert " km" not in _between(body, 'id="directory-results"', "</section>")


def test_members_abroad_get_kilometers(member_client, member, oakland):
    member.profile.country = "CA"
    member.profile.save(update_fields=["country"])
    listed("Thirty Km", latitude=_north_of(oakland, 30)[0], longitude=oakland.longitude)
    body = member_client.get(URL, {"near": "Oakland, CA", "radius": "25"}).content.decode()
    assert '<option value="25" selected>25 km</option>' in body
    assert "0 found within 25 km of Oakland, CA" in body
    body = member_client.get(URL, {"near": "Oakland, CA", "radius": "50"}).content.decode()
    assert "30 km away" in body


# --- Cards ---------------------------------------------------------------------------------


def test_a_card_names_the_credential_once_in_plain_case(member_client):
    lcsw = term(Term.Kind.PROFESSION, "licensed-clinical-social-worker")
    person = listed(
        "Cred Person", profession=lcsw, credentials="LCSW", headline="LCSW · Anxiety in teens"
    )
    body = member_client.get(URL).content.decode()
    card = _between(body, f'id="member-{person.handle}"', "</article>")
    assert '<p class="directory-credential">Licensed Clinical Social Worker, LCSW</p>' in card
    assert '<p class="directory-headline">Anxiety in teens</p>' in card
    assert card.count("LCSW") == 1
    assert "card-kicker" not in card  # the all-caps line
    # A headline that only starts with the letters in a sentence keeps them.
    person.headline = "LCSW working with teens"
    person.save(update_fields=["headline"])
    card = _between(
        member_client.get(URL).content.decode(), f'id="member-{person.handle}"', "</article>"
    )
    assert "LCSW working with teens" in card


def test_the_words_a_search_matched_are_marked_safely(member_client):
    emdr = term(Term.Kind.MODALITY, "emdr")
    anxiety = term(Term.Kind.SPECIALTY, "anxiety")
    person = listed(
        "Mark Person",
        headline="Therapists <b>for</b> trauma & grief",
        bio="I trained in many things over the years. Mostly I now work with **trauma** "
        "survivors in a small practice near the lake, and I teach on weekends.",
        terms=[emdr, anxiety],
    )
    body = member_client.get(URL, {"q": "trauma therapist EMDR"}).content.decode()
    card = _between(body, f'id="member-{person.handle}"', "</article>")
    # Stemmed as the search is ("therapist" marks "Therapists"), and the text escaped.
    assert (
        '<p class="directory-headline"><mark>Therapists</mark> &lt;b&gt;for&lt;/b&gt; '
        "<mark>trauma</mark> &amp; grief</p>"
    ) in card
    # A passage of the bio around the match, as plain words.
    snippet = _between(card, '<p class="directory-snippet">', "</p>")
    assert "<mark>trauma</mark> survivors" in snippet and "**" not in snippet
    assert snippet.endswith("…</p>") or snippet.endswith("…")
    # The modality it matched leads the tags, marked; the specialty follows.
    tags = _between(card, 'aria-label="Focus">', "</ul>")
    assert tags.index("<mark>EMDR</mark>") < tags.index("Anxiety")
    assert '<li class="badge badge-match"><mark>EMDR</mark></li>' in tags


def test_a_filtered_term_is_marked_on_the_card(member_client):
    anxiety = term(Term.Kind.SPECIALTY, "anxiety")
    grief = term(Term.Kind.SPECIALTY, "grief-and-loss")
    person = listed("Filter Person", terms=[grief, anxiety])
    body = member_client.get(URL, {"specialty": "anxiety"}).content.decode()
    card = _between(body, f'id="member-{person.handle}"', "</article>")
    assert '<li class="badge badge-match"><mark>Anxiety</mark></li>' in card
    assert '<li class="badge">Grief and loss</li>' in card


def test_marks_never_show_a_hidden_group(member_client):
    person = listed(
        "Hidden Trauma",
        headline="Trauma therapist",
        bio="Trauma work, mostly with veterans.",
        about_visibility=Visibility.CONNECTIONS,
    )
    body = member_client.get(URL, {"q": "hidden trauma"}).content.decode()
    card = _between(body, f'id="member-{person.handle}"', "</article>")
    assert "<mark>Hidden</mark> <mark>Trauma</mark>" in card  # the name: always shown
    assert "therapist" not in card and "veterans" not in card
    assert "directory-snippet" not in card


def test_a_card_lists_five_tags_and_counts_the_rest(member_client):
    specialties = list(Term.objects.filter(kind=Term.Kind.SPECIALTY)[:8])
    person = listed("Many Tags", terms=specialties)
    card = _between(
        member_client.get(URL).content.decode(), f'id="member-{person.handle}"', "</article>"
    )
    assert card.count('class="badge"') == 5 and "+3 more" in card


# --- Numbered pages -----------------------------------------------------------------------


def test_pages_are_numbered_links_that_htmx_follows(member_client):
    for index in range(20 * 9 + 1):
        listed(f"Numbered {index}", refresh=False)
    body = member_client.get(URL, {"sort": "newest", "page": "5"}).content.decode()
    pages = _between(body, 'aria-label="Pages of members"', "</nav>")
    current = _between(pages, 'class="pagination-current" aria-current="page"', "</a>")
    assert current.endswith('<span class="visually-hidden">Page </span>5')
    for number in (1, 4, 6, 10):
        assert f'id="page-{number}" href="{URL}?sort=newest&amp;page={number}"' in pages
        assert f'hx-get="{URL}?sort=newest&amp;page={number}"' in pages
    assert 'id="page-3"' not in pages and 'id="page-7"' not in pages  # left out: "…"
    assert pages.count("…") == 2
    assert 'id="page-previous"' in pages and 'id="page-next"' in pages
    # A numbered link moves focus to the new results, as Previous and Next do.
    headers = {"HX-Request": "true", "HX-Trigger": "page-6"}
    fragment = member_client.get(URL, {"sort": "newest", "page": "6"}, headers=headers)
    heading = _between(fragment.content.decode(), 'id="results-heading"', ">")
    assert "autofocus" in heading


def test_the_page_numbers_shown():
    from hive.http import page_numbers

    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 3) == [1, 2, 3]
    assert page_numbers(5, 10) == [1, None, 4, 5, 6, None, 10]
    assert page_numbers(4, 7) == [1, 2, 3, 4, 5, 6, 7]  # a gap of one shows the number
    assert page_numbers(9, 50, known_last=False) == [1, None, 8, 9, 10]


def test_query_budget_with_words_does_not_grow_with_results(
    member_client, member, django_assert_max_num_queries
):
    """A text search also brings its marks and matched terms in the one statement."""
    anxiety = term(Term.Kind.SPECIALTY, "anxiety")
    listed("Budget Person", terms=[anxiety], headline="Anxiety care", bio="Anxiety work.")
    member_client.get(URL)  # warm the session up

    def count() -> int:
        with django_assert_max_num_queries(13) as captured:
            response = member_client.get(URL, {"q": "anxiety", "specialty": "anxiety"})
        assert response.status_code == 200
        return len(captured.captured_queries)

    one = count()
    for i in range(24):
        listed(f"Budget {i}", terms=[anxiety], headline="Anxiety care", bio="Anxiety work.")
    assert count() == one


def test_the_words_to_mark():
    from members.directory import highlight_words

    assert highlight_words('"trauma therapy" or EMDR -couples') == ["trauma", "therapy", "EMDR"]
    assert highlight_words("o’brien's -x") == ["o’brien's"]
    assert highlight_words("") == []


def test_a_kept_card_never_outlives_a_change(member_client):
    """Cards' HTML is kept per equal card (DirectoryCard.html): every change to what a
    card shows makes a different card, so the page shows it at once."""
    from members.views import directory as views

    views._card_html.cache_clear()
    owner = listed("Robin Keeper", headline="Quiet work with teens", city="Fresno", region="CA")
    first = member_client.get(URL).content.decode()
    assert "Robin Keeper" in first and "Quiet work with teens" in first and "Fresno, CA" in first
    assert views._card_html.cache_info().currsize >= 1
    member_client.get(URL)
    assert views._card_html.cache_info().hits >= 1  # the same card again: kept
    Profile.objects.filter(pk=owner.pk).update(
        display_name="Robin Newname",
        headline="Sand tray work with children",
        city="Visalia",
        accepting_referrals=Profile.Referrals.YES,
    )
    profile_refresh_search([owner.pk])
    after = member_client.get(URL).content.decode()
    assert "Robin Newname" in after and "Sand tray work with children" in after
    assert "Visalia, CA" in after
    assert "Robin Keeper" not in after and "Quiet work with teens" not in after
    assert "Accepting referrals</span>" in after
    # Hidden from members now: the same member's card loses the fields, not a stale copy.
    Profile.objects.filter(pk=owner.pk).update(
        about_visibility=Visibility.ONLY_ME, location_visibility=Visibility.ONLY_ME
    )
    hidden = member_client.get(URL).content.decode()
    assert "Robin Newname" in hidden
    assert "Sand tray work with children" not in hidden and "Visalia" not in hidden


def test_an_edited_template_empties_the_kept_cards(member_client):
    """Development: the autoreloader's file_changed signal for a template."""
    from pathlib import Path

    from django.utils.autoreload import file_changed

    from members.views import directory as views

    listed("Robin Keeper")
    member_client.get(URL)
    assert views._card_html.cache_info().currsize >= 1
    file_changed.send(sender=None, file_path=Path("members/views/directory.py"))
    assert views._card_html.cache_info().currsize >= 1  # not a template
    results = file_changed.send(sender=None, file_path=Path("templates/members/directory.html"))
    assert views._card_html.cache_info().currsize == 0
    assert not any(answer for receiver, answer in results if receiver.__module__ == views.__name__)
