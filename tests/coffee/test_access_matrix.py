"""Every coffee route × every role, on the HTML actually sent: a date exists only for
its two members (and for neither once one blocked the other); everyone else gets a
404 and learns nothing; visitors log in, applicants and lapsed members go to their
status page; the staff pages are staff's only, and name no member."""

from __future__ import annotations

import pytest
from django.test import Client

from coffee.models import CoffeeDate, Participant
from members.models import Block, User
from tests.coffee.factories import coffee_member, make_date
from tests.members.factories import ApplicantFactory, MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

ROLES = ["visitor", "applicant", "lapsed", "outsider", "ann", "ben", "blocked", "staff"]
REASON = "Shared focus on eating disorders"


@pytest.fixture
def world():
    ann = coffee_member("Ann Avery")
    ben = coffee_member("Ben Brooks")
    date = make_date(ann, ben)
    Participant.objects.filter(date=date).update(reason=REASON)
    # Cai and Dee were paired too; then Dee blocked Cai: for Cai the date is gone.
    cai, dee = coffee_member("Cai Carter"), coffee_member("Dee Dunn")
    hidden = make_date(cai, dee)
    Block.objects.create(blocker=dee, blocked=cai)
    lapsed = MemberFactory(membership_status=User.Status.LAPSED)
    return {
        "date": date,
        "hidden": hidden,
        "roles": {
            "visitor": None,
            "applicant": ApplicantFactory(),
            "lapsed": lapsed,
            "outsider": coffee_member("Olive Outsider"),
            "ann": ann,
            "ben": ben,
            "blocked": cai,
            "staff": StaffFactory(),
        },
    }


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _outcome(response) -> str:
    if response.status_code in (301, 302):
        return "login" if "/accounts/login/" in response.url else response.url
    return str(response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_coffee_page_by_role(world, role):
    user = world["roles"][role]
    response = _client(user).get("/coffee/")
    if role == "visitor":
        assert _outcome(response) == "login"
        return
    if role in ("applicant", "lapsed"):
        assert _outcome(response) == "/apply/"
        return
    assert response.status_code == 200
    page = response.content.decode()
    date = world["date"]
    if role in ("ann", "ben"):
        assert str(date.pk) in page and REASON in page
        other = "Ben Brooks" if role == "ann" else "Ann Avery"
        assert other in page
    else:
        assert str(date.pk) not in page and REASON not in page
        assert "Ann Avery" not in page and "Ben Brooks" not in page
    # The blocked pair's date exists for neither.
    assert str(world["hidden"].pk) not in page
    assert "Dee Dunn" not in page


ACTIONS = [
    ("accept", {}),
    ("pass", {}),
    ("check-in", {"met": "yes"}),
    ("rating", {"rating": "good"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_date_actions_by_role(world, role):
    user = world["roles"][role]
    client = _client(user)
    date = world["date"]
    for action, data in ACTIONS:
        response = client.post(f"/coffee/dates/{date.pk}/{action}/", data)
        outcome = _outcome(response)
        if role == "visitor":
            assert outcome == "login"
        elif role in ("applicant", "lapsed"):
            assert outcome == "/apply/"
        elif role in ("ann", "ben"):
            assert outcome == f"/coffee/#date-{date.pk}", (action, outcome)
        else:
            assert outcome == "404", (role, action, outcome)
        # GET is not a way in either.
        assert client.get(f"/coffee/dates/{date.pk}/{action}/").status_code in (302, 405)
    hidden = world["hidden"]
    assert client.post(f"/coffee/dates/{hidden.pk}/accept/").status_code in (302, 404)
    if role not in ("ann", "ben"):
        assert CoffeeDate.objects.get(pk=date.pk).status == CoffeeDate.Status.PROPOSED
        assert set(Participant.objects.filter(date=date).values_list("response", flat=True)) == {
            "pending"
        }
    assert CoffeeDate.objects.get(pk=hidden.pk).status in (
        CoffeeDate.Status.PROPOSED,
        CoffeeDate.Status.CANCELED,
    )


@pytest.mark.parametrize("role", ROLES)
def test_settings_and_apart_routes_by_role(world, role):
    client = _client(world["roles"][role])
    expected = {"visitor": "login", "applicant": "/apply/", "lapsed": "/apply/"}.get(role)
    for url, data in (
        ("/coffee/settings/", {"cadence": "weekly"}),
        ("/coffee/resume/", {}),
        ("/coffee/apart/", {"handle": "ben-brooks"}),
        ("/coffee/apart/ben-brooks/remove/", {}),
    ):
        outcome = _outcome(client.post(url, data))
        if expected:
            assert outcome == expected, (url, outcome)
        else:
            assert outcome in ("400", "404") or outcome.startswith("/coffee/"), (url, outcome)


@pytest.mark.parametrize("role", ROLES)
def test_review_pages_by_role(world, role):
    client = _client(world["roles"][role])
    page = client.get("/review/coffee/")
    run = client.post("/review/coffee/run/", {"key": "abcdefghijkl"})
    if role == "visitor":
        assert _outcome(page) == "login" and _outcome(run) == "login"
    elif role == "staff":
        assert page.status_code == 200
        html = page.content.decode()
        assert "Ann Avery" not in html and "Ben Brooks" not in html
        assert run.status_code == 403  # no two-factor yet: refused, says why
    else:
        assert page.status_code == 403 and run.status_code == 403
