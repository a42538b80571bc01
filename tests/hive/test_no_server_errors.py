"""No request ends in a 500: every route of ours, in every role, with hostile input.

Each route is opened (GET) by each role; the names of the fields on the page it renders
are collected, and then every one of them (plus names our views read from the query
string or the body) is sent a series of awkward values, by GET and by POST. Whatever
a view answers (a form error, a 404, a redirect), it must not be a server error. A new
route is covered as soon as it is in the URLconf; a route left out needs a reason below.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from matching import services as matching_services
from members.models import Application
from tests.events.factories import EventFactory
from tests.groups.factories import add_member, make_group
from tests.matching.people import answer, person
from tests.members.application_factories import ApplicationFactory
from tests.members.factories import MemberFactory, StaffFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

# Not ours to test (allauth's and the admin's own views), or only wired in DEBUG.
SKIPPED_PREFIXES = ("accounts/", "admin/", "dev/")
# Names our views read without a form field on the page.
EXTRA_NAMES = (
    "next",
    "page",
    "purpose",
    "kind",
    "statement",
    "action",
    "q",
    "as",
    "open",
    "rsvp",
    "undo",
    "listed",
    "handle",
    # Coffee: fields of /coffee/'s forms, which post to routes of their own (no GET).
    "met",
    "rating",
    "key",
    "opted_in",
    "cadence",
    "format",
    "travel",
    "availability",
    "snoozed_until",
    "after",  # keyset cursors (groups list, a group's sessions, the inbox)
    "posts_before",  # a group's discussion, earlier messages
)
AWKWARD = (
    "",
    "nan",  # a bare word: taken for a view name by redirect() unless checked
    "-1",
    "99999999999999999999",
    "x" * 3000,
    "ü%00\u202e",
)
FIELD_NAME = re.compile(r'\bname="([^"]+)"')


def routes():
    """(route, pattern) for every URL pattern outside the skipped prefixes."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return [r for r in walk(get_resolver().url_patterns) if not r.startswith(SKIPPED_PREFIXES)]


@pytest.fixture
def people(settings):
    settings.HIVE_BROWSING_LIMITS = {"directory": 10_000, "profile": 10_000}
    member = person("Mira Member", place="oakland", looking_for=["coffee-dates"])
    other = person("Otto Other", place="berkeley", looking_for=["coffee-dates"])
    matching_services.values_consent_give(member=member)
    answer(member, "harm-reduction", 0, 0b1)
    application = ApplicationFactory()
    # A group the member organizes and one they belong to, so every group page and
    # action is reached as someone entitled to it.
    group = make_group(organizer=member)
    add_member(group, other)
    session = group.sessions.first()
    return {
        "visitor": None,
        "applicant": application.user,
        # A member whose license expired: the renewal form is theirs alone.
        "lapsed": ApplicationFactory(status=Application.Status.LAPSED).user,
        "member": member,
        "staff": StaffFactory(),
        "values": {
            "handle": other.profile.handle,
            "application_id": str(application.pk),
            "notification_id": str(NotificationFactory(recipient=member).pk),
            "follow_up_id": str(_follow_up(member).pk),
            "position": "1",
            "token": "not-a-token",
            "size": "96",
            "name": "x",
            # An event the member organizes: its organizer pages get the awkward input.
            "slug": EventFactory(created_by=member, capacity=2).slug,
            "code": "x",
            **_messaging_values(member, other),
            "group_slug": group.slug,
            "session_id": str(session.pk),
            "membership_id": str(group.memberships.exclude(member=member).first().pk),
            "date_id": _coffee_date(member, other),
        },
    }


def _coffee_date(member, other) -> str:
    """A coffee date of the member's that went ahead and is waiting for its check-in,
    so the page shows every form a date has."""
    from django.utils import timezone

    from coffee import services as coffee_services
    from coffee.models import Round
    from tests.coffee.factories import make_date, opt_in

    opt_in(member)
    date = make_date(member, other)
    coffee_services.date_accept(date=date, member=member)
    coffee_services.date_accept(date=date, member=other)
    Round.objects.filter(pk=date.round_id).update(check_in_at=timezone.now())
    return str(date.pk)


def _follow_up(member):
    """A follow-up reminder of `member`'s, real, so its route finds something."""
    from members.services import follow_up_set

    return follow_up_set(owner=member, other=MemberFactory(), weeks=2)


def _messaging_values(member, other) -> dict:
    """A real conversation between the member and another, a message of the other's
    (so the member may report it), a request to the member and an open report."""
    from messaging import services as messaging_services
    from tests.messaging.factories import ReportFactory, connect

    connect(member, other)
    conversation = messaging_services.conversation_open(sender=other, recipient=member)
    message = messaging_services.message_send(sender=other, conversation=conversation, body="hi")
    request = messaging_services.message_request_send(
        sender=person("Rita Requester", place="oakland"),
        recipient=member,
        purpose="coffee",
        body="hello",
    )
    return {
        "conversation_id": str(conversation.pk),
        "message_id": str(message.pk),
        "request_id": str(request.pk),
        "report_id": str(ReportFactory(reported=other, message=message).pk),
    }


def concrete(route: str, values: dict) -> str:
    """The route with each <converter:name> filled from `values`."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), route)


def test_routes_are_found():
    found = routes()
    assert "matches/" in found and "members/<slug:handle>/connect/" in found
    assert not any(route.startswith("admin/") for route in found)


# Every route × role × awkward value is a few thousand requests: minutes on a busy
# machine, more than the suite's default limit.
@pytest.mark.timeout(1200)
def test_no_route_answers_a_server_error(people):
    failures = []
    for role in ("visitor", "applicant", "lapsed", "member", "staff"):
        client = Client()  # raises the view's exception instead of rendering a 500
        if people[role] is not None:
            client.force_login(people[role])
        for route in routes():
            url = concrete(route, people["values"])
            names = set(EXTRA_NAMES)
            methods = ["get", "post"]
            requests = [("get", None, None)]
            for value in AWKWARD:
                # Every name at once, by both methods; and the page number alone, which
                # takes another path than with a search (no cap on "newest" pages).
                requests += [("get", value, None), ("post", value, None), ("get", value, "page")]
            for method, value, only in requests:
                if method not in methods:
                    continue
                if value is None:
                    payload = {}
                elif only:
                    payload = {only: value}
                else:
                    payload = dict.fromkeys(sorted(names), value)
                try:
                    response = getattr(client, method)(url, payload)
                except Exception as error:  # noqa: BLE001 - reported below, all at once
                    failures.append(f"{role} {method.upper()} {url} {value!r:.20}: {error!r}")
                    continue
                if response.status_code >= 500:
                    failures.append(f"{role} {method.upper()} {url} {value!r:.20}: {response}")
                elif response.status_code == 405:
                    methods.remove(method)  # this route takes no such request at all
                elif value is None and response.status_code == 200:
                    page = response.content.decode(errors="replace")
                    names |= set(FIELD_NAME.findall(page)) - {"csrfmiddlewaretoken"}
    assert failures == []
