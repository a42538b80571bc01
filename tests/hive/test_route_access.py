"""Who may open each route: every route of the URLconf, found by walking it, is for
members only unless it is on the short allow-list below.

An applicant, a lapsed member and a suspended member who open a member route, by GET
or by POST, land on their status page (/apply/), which tells them where they stand; a
visitor is sent to log in. Staff routes answer 403 to every logged-in person who is
not staff. A new route that forgets its decorator fails here as soon as it is in the
URLconf, because it is treated as a member route until someone lists it below with a
reason.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern

from members.models import User
from tests.events.factories import EventFactory
from tests.groups.factories import make_group
from tests.members.application_factories import ApplicationFactory
from tests.members.factories import (
    ApplicantFactory,
    DataExportFactory,
    MemberFactory,
    StaffFactory,
)
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

# Routes that are not for members only, each checked against its view.
NOT_FOR_MEMBERS_ONLY = {
    # Visitors get the landing page; the view itself sends non-members to /apply/.
    "": "landing page / member home",
    "about/": "public page",
    "guidelines/": "public page",
    "healthz": "load balancers' health check",
    # The status page and the lapsed member's renewal: for those who are not members.
    "apply/": "the status page itself",
    "apply/renewal/": "a lapsed member sends their renewed license",
    # Signed links from emails, opened without an account.
    "apply/references/<str:token>/": "a reference's answer link",
    # The applicant reminds or replaces a reference while staff review (test_apply.py).
    "apply/references/<int:position>/remind/": "an applicant reminds a reference",
    "apply/references/<int:position>/replace/": "an applicant names another reference",
    "notifications/unsubscribe/<str:token>/": "one-click unsubscribe (RFC 8058)",
    # An image: a plain 404 for anyone who may not see the person (test_photos.py).
    "members/<slug:handle>/photo/<slug:token>/<int:size>/": "profile photo",
    # A member who asked to delete their account is no longer a member: signing in
    # during the grace period brings them here to cancel (test_account_deletion.py).
    "me/delete/cancel/": "cancel a pending account deletion",
    # Addressed by a secret, not a login: calendar apps cannot log in (a revoked or
    # unknown token is a 404), and a licensing board checks a CE certificate by its
    # random code (tests/events/test_certificates.py, tests/events/test_calendar.py).
    "calendar/<str:token>.ics": "private calendar feed, by its secret token",
    "certificates/<str:code>/": "public check of a CE certificate, by its code",
}
# Whole URL trees that are not ours, or only wired for local development.
NOT_FOR_MEMBERS_ONLY_PREFIXES = {
    "accounts/": "allauth: log in, sign up, email, two-factor",
    "admin/": "Django's admin, behind its own staff login",
}
# Staff only (@staff_required): 403 for everyone else who is logged in.
STAFF_ROUTES = {
    "review/",
    "review/<int:application_id>/",
    "review/<int:application_id>/decide/",
    "review/<int:application_id>/verify-license/",
    "review/<int:application_id>/claim/",
    "review/<int:application_id>/notes/",
    "review/<int:application_id>/references/<int:position>/remind/",
    "review/members/",
    "review/audit/",
    "events/<slug:slug>/listing/",  # staff unlist an event
    "review/reports/",
    "review/reports/<int:report_id>/",
    "review/matching/",  # the share of "yes" to "Good suggestion?" per purpose (matching)
    "review/coffee/",  # coffee rounds, and "run a round now" (coffee)
    "review/coffee/run/",
    "review/groups/",  # groups with open reports (groups/views/review.py)
    "review/groups/<slug:group_slug>/",  # one group's facts and reports, and the decision
}
NOT_MEMBERS = ("applicant", "lapsed", "suspended")


def all_routes() -> list[tuple[str, URLPattern]]:
    """(route, pattern) for every URL pattern, with the prefixes of its includes."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern

    return list(walk(get_resolver().url_patterns))


def member_routes() -> list[str]:
    return [
        route
        for route, _ in all_routes()
        if route not in NOT_FOR_MEMBERS_ONLY
        and route not in STAFF_ROUTES
        and not route.startswith(tuple(NOT_FOR_MEMBERS_ONLY_PREFIXES))
    ]


@pytest.fixture
def people():
    member = MemberFactory()
    group = make_group()
    return {
        "visitor": None,
        "applicant": ApplicantFactory(),
        "lapsed": MemberFactory(membership_status=User.Status.LAPSED),
        "suspended": MemberFactory(membership_status=User.Status.SUSPENDED),
        "member": member,
        "staff": StaffFactory(),
        # Real objects for each URL parameter, so a view that ran before its access
        # check would find them and answer 200, not a 404 that hides the mistake.
        "values": {
            "handle": MemberFactory().profile.handle,
            "application_id": str(ApplicationFactory().pk),
            "notification_id": str(NotificationFactory(recipient=member).pk),
            "export_id": str(DataExportFactory(user=member).pk),
            "follow_up_id": str(_follow_up(member).pk),
            "position": "1",
            # A members-only event: visitors and applicants get the member-route answer
            # (a public event's public page is tested in tests/events/test_access.py).
            "slug": EventFactory(created_by=member).slug,
            **_messaging_values(member),
            "group_slug": group.slug,
            "session_id": str(group.sessions.first().pk),
            "membership_id": str(group.memberships.first().pk),
            **_coffee_values(member),
        },
    }


def _coffee_values(member) -> dict:
    """A coffee date of the member's, waiting for their answer."""
    from tests.coffee.factories import make_date

    return {"date_id": str(make_date(member, MemberFactory()).pk)}


def _follow_up(member):
    """A follow-up reminder of `member`'s, real, so its route finds something."""
    from members.services import follow_up_set

    return follow_up_set(owner=member, other=MemberFactory(), weeks=2)


def _messaging_values(member) -> dict:
    """A conversation, a message, a request to `member` and a report, all real."""
    from messaging import services as messaging_services
    from tests.messaging.factories import ReportFactory, connect

    other = MemberFactory()
    connect(member, other)
    conversation = messaging_services.conversation_open(sender=other, recipient=member)
    message = messaging_services.message_send(sender=other, conversation=conversation, body="hi")
    request = messaging_services.message_request_send(
        sender=MemberFactory(), recipient=member, purpose="coffee", body="hello"
    )
    return {
        "conversation_id": str(conversation.pk),
        "message_id": str(message.pk),
        "request_id": str(request.pk),
        "report_id": str(ReportFactory().pk),
    }


def concrete(route: str, pattern: URLPattern, values: dict) -> str:
    """The route with each <converter:name> filled from `values`; a parameter without
    a value fails here, so a new route gets a plausible one rather than a guess."""
    assert isinstance(pattern.pattern, RoutePattern), f"{route}: fill in this regex route"
    missing = set(pattern.pattern.converters) - set(values)
    assert not missing, f"{route}: add a value for {sorted(missing)} in the people fixture"
    url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)
    assert resolve(url).route == route, f"{url} does not resolve to {route}"
    return url


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _takes(client: Client, url: str) -> dict[str, bool]:
    """Which methods the route takes at all, as someone it is for sees it (405 or not)."""
    return {method: getattr(client, method)(url).status_code != 405 for method in ("get", "post")}


def _outcome(response) -> str:
    if response.status_code in (301, 302):
        return f"redirect:{response.url}"
    return str(response.status_code)


def test_routes_are_walked_and_the_lists_are_current():
    """The allow-lists name only routes that exist (a renamed route must be rechecked),
    and the walk reaches the member routes of every app."""
    routes = {route for route, _ in all_routes()}
    assert not set(NOT_FOR_MEMBERS_ONLY) - routes, "an allow-listed route no longer exists"
    assert not STAFF_ROUTES - routes, "a staff route no longer exists"
    for prefix in NOT_FOR_MEMBERS_ONLY_PREFIXES:
        assert any(route.startswith(prefix) for route in routes), prefix
    found = member_routes()
    for route in ("me/profile/", "directory/", "matches/", "notifications/", "me/values/"):
        assert route in found


@pytest.mark.parametrize("role", [*NOT_MEMBERS, "visitor"])
def test_member_routes_turn_away_everyone_who_is_not_a_member(people, role):
    """Each member route, by GET and by POST (where the route takes it), sends an
    applicant, a lapsed or a suspended member to their status page and a visitor to
    log in: never the page, never a 404."""
    member = _client(people["member"])
    client = _client(people[role])
    patterns = dict(all_routes())
    failures = []
    for route in member_routes():
        url = concrete(route, patterns[route], people["values"])
        takes = _takes(member, url)
        assert any(takes.values()), f"{route} answers 405 to a member for GET and POST"
        for method, taken in takes.items():
            response = getattr(client, method)(url)
            if response.status_code == 405 and not taken:
                continue  # this route takes no such request from anyone
            if role == "visitor":
                login = reverse("account_login")
                if response.status_code == 302 and response.url.startswith(f"{login}?next="):
                    continue
                expected = f"redirect:{login}?next=…"
            else:
                if _outcome(response) == f"redirect:{reverse('members:status')}":
                    continue
                expected = f"redirect:{reverse('members:status')}"
            failures.append(f"{method.upper()} {url}: {_outcome(response)}, not {expected}")
    assert failures == []


@pytest.mark.parametrize("role", [*NOT_MEMBERS, "member", "visitor"])
def test_staff_routes_are_forbidden_to_everyone_else(people, role):
    """Review pages answer 403 to anyone logged in who is not staff (a visitor is sent
    to log in), by GET and by POST; staff get in."""
    staff = _client(people["staff"])
    client = _client(people[role])
    patterns = dict(all_routes())
    failures = []
    for route in sorted(STAFF_ROUTES):
        url = concrete(route, patterns[route], people["values"])
        takes = _takes(staff, url)
        assert any(takes.values()), f"{route} answers 405 to staff for GET and POST"
        for method, taken in takes.items():
            response = getattr(client, method)(url)
            if response.status_code == 405 and not taken:
                continue
            outcome = _outcome(response)
            if role == "visitor":
                if outcome.startswith(f"redirect:{reverse('account_login')}?next="):
                    continue
            elif outcome == "403":
                continue
            failures.append(f"{method.upper()} {url}: {outcome}")
    assert failures == []
