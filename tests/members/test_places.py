"""The offline place list (members/places.py) and its autocomplete endpoint."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.places import get_place, search_places

PORTLAND_OR = 5746545
PORTLAND_ME = 4975802
OAKLAND_CA = 5378538
SAN_JOSE_CR = 3621849


def labels(query, **kwargs):
    return [place.label for place in search_places(query, **kwargs)]


def test_bigger_city_first_among_equal_matches():
    results = search_places("Portland")
    ids = [place.geonameid for place in results]
    assert ids[:2] == [PORTLAND_OR, PORTLAND_ME]
    assert results[0].label == "Portland, Oregon, US"


def test_exact_name_before_a_bigger_city_whose_name_merely_starts_the_same():
    # Huntington Beach is four times the size of Huntington, yet "Huntington" means it.
    names = [place.name for place in search_places("Huntington")]
    assert names[0] == "Huntington"
    assert "Huntington Beach" in names
    assert names.index("Huntington Beach") > max(
        i for i, name in enumerate(names) if name == "Huntington"
    )


def test_us_city_first_among_exact_matches():
    assert labels("Paris", limit=2) == ["Paris, Texas, US", "Paris, France"]


@pytest.mark.parametrize("query", ["Oakland, CA", "oakland ca", "OAKLAND,  ca", "Oakland, Calif"])
def test_city_with_its_us_state(query):
    results = search_places(query)
    assert [place.geonameid for place in results] == [OAKLAND_CA]
    assert results[0].short_label == "Oakland, CA"


def test_accents_do_not_matter():
    assert SAN_JOSE_CR in [place.geonameid for place in search_places("San Jose")]
    assert SAN_JOSE_CR in [place.geonameid for place in search_places("san josé")]
    assert search_places("SÃO PAULO")[0].name == "São Paulo"
    assert search_places("sao paulo")[0].name == "São Paulo"


@pytest.mark.parametrize("query", ["", " ", "o", "O,", "  é  "])
def test_short_query_finds_nothing(query):
    assert search_places(query) == []


def test_limit():
    assert len(search_places("San", limit=3)) == 3
    assert len(search_places("San")) == 10


def test_get_place_round_trip():
    place = search_places("Oakland, CA")[0]
    assert get_place(place.geonameid) == place
    assert place.region == "CA" and place.country_code == "US"
    assert place.timezone == "America/Los_Angeles"
    assert round(place.latitude, 1) == 37.8 and round(place.longitude, 1) == -122.3
    assert get_place(0) is None


# The endpoint --------------------------------------------------------------------------

URL = "/places/search/"


def test_route_name():
    assert reverse("members:place_search") == URL


def test_visitor_is_sent_to_log_in(client, db):
    response = client.get(URL, {"q": "Port"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login") + "?next=/places/search/")


def test_applicant_is_sent_to_their_status_page(client, applicant):
    client.force_login(applicant)
    response = client.get(URL, {"q": "Port"})
    assert response.status_code == 302 and response.url == "/apply/"


def test_post_is_not_allowed(member_client):
    assert member_client.post(URL, {"q": "Port"}).status_code == 405


def test_htmx_gets_the_results_fragment(member_client):
    response = member_client.get(URL, {"q": "Oakland, CA"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="place-results"')
    assert "<html" not in html
    assert f'data-geonameid="{OAKLAND_CA}"' in html
    assert 'data-label="Oakland, California, US"' in html
    assert 'data-region="CA"' in html


def test_htmx_short_query_asks_for_more(member_client):
    response = member_client.get(URL, {"q": "o"}, headers={"HX-Request": "true"})
    assert "at least two letters" in response.content.decode()


def test_no_match_says_so_and_escapes_the_query(member_client):
    response = member_client.get(URL, {"q": "<zzqx>"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "No city matches" in html and "&lt;zzqx&gt;" in html and "<zzqx>" not in html


def test_full_page_without_javascript(member_client):
    response = member_client.get(URL, {"q": "Portland"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert 'name="q" value="Portland"' in html
    assert html.index("Portland, Oregon, US") < html.index("Portland, Maine, US")
    # Choosing a suggestion submits the form; the page then names the choice.
    response = member_client.get(URL, {"q": "Portland", "place": str(PORTLAND_ME)})
    assert "Chosen: <strong>Portland, Maine, US</strong>" in response.content.decode()
    assert member_client.get(URL, {"q": "Portland", "place": "²"}).status_code == 200


@pytest.mark.urls("tests.urls")
def test_no_queries_beyond_session_and_user(member_client, django_assert_max_num_queries):
    # The baseline: a trivial members-only page (session, user, allauth's user-session
    # record). Measured on a second request: the first also records the new session.
    member_client.get("/members-only/")
    with CaptureQueriesContext(connection) as baseline:
        assert member_client.get("/members-only/").status_code == 200
    assert len(baseline) > 0
    with django_assert_max_num_queries(len(baseline)):
        response = member_client.get(URL, {"q": "San"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    # The full page adds only base.html's unread badges: notifications, and messages
    # (one query when its cached count is missing, as on this first full page).
    with django_assert_max_num_queries(len(baseline) + 2):
        assert member_client.get(URL, {"q": "San"}).status_code == 200


@pytest.mark.parametrize(
    "label", ["Oakland, California, US", "Portland, Maine, US", "Lyon, France", "Lyon, FR"]
)
def test_a_full_label_finds_its_own_place(label):
    found = search_places(label, limit=1)
    assert found and label in (found[0].label, found[0].short_label)


def test_the_directory_near_field_gets_datalist_options(member_client):
    response = member_client.get(
        URL, {"as": "options", "near": "Portland"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<datalist id="near-options">')
    assert '<option value="Portland, Oregon, US">' in body
    assert '<option value="Portland, Maine, US">' in body
    assert "<button" not in body


def test_directory_near_accepts_a_chosen_label(member_client):
    response = member_client.get(
        reverse("members:directory"), {"near": "Portland, Maine, US", "radius": "25"}
    )
    assert response.status_code == 200
    assert "within 25 miles of Portland, ME" in response.content.decode()  # a US member
