"""/coffee/ on the HTML actually sent: settings (miles or km, errors beside fields with
nothing typed lost), the date's actions with and without htmx, the check-in with
connect and the shared follow-up reminder, "don't pair me with", the staff page, and
the page's query budget."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coffee import services
from coffee.models import CoffeeDate, CoffeeSettings, Participant, Round
from members.models import AuditEvent, Connection, DualRelationship, FollowUp, Profile
from tests.coffee.factories import coffee_member, make_date, make_round, side
from tests.members.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

HOME = "/coffee/"


def login(client, user):
    client.force_login(user)
    return client


def settings_data(**overrides):
    data = {
        "opted_in": "on",
        "cadence": "fortnightly",
        "format": "either",
        "travel": "10",
        "availability": ["tue-morning", "thu-evening"],
        "snoozed_until": "",
    }
    data.update(overrides)
    return data


def test_the_page_for_a_member_who_never_opted_in(client):
    member = MemberFactory()
    page = login(client, member).get(HOME).content.decode()
    assert "Pair me for coffee dates" in page
    assert "Not paired" in page
    assert "(miles)" in page  # a US member (or one who gave no country)
    assert not CoffeeSettings.objects.exists()  # a visit writes nothing


def test_saving_settings_in_miles_stores_km(client):
    member = MemberFactory()
    response = login(client, member).post(reverse("coffee:settings"), settings_data())
    assert response.status_code == 302
    saved = CoffeeSettings.objects.get(user=member)
    assert saved.opted_in and saved.cadence == "fortnightly"
    assert saved.travel_km == pytest.approx(16.09344)
    assert saved.availability == ["tue-morning", "thu-evening"]
    page = client.get(HOME).content.decode()
    assert "You're in" in page and 'value="10"' in page


def test_members_outside_the_us_type_kilometers(client):
    member = MemberFactory()
    Profile.objects.filter(user=member).update(country="GB")
    page = login(client, member).get(HOME).content.decode()
    assert "(km)" in page
    client.post(reverse("coffee:settings"), settings_data(travel="12"))
    assert CoffeeSettings.objects.get(user=member).travel_km == 12.0


def test_errors_beside_their_fields_and_nothing_typed_lost(client):
    member = MemberFactory()
    response = login(client, member).post(
        reverse("coffee:settings"),
        settings_data(
            availability=[],
            travel="7",
            cadence="monthly",
            snoozed_until=(timezone.localdate() - timedelta(days=3)).isoformat(),
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tick at least one time you could meet" in page
    assert "Choose today or a day ahead" in page
    assert 'value="7"' in page
    assert 'value="monthly" required id="id_cadence_2" checked' in page
    assert not CoffeeSettings.objects.exists()
    too_far = client.post(reverse("coffee:settings"), settings_data(travel="500"))
    assert too_far.status_code == 400 and "At most 99 miles" in too_far.content.decode()
    garbage = client.post(reverse("coffee:settings"), settings_data(availability=["sun-brunch"]))
    assert garbage.status_code == 400


@pytest.fixture
def pair():
    ann = coffee_member("Ann Avery", specialties=["eating-disorders"])
    ben = coffee_member("Ben Brooks", place="berkeley", specialties=["eating-disorders"])
    return ann, ben


def test_a_pending_intro_shows_why_and_can_be_accepted_without_js(client, pair):
    ann, ben = pair
    date = make_date(ann, ben, introduced=False, in_person=True)
    page = login(client, ann).get(HOME).content.decode()
    assert "Ben Brooks" in page and "Why you two:" in page
    assert "miles away" in page  # written for the page before the intro is sent
    assert f'action="/coffee/dates/{date.pk}/accept/"' in page
    response = client.post(f"/coffee/dates/{date.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == f"/coffee/#date-{date.pk}"
    assert side(date, ann).response == "accepted"
    assert "You said yes" in client.get(HOME).content.decode()


def test_with_htmx_the_card_alone_comes_back(client, pair):
    ann, ben = pair
    date = make_date(ann, ben)
    response = login(client, ann).post(
        f"/coffee/dates/{date.pk}/pass/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<article") and f'id="date-{date.pk}"' in html
    assert "You passed this round" in html
    assert "<html" not in html


def test_both_accept_then_check_in_connect_and_follow_up(client, pair):
    ann, ben = pair
    date = make_date(ann, ben)
    services.date_accept(date=date, member=ben)
    login(client, ann).post(f"/coffee/dates/{date.pk}/accept/")
    date.refresh_from_db()
    page = client.get(HOME).content.decode()
    assert "It's on" in page and f"/messages/{date.conversation_id}/" in page
    assert "Times you're both free" in page
    assert "Did you meet" not in page  # not before the check-in
    Round.objects.filter(pk=date.round_id).update(check_in_at=timezone.now())
    page = client.get(HOME).content.decode()
    assert "Did you meet Ben Brooks?" in page
    client.post(f"/coffee/dates/{date.pk}/check-in/", {"met": "yes"})
    page = client.get(HOME).content.decode()
    assert "How did it go?" in page
    assert f'action="/members/{ben.profile.handle}/connect/"' in page
    assert f'action="/network/{ben.profile.handle}/follow-up/"' in page
    # One click connect, back to the date.
    response = client.post(
        f"/members/{ben.profile.handle}/connect/", {"next": f"/coffee/#date-{date.pk}"}
    )
    assert response["Location"] == f"/coffee/#date-{date.pk}"
    assert Connection.objects.between(ann, ben).exists()
    # The shared follow-up reminder, marked as coming from a coffee date.
    client.post(
        f"/network/{ben.profile.handle}/follow-up/",
        {"weeks": "3", "source": "coffee", "about": "Coffee date", "next": HOME},
    )
    reminder = FollowUp.objects.get(owner=ann, other=ben)
    assert reminder.source == FollowUp.Source.COFFEE
    client.post(f"/coffee/dates/{date.pk}/rating/", {"rating": "great"})
    page = client.get(HOME).content.decode()
    assert "Connection request sent" in page
    assert "We'll remind you to follow up with Ben Brooks" in page
    assert side(date, ann).rating == "great"


def test_a_refused_action_says_why_and_changes_nothing(client, pair):
    ann, ben = pair
    date = make_date(ann, ben)
    login(client, ann).post(f"/coffee/dates/{date.pk}/pass/")
    response = client.post(f"/coffee/dates/{date.pk}/accept/", follow=True)
    assert "already answered" in response.content.decode()
    assert CoffeeDate.objects.get(pk=date.pk).status == CoffeeDate.Status.PASSED
    bad = client.post(f"/coffee/dates/{date.pk}/check-in/", {"met": "perhaps"}, follow=True)
    assert bad.status_code == 200 and "Choose yes, not yet or no" in bad.content.decode()


def test_dont_pair_me_with_from_the_page(client, pair):
    ann, ben = pair
    login(client, ann)
    missing = client.post(reverse("coffee:apart_add"), {"handle": "nobody-here"})
    assert missing.status_code == 400
    assert "find a member with that handle" in missing.content.decode()
    typed = client.post(reverse("coffee:apart_add"), {"handle": f"/members/{ben.profile.handle}/"})
    assert typed.status_code == 302
    note = DualRelationship.objects.get(member=ann, other=ben)
    assert note.kind == DualRelationship.Kind.DO_NOT_INTRODUCE
    page = client.get(HOME).content.decode()
    assert "Ben Brooks" in page and "keep them out of your suggestions" in page
    client.post(reverse("coffee:apart_remove", args=[ben.profile.handle]))
    assert not DualRelationship.objects.filter(member=ann).exists()
    assert client.post(reverse("coffee:apart_remove", args=["nobody"])).status_code == 404


def test_past_dates_offer_dont_pair_us_again(client, pair):
    ann, ben = pair
    old = make_round(now=timezone.now() - timedelta(weeks=3), closed_at=timezone.now())
    make_date(ann, ben, round_=old, status=CoffeeDate.Status.EXPIRED)
    page = login(client, ann).get(HOME).content.decode()
    assert "Past dates" in page and "Don't pair us again" in page


def test_paused_members_see_how_to_come_back(client):
    member = coffee_member("Gus Ghost")
    CoffeeSettings.objects.filter(user=member).update(
        paused_at=timezone.now(), paused_reason="unanswered", unanswered_in_a_row=3
    )
    page = login(client, member).get(HOME).content.decode()
    assert "Your pairings are paused" in page and "Resume pairings" in page
    client.post(reverse("coffee:resume"))
    assert not CoffeeSettings.objects.get(user=member).is_paused


def test_a_blocked_partners_date_is_gone_for_both(client, pair):
    from members import services as member_services

    ann, ben = pair
    date = make_date(ann, ben)
    member_services.block_create(blocker=ben, blocked=ann)
    for person in (ann, ben):
        login(client, person)
        assert str(date.pk) not in client.get(HOME).content.decode()
        assert client.post(f"/coffee/dates/{date.pk}/accept/").status_code == 404


def _page_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_1_or_20_dates(client):
    counts = []
    for n in (1, 20):
        me = coffee_member(f"Me {n}")
        for i in range(n):
            other = coffee_member(f"Other {n}-{i}")
            when = timezone.now() - timedelta(weeks=i + 1)
            date = make_date(me, other, round_=make_round(now=when, closed_at=when))
            services.date_accept(date=date, member=me)
            services.date_accept(date=date, member=other)
            Participant.objects.filter(date=date).update(met="yes", reason="Near you")
            services.apart_add(member=me, other=coffee_member(f"Apart {n}-{i}"))
        counts.append(_page_queries(client, me))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20


def test_staff_page_and_running_a_round_now(client):
    staff = StaffFactory()
    for name in ("Ann", "Ben"):
        coffee_member(name)
    login(client, staff)
    page = client.get(reverse("coffee:review_rounds")).content.decode()
    assert "Run a round now" in page and "needs two-factor sign-in" in page
    refused = client.post(reverse("coffee:review_run"), {"key": "abcdefghijkl"})
    assert refused.status_code == 403 and not Round.objects.exists()
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={})
    page = client.get(reverse("coffee:review_rounds")).content.decode()
    key = page.split('name="key" value="')[1].split('"')[0]
    assert client.post(reverse("coffee:review_run"), {"key": key}).status_code == 302
    assert client.post(reverse("coffee:review_run"), {"key": key}).status_code == 302  # twice
    round_ = Round.objects.get()
    assert round_.kind == Round.Kind.STAFF and round_.run_by == staff
    assert round_.dates.count() == 1
    event = AuditEvent.objects.get(action=AuditEvent.Action.COFFEE_ROUND_RUN)
    assert event.actor == staff and event.data["paired"] == 2
    listing = client.get(reverse("coffee:review_rounds")).content.decode()
    assert round_.key in listing and "Ann" not in listing  # nobody named
    stale = client.post(reverse("coffee:review_run"), {"key": "x"}, follow=True)
    assert "out of date" in stale.content.decode()


def test_members_cannot_open_the_staff_page(client):
    login(client, MemberFactory())
    assert client.get(reverse("coffee:review_rounds")).status_code == 403
    assert client.post(reverse("coffee:review_run"), {"key": "abcdefghijkl"}).status_code == 403
