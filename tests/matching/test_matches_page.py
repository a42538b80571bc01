"""/matches/, dismissing a suggestion and the private relationship mark, as members use
them: access, htmx and no-JS paths, the query budget, and what the other side sees."""

import pytest
from django.test import Client
from django.urls import reverse

from matching import engine
from matching.models import Dismissal, Purpose
from members import services as member_services
from members.models import Connection, DualRelationship
from tests.matching.people import answer, person
from tests.members.factories import ApplicantFactory, MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db
MATCHES = reverse("matching:matches")


def near(name="", **kwargs):
    return person(name, place="berkeley", looking_for=["coffee-dates"], **kwargs)


@pytest.fixture
def viewer():
    return person("Vera Viewer", place="oakland", looking_for=["coffee-dates"])


@pytest.fixture
def browser(client, viewer):
    client.force_login(viewer)
    return client


def coffee(client, **headers):
    return client.get(MATCHES, {"purpose": Purpose.COFFEE}, **headers)


def dismiss_url(user):
    return reverse("matching:dismiss", args=[user.profile.handle])


def relationship_url(user):
    return reverse("members:relationship", args=[user.profile.handle])


# --- Access ------------------------------------------------------------------------------


def test_visitors_log_in_and_applicants_see_their_status(client):
    response = client.get(MATCHES)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(ApplicantFactory())
    response = client.get(MATCHES)
    assert response.status_code == 302 and response["Location"] == reverse("members:status")


def test_members_and_staff_get_the_page(client):
    client.force_login(MemberFactory())
    assert client.get(MATCHES).status_code == 200
    client.force_login(StaffFactory())  # no profile: a friendly explanation
    response = client.get(MATCHES)
    assert response.status_code == 200 and "has none" in response.content.decode()


@pytest.mark.parametrize("url", ["dismiss", "relationship"])
def test_write_endpoints_are_post_only_with_csrf(viewer, url):
    other = near()
    target = dismiss_url(other) if url == "dismiss" else relationship_url(other)
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    assert client.get(target).status_code == 405
    assert client.post(target, {"kind": "never"}).status_code == 403
    assert not Dismissal.objects.exists() and not DualRelationship.objects.exists()


@pytest.mark.parametrize("url", ["dismiss", "relationship"])
def test_write_endpoints_404_for_people_the_viewer_may_not_see(browser, viewer, url):
    blocker, lapsed = near(), near()
    member_services.block_create(blocker=blocker, blocked=viewer)
    lapsed.membership_status = "lapsed"
    lapsed.save()
    for other in (blocker, lapsed, viewer):
        target = dismiss_url(other) if url == "dismiss" else relationship_url(other)
        assert browser.post(target, {"kind": "never"}).status_code == 404
    name = "matching:dismiss" if url == "dismiss" else "members:relationship"
    missing = reverse(name, args=["nobody-here"])
    assert browser.post(missing, {"kind": "never"}).status_code == 404
    assert not Dismissal.objects.exists() and not DualRelationship.objects.exists()


def test_bad_input_is_refused_clearly_not_a_500(browser):
    other = near()
    assert browser.post(dismiss_url(other), {"kind": "sometimes"}).status_code == 400
    response = browser.post(relationship_url(other), {"kind": "nemesis"}, follow=True)
    assert response.status_code == 200
    assert "Choose what kind of relationship it is." in response.content.decode()
    assert not DualRelationship.objects.exists()


# --- The page ----------------------------------------------------------------------------


def test_tabs_are_links_and_htmx_gets_the_region_only(browser):
    near("Bea Near")
    page = coffee(browser).content.decode()
    for value in Purpose.values:
        assert f'href="{MATCHES}?purpose={value}"' in page
    assert 'aria-current="page">Coffee date</a>' in page
    assert 'aria-current="page">Matches</a>' in page  # the navigation
    assert "Bea Near" in page and "<html" in page
    fragment = coffee(browser, HTTP_HX_REQUEST="true")
    assert fragment["Vary"].count("HX-Request") == 1
    body = fragment.content.decode()
    assert "<html" not in body and 'id="matches"' in body and "Bea Near" in body


def test_each_suggestion_has_a_reason_and_actions(browser, viewer):
    answer(viewer, "harm-reduction", 0, 0b11, 3)
    other = near("Bea Near", answers={"harm-reduction": (1, 0b11, 3)})
    page = coffee(browser).content.decode()
    # Alone on the tab, every clause is as distinctive as the next: the first three.
    assert "5 miles away; also 5–15 years in practice; up for coffee dates" in page
    assert reverse("members:profile", args=[other.profile.handle]) in page
    assert reverse("members:connect", args=[other.profile.handle]) in page
    assert f'name="next" value="{MATCHES}?purpose=coffee"' in page
    assert dismiss_url(other) in page


def test_every_form_on_a_card_carries_a_token_the_server_accepts(viewer):
    """The cards' three forms share one token field, written by the view (MatchCard)."""
    import re

    other = near("Bea Near")
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    page = coffee(client).content.decode()
    card = page.split(f'id="match-{other.profile.handle}"', 1)[1].split("</article>", 1)[0]
    forms = re.findall(r"<form .*?</form>", card, flags=re.S)
    assert len(forms) == 3
    tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', form) for form in forms]
    assert all(len(found) == 1 for found in tokens)
    feedback = reverse("matching:feedback", args=[other.profile.handle])
    response = client.post(
        feedback,
        {"csrfmiddlewaretoken": tokens[0][0], "purpose": Purpose.COFFEE, "verdict": "yes"},
    )
    assert response.status_code == 302
    refused = client.post(feedback, {"purpose": Purpose.COFFEE, "verdict": "yes"})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "country, zone, distance",
    [
        ("US", "UTC", "5 miles away"),
        ("", "America/Chicago", "5 miles away"),
        ("", "Europe/Berlin", "7 km away"),
        ("CA", "America/Toronto", "7 km away"),
    ],
)
def test_distances_follow_members_rule_for_miles(browser, viewer, country, zone, distance):
    """members.distances decides: the place's country, else the time zone."""
    viewer.profile.country = country
    viewer.profile.save(update_fields=["country"])
    viewer.timezone = zone
    viewer.save(update_fields=["timezone"])
    near("Bea Near")
    assert distance in coffee(browser).content.decode()


def test_connecting_from_a_card_comes_back_and_they_leave_the_list(browser, viewer):
    other = near("Bea Near")
    response = browser.post(
        reverse("members:connect", args=[other.profile.handle]),
        {"next": f"{MATCHES}?purpose=coffee"},
    )
    assert response.status_code == 302 and response["Location"] == f"{MATCHES}?purpose=coffee"
    assert Connection.objects.between(viewer, other).exists()
    assert "Bea Near" not in coffee(browser).content.decode().split("</nav>", 2)[-1]


def test_few_answers_get_a_call_to_action_and_still_suggestions(browser, viewer):
    near("Bea Near")
    page = coffee(browser).content.decode()
    assert "Answer the values questions" in page and "Bea Near" in page
    for key in ["harm-reduction", "video-therapy", "sliding-scale", "self-disclosure"]:
        answer(viewer, key, 0, 0b1)
    assert "You have answered 4 so far" in coffee(browser).content.decode()
    answer(viewer, "cultural-humility", 0, 0b1)
    assert "Answer the values questions" not in coffee(browser).content.decode()


def test_empty_tabs_say_what_would_help(browser, viewer):
    page = browser.get(MATCHES, {"purpose": Purpose.MENTORSHIP}).content.decode()
    assert "No suggestions for mentorship right now" in page
    viewer.profile.credentials_visibility = "connections"
    viewer.profile.save()
    page = browser.get(MATCHES, {"purpose": Purpose.MENTORSHIP}).content.decode()
    assert "Adding your career stage" in page and "weak matches" in page


def test_an_unknown_purpose_falls_back_to_the_first_tab(browser):
    response = browser.get(MATCHES, {"purpose": "speed-dating"})
    assert response.status_code == 200
    assert 'aria-current="page">Peer consultation</a>' in response.content.decode()


def test_query_count_does_not_grow_with_the_number_of_suggestions(
    browser, django_assert_max_num_queries
):
    near()
    coffee(browser), coffee(browser)  # build the snapshot, then settle its look-back
    with django_assert_max_num_queries(20) as one:
        assert len(coffee(browser).context["result"].items) == 1
    few = len(one)  # now: the next request clears the connection's query log
    for _ in range(24):
        near()
    coffee(browser), coffee(browser)  # patch the newcomers in, then settle
    with django_assert_max_num_queries(few) as many:
        assert len(coffee(browser).context["result"].items) == 20
    assert len(many) == few


# --- Dismissing --------------------------------------------------------------------------


def test_not_now_with_htmx_replaces_the_card_and_they_stay_gone(browser, viewer):
    other = near("Bea Near")
    response = browser.post(
        dismiss_url(other), {"kind": "not_now", "purpose": "coffee"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'id="match-{other.profile.handle}"' in body and "30 days" in body
    dismissal = Dismissal.objects.get(member=viewer, other=other)
    assert dismissal.purpose == Purpose.COFFEE and dismissal.kind == Dismissal.Kind.NOT_NOW
    assert "Bea Near" not in coffee(browser).content.decode()


def test_never_without_javascript_redirects_back_and_hides_them_everywhere(browser, viewer):
    other = near("Bea Near")
    response = browser.post(dismiss_url(other), {"kind": "never", "purpose": "coffee"})
    assert response.status_code == 302 and response["Location"] == f"{MATCHES}?purpose=coffee"
    assert Dismissal.objects.get(member=viewer, other=other).purpose == Dismissal.ALL
    page = browser.get(response["Location"]).content.decode()
    assert "We won’t suggest Bea Near again." in page
    assert 'id="match-bea-near"' not in page


# --- The private relationship mark -------------------------------------------------------


def test_marking_a_relationship_is_private_and_excludes_both_ways(browser, viewer, client):
    other = near("Bea Near")
    profile_url = reverse("members:profile", args=[other.profile.handle])
    assert "Private: our relationship" in browser.get(profile_url).content.decode()
    response = browser.post(relationship_url(other), {"kind": "clinical"})
    assert response.status_code == 302 and response["Location"] == profile_url
    page = browser.get(profile_url).content.decode()
    assert "Clinical relationship" in page and "never told" in page
    assert "Bea Near" not in coffee(browser).content.decode()
    # The other side: no trace of it on the viewer's profile, and no suggestion.
    other_client = Client()
    other_client.force_login(other)
    theirs = other_client.get(reverse("members:profile", args=[viewer.profile.handle]))
    theirs = theirs.content.decode()
    assert "Private: our relationship</summary>" in theirs and " checked" not in theirs
    assert "Vera Viewer" not in coffee(other_client).content.decode()
    # Removing the mark brings them back.
    browser.post(relationship_url(other), {"kind": "none"})
    assert not DualRelationship.objects.exists()
    engine.reset()
    assert "Bea Near" in coffee(browser).content.decode()


def test_own_profile_has_no_relationship_form(browser, viewer):
    page = browser.get(reverse("members:profile", args=[viewer.profile.handle]))
    assert "Private: our relationship" not in page.content.decode()


def test_a_member_unlisted_from_matches_still_sees_suggestions_but_nobody_sees_them(
    browser, viewer
):
    other = near("Bea Near")
    viewer.profile.suggest_in_matches = False
    viewer.profile.save()
    page = coffee(browser).content.decode()
    assert "Bea Near" in page and "chosen not to be suggested" in page
    other_client = Client()
    other_client.force_login(other)
    assert "Vera Viewer" not in coffee(other_client).content.decode()
