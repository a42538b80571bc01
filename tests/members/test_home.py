"""The member home as the member's week (issue 18): connection requests answered in
place, the new member's checklist until it is done, two-factor as a slim line, how
complete the profile is, colleagues to meet; in order of what needs the member, in a
fixed number of queries. And the same requests answered in the notification center."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone

from matching import engine
from members import services
from members.completeness import profile_completeness
from members.models import Connection, Profile, Term, User
from notifications.models import Notification
from tests.members.factories import MemberFactory


@pytest.fixture(autouse=True)
def _fresh_engine():
    engine.reset()
    yield
    engine.reset()


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return unescape(response.content.decode())


def _ask(sender, recipient, note=""):
    return services.connection_request(sender=sender, recipient=recipient, note=note)


def _complete(profile: Profile) -> None:
    profile.photo_token = "x" * 12
    profile.headline = "Therapist for adults after trauma"
    profile.bio = "I work with adults."
    profile.city = "Oakland"
    profile.accepting_referrals = "yes"
    profile.save()
    for kind in [
        Term.Kind.SPECIALTY,
        Term.Kind.POPULATION,
        Term.Kind.LANGUAGE,
        Term.Kind.LOOKING_FOR,
    ]:
        profile.terms.add(Term.objects.filter(kind=kind).first())


def _two_factor(user: User) -> None:
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})


def _joined(user: User, days_ago: int) -> None:
    Profile.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=days_ago))


# --- What the page says -------------------------------------------------------------


def test_no_welcome_on_every_visit(member_client):
    html = _home(member_client)
    assert "Welcome to Hive" not in html
    assert re.search(r"<h1[^>]*>Your week</h1>", html)


def test_waiting_requests_are_answered_from_home(client, member):
    askers = [MemberFactory() for _ in range(4)]
    for i, asker in enumerate(askers):
        _ask(asker, member, note="We met at the EMDR training." if i == 0 else "")
    client.force_login(member)
    html = _home(client)
    assert "4 colleagues asked to connect" in html
    assert "We met at the EMDR training." in html
    first = askers[0].profile
    accept = reverse("members:accept", args=[first.handle])
    decline = reverse("members:decline", args=[askers[1].profile.handle])
    assert f'action="{accept}"' in html and f'action="{decline}"' in html

    response = client.post(accept, {"next": "/"})
    assert response.url == "/"
    assert Connection.objects.between(member, askers[0]).get().status == "accepted"
    client.post(decline, {"next": "/"})
    assert not Connection.objects.between(member, askers[1]).exists()
    assert "2 colleagues asked to connect" in _home(client)


def test_requests_from_people_who_left_are_not_shown(client, member):
    gone = MemberFactory()
    _ask(gone, member)
    gone.membership_status = User.Status.SUSPENDED
    gone.save(update_fields=["membership_status"])
    client.force_login(member)
    assert "asked to connect" not in _home(client)


def test_requests_i_sent_are_not_mine_to_answer(client, member):
    _ask(member, MemberFactory())
    client.force_login(member)
    assert "asked to connect" not in _home(client)


def test_two_factor_is_a_slim_line_under_the_heading(client, member):
    client.force_login(member)
    html = _home(client)
    header = html.split('<header class="page-header">', 1)[1].split("</header>", 1)[0]
    assert 'class="home-banner"' in header
    assert reverse("mfa_index") in header
    assert "Protect your account with two-factor authentication" not in html  # the old card
    _two_factor(member)
    assert 'class="home-banner"' not in _home(client)


def test_new_members_get_a_checklist_that_goes_away_when_done(client, member):
    client.force_login(member)
    html = _home(client)
    assert "Getting started: 0 of 4 done" in html
    for step in [
        "Fill in your profile",
        "Answer the values questionnaire",  # matching's step, through the registry
        "Turn on two-factor sign-in",
        "Connect with a colleague",
    ]:
        assert step in html

    _complete(member.profile)
    _two_factor(member)
    _ask(member, MemberFactory())
    html = _home(client)
    assert "Getting started: 3 of 4 done" in html
    assert "Done: </span>Fill in your profile" in html

    from matching.services import current_statements
    from tests.matching.people import answer

    statements = current_statements()
    for statement in statements[: len(statements) // 2 + 1]:
        answer(member, statement.key, 2, 0b100)
    assert "Getting started" not in _home(client)


def test_the_checklist_is_for_the_first_weeks_only(client, member):
    _joined(member, days_ago=60)
    client.force_login(member)
    html = _home(client)
    assert "Getting started" not in html
    assert 'class="home-banner"' in html  # the single nudges remain


def test_profile_completeness_says_what_is_missing(client, member):
    client.force_login(member)
    html = _home(client)
    assert "Your profile is 0% complete" in html
    assert "a photo" in html and "who you work with" in html
    _complete(member.profile)
    assert "Your profile is" not in _home(client)
    assert profile_completeness(member.profile).complete


def test_cards_are_ordered_by_what_needs_the_member(client, member):
    _ask(MemberFactory(), member)
    client.force_login(member)
    html = _home(client)
    order = [
        html.index("Protect your account"),
        html.index("asked to connect"),
        html.index("Getting started"),
        html.index("Tell us what matters in your practice"),
        html.index("Your profile is"),
        html.index("Find your way around"),
    ]
    assert order == sorted(order)


def test_colleagues_to_meet_come_with_the_reason(client, db):
    from tests.matching.people import person

    me = person("Avery Quinn", place="oakland", specialties=["anxiety"])
    person("Blair Jones", place="oakland", specialties=["anxiety"])
    client.force_login(me)
    html = _home(client)
    assert "Colleagues for peer consultation" in html
    assert "Blair Jones" in html
    assert "Why we suggest Blair Jones:" in html


def _home_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_home_costs_the_same_for_one_request_or_many(client, member):
    askers = [MemberFactory() for _ in range(9)]  # all there first: the same snapshot
    client.force_login(member)
    _ask(askers[0], member)
    client.get("/")  # the first request of a session records the device
    one = _home_queries(client)
    for asker in askers[1:]:
        _ask(asker, member)
    assert _home_queries(client) == one


# --- The notification center: answering a request where it is shown ------------------


def test_a_request_can_be_answered_in_the_notification_center(client, member):
    asker = MemberFactory()
    _ask(asker, member)
    client.force_login(member)
    page = unescape(client.get(reverse("notifications:list")).content.decode())
    accept = reverse("members:accept", args=[asker.profile.handle])
    assert f'action="{accept}"' in page
    response = client.post(accept, {"next": reverse("notifications:list")})
    assert response.url == reverse("notifications:list")
    assert Connection.objects.between(member, asker).get().status == "accepted"
    notice = Notification.objects.get(recipient=member, kind="connection_request")
    assert notice.read_at is not None  # answered, so nothing is left to do
    page = client.get(reverse("notifications:list")).content.decode()
    assert f'action="{accept}"' not in page  # no buttons for what is already answered


def test_no_buttons_for_a_request_from_someone_who_left(client, member):
    asker = MemberFactory()
    _ask(asker, member)
    asker.membership_status = User.Status.SUSPENDED
    asker.save(update_fields=["membership_status"])
    client.force_login(member)
    page = client.get(reverse("notifications:list")).content.decode()
    assert reverse("members:accept", args=[asker.profile.handle]) not in page


def test_notification_center_costs_the_same_for_one_request_or_many(client, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    askers = [MemberFactory() for _ in range(9)]
    client.force_login(member)
    _ask(askers[0], member)
    client.get(reverse("notifications:list"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("notifications:list"))
        return len(queries)

    one = count()
    for asker in askers[1:]:
        _ask(asker, member)
    assert count() == one
