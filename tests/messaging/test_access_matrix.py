"""Every messaging route × every role: the response, and that nothing changed unless the
role may change it (a non-participant who posts to send, delete, report or answer a
request changes nothing; opening a conversation marks it read only for its own people).

The world: Alice and Bob are connected and talk in one conversation (Bob wrote last, so
Alice has it unread); Carol sent Alice a message request; Dan is connected to Bob and
has his own conversation with him; Nina is a member with no part in any of it; a report
about Bob's message waits in the moderators' queue.

Roles:
    visitor, applicant
    member           Nina
    participant      Alice
    non_participant  Dan: knows Bob, talks to him, but is not in this conversation
    request_sender   Carol: sent the request, so may not answer it
    blocker          Alice, after she blocked Bob and Carol
    blocked          Alice, after Bob and Carol blocked her
    staff            staff without two-factor
    staff_2fa        staff with two-factor (TOTP)

Each route runs inside a savepoint rolled back afterwards, so every route meets the same
world and one role's allowed change never hides another's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.test import Client
from django.urls import reverse

from members import services as member_services
from members.models import AuditEvent, Block, Connection
from messaging import services
from messaging.models import Conversation, Message, MessageRequest, Report
from notifications.models import Notification
from tests.members.factories import ApplicantFactory, MemberFactory, StaffFactory
from tests.messaging.factories import connect, say

pytestmark = pytest.mark.django_db

SECRET_C = "Marker-C: the notes from the Tuesday consult"
SECRET_R = "Marker-R: would you join a perinatal consult group?"

ROLES = [
    "visitor",
    "applicant",
    "member",
    "participant",
    "non_participant",
    "request_sender",
    "blocker",
    "blocked",
    "staff",
    "staff_2fa",
]


@dataclass
class World:
    alice: object
    bob: object
    carol: object
    dan: object
    nina: object
    conversation: Conversation
    alices_message: Message
    bobs_message: Message
    request: MessageRequest
    report: Report


@pytest.fixture
def world() -> World:
    alice, bob, carol, dan, nina = (MemberFactory() for _ in range(5))
    connect(alice, bob)
    connect(dan, bob)
    conversation = services.conversation_open(sender=alice, recipient=bob)
    alices_message = say(conversation, alice, "Are you free Thursday?")
    bobs_message = say(conversation, bob, SECRET_C)
    say(services.conversation_open(sender=dan, recipient=bob), dan, "Dan's own thread")
    request = services.message_request_send(
        sender=carol, recipient=alice, purpose="consultation", body=SECRET_R
    )
    report = services.report_create(reporter=nina, reported=bob, reason="spam", note="odd")
    return World(
        alice,
        bob,
        carol,
        dan,
        nina,
        conversation,
        alices_message,
        bobs_message,
        request,
        report,
    )


def _user_for(role: str, w: World):
    if role == "visitor":
        return None
    if role == "applicant":
        return ApplicantFactory()
    if role in ("staff", "staff_2fa"):
        staff = StaffFactory()
        if role == "staff_2fa":
            Authenticator.objects.create(
                user=staff, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
            )
        return staff
    if role == "blocker":
        for other in (w.bob, w.carol):
            member_services.block_create(blocker=w.alice, blocked=other)
    if role == "blocked":
        for other in (w.bob, w.carol):
            member_services.block_create(blocker=other, blocked=w.alice)
    return {
        "member": w.nina,
        "participant": w.alice,
        "non_participant": w.dan,
        "request_sender": w.carol,
        "blocker": w.alice,
        "blocked": w.alice,
    }[role]


def state() -> dict:
    """Everything a messaging route could change, read state included."""
    return {
        "messages": list(
            Message.objects.order_by("pk").values_list(
                "pk", "body", "deleted_at", "removed_by_moderators"
            )
        ),
        "conversations": list(
            Conversation.objects.order_by("pk").values_list(
                "pk",
                "last_message_id",
                "a_read_up_to",
                "b_read_up_to",
                "a_unread_since",
                "b_unread_since",
            )
        ),
        "requests": list(
            MessageRequest.objects.order_by("pk").values_list("pk", "status", "conversation_id")
        ),
        "reports": list(Report.objects.order_by("pk").values_list("pk", "outcome", "reason")),
        "blocks": list(Block.objects.order_by("pk").values_list("blocker_id", "blocked_id")),
        "connections": list(Connection.objects.order_by("pk").values_list("pk", "status")),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", flat=True)),
    }


# --- The routes ------------------------------------------------------------------------------

REPORT = {"reason": "harassment", "note": "Matrix check."}


def routes(w: World) -> dict[str, tuple[str, str, dict]]:
    """name -> (method, url, data)."""
    c, r = w.conversation.pk, w.request.pk
    bob = w.bob.profile.handle
    return {
        "inbox": ("get", reverse("messaging:inbox"), {}),
        "tray": ("get", reverse("messaging:requests"), {}),
        "live": ("get", f"{reverse('messaging:live')}?c={c}&after=0", {}),
        "conversation": ("get", reverse("messaging:conversation", args=[c]), {}),
        "older": (
            "get",
            f"{reverse('messaging:conversation', args=[c])}?before={w.bobs_message.pk}",
            {},
        ),
        "report_conversation_page": (
            "get",
            reverse("messaging:report_conversation", args=[c]),
            {},
        ),
        "report_message_page": (
            "get",
            reverse("messaging:report_message", args=[c, w.bobs_message.pk]),
            {},
        ),
        "report_request_page": ("get", reverse("messaging:request_report", args=[r]), {}),
        "start_page": ("get", reverse("messaging:start", args=[bob]), {}),
        "report_profile_page": ("get", reverse("messaging:report_profile", args=[bob]), {}),
        "send": ("post", reverse("messaging:send", args=[c]), {"body": "Matrix says hi"}),
        "delete": (
            "post",
            reverse("messaging:delete", args=[c, w.alices_message.pk]),
            {},
        ),
        "report_message": (
            "post",
            reverse("messaging:report_message", args=[c, w.bobs_message.pk]),
            REPORT,
        ),
        "report_conversation": (
            "post",
            reverse("messaging:report_conversation", args=[c]),
            REPORT,
        ),
        "accept": ("post", reverse("messaging:request_accept", args=[r]), {}),
        "decline": ("post", reverse("messaging:request_decline", args=[r]), {}),
        "block_sender": ("post", reverse("messaging:request_block", args=[r]), {}),
        "report_request": ("post", reverse("messaging:request_report", args=[r]), REPORT),
        "start": (
            "post",
            reverse("messaging:start", args=[bob]),
            {"purpose": "coffee", "body": "Coffee next week?"},
        ),
        "report_profile": ("post", reverse("messaging:report_profile", args=[bob]), REPORT),
        "queue": ("get", reverse("messaging:report_queue"), {}),
        "report_detail_page": (
            "get",
            reverse("messaging:report_detail", args=[w.report.pk]),
            {},
        ),
        "moderate": (
            "post",
            reverse("messaging:report_detail", args=[w.report.pk]),
            {"action": "dismiss", "note": "Nothing to act on."},
        ),
    }


STAFF_ROUTES = {"queue", "report_detail_page", "moderate"}
CONVERSATION_ROUTES = {
    "conversation",
    "older",
    "report_conversation_page",
    "report_message_page",
    "send",
    "delete",
    "report_message",
    "report_conversation",
}
REQUEST_ROUTES = {"report_request_page", "accept", "decline", "block_sender", "report_request"}
PROFILE_ROUTES = {"start_page", "start", "report_profile_page", "report_profile"}

# (status, changes anything?) for a member who may not see the conversation or request.
OUTSIDER = {
    **{name: (404, False) for name in CONVERSATION_ROUTES | REQUEST_ROUTES},
    **{name: (403, False) for name in STAFF_ROUTES},
    "inbox": (200, False),
    "tray": (200, False),
    "live": (200, False),
    # Bob exists for them: the request form, and a report about his profile.
    "start_page": (200, False),
    "start": (302, True),
    "report_profile_page": (200, False),
    "report_profile": (302, True),
}
# Alice and Bob / Carol do not exist for each other: everything about them is a 404.
BLOCKED = {
    **OUTSIDER,
    **{name: (404, False) for name in PROFILE_ROUTES},
}
EXPECTED: dict[str, dict[str, tuple[int, bool]]] = {
    "member": OUTSIDER,
    "non_participant": {
        **OUTSIDER,
        # Dan and Bob already talk: the Message button opens that conversation.
        "start_page": (302, False),
        "start": (302, False),
    },
    "request_sender": OUTSIDER,
    "participant": {
        "inbox": (200, False),
        "tray": (200, False),
        "live": (200, True),  # Bob's unread message arrives and is marked read
        "conversation": (200, True),  # opening it marks it read
        "older": (200, False),  # paging back does not
        "report_conversation_page": (200, False),
        "report_message_page": (200, False),
        "report_request_page": (200, False),
        "send": (302, True),
        "delete": (302, True),
        "report_message": (302, True),
        "report_conversation": (302, True),
        "accept": (302, True),
        "decline": (302, True),
        "block_sender": (302, True),
        "report_request": (302, True),
        # They talk already: the Message button opens the conversation, nothing new.
        "start_page": (302, False),
        "start": (302, False),
        "report_profile_page": (200, False),
        "report_profile": (302, True),
        **{name: (403, False) for name in STAFF_ROUTES},
    },
    "blocker": BLOCKED,
    "blocked": BLOCKED,
    "staff": {
        **OUTSIDER,
        # Without two-factor: the queue and reports to read, no action.
        "queue": (200, False),
        "report_detail_page": (200, False),
        "moderate": (400, False),
    },
}
EXPECTED["staff_2fa"] = {**EXPECTED["staff"], "moderate": (302, True)}


class _Rollback(Exception):
    pass


def _run(client: Client, method: str, url: str, data: dict):
    """The response to one request, and whether it changed anything; undone after."""
    result = {}
    try:
        with transaction.atomic():
            before = state()
            response = getattr(client, method)(url, data)
            result = {"response": response, "changed": state() != before}
            raise _Rollback
    except _Rollback:
        pass
    return result["response"], result["changed"]


@pytest.mark.parametrize("role", ROLES)
def test_every_messaging_route_for_every_role(world, role):
    user = _user_for(role, world)
    client = Client()
    if user is not None:
        client.force_login(user)
    wrong = []
    for name, (method, url, data) in routes(world).items():
        response, changed = _run(client, method, url, data)
        status = response.status_code
        if role == "visitor":
            ok = status == 302 and response["Location"].startswith(reverse("account_login"))
            expected = "302 to log in, no change"
            ok = ok and not changed
        elif role == "applicant":
            if name in STAFF_ROUTES:
                ok, expected = status == 403, "403, no change"
            else:
                ok = status == 302 and response["Location"] == reverse("members:status")
                expected = "302 to the status page, no change"
            ok = ok and not changed
        else:
            code, changes = EXPECTED[role][name]
            ok = status == code and changed is changes
            expected = f"{code}, {'a change' if changes else 'no change'}"
        if not ok:
            wrong.append(
                f"{name} ({method.upper()} {url}): got {status}, "
                f"{'a change' if changed else 'no change'}; expected {expected}"
            )
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "role", ["member", "non_participant", "request_sender", "blocker", "blocked", "staff"]
)
def test_what_outsiders_see_of_the_conversation_and_the_request(world, role):
    """Inbox, tray and the live check show nothing of a conversation or a request the
    role has no part in (or that a block hides)."""
    user = _user_for(role, world)
    client = Client()
    client.force_login(user)
    url = routes(world)["live"][1]
    for page in (reverse("messaging:inbox"), reverse("messaging:requests"), url):
        html = client.get(page).content.decode()
        assert SECRET_C not in html, page
        assert SECRET_R not in html, page


def test_what_the_participant_sees(world):
    client = Client()
    client.force_login(world.alice)
    assert SECRET_C in client.get(reverse("messaging:inbox")).content.decode()
    assert SECRET_R in client.get(reverse("messaging:requests")).content.decode()
    assert SECRET_C in client.get(routes(world)["live"][1]).content.decode()


def test_write_routes_are_post_only_and_need_csrf(world):
    """A GET to a write route is refused (405), and a POST without the CSRF token (403)
    changes nothing, even from the conversation's own people."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    for name, (method, url, data) in routes(world).items():
        if method != "post" or name in STAFF_ROUTES:
            continue
        before = state()
        response = client.post(url, data)
        assert response.status_code == 403, name
        assert state() == before, name
        if name in ("send", "delete", "accept", "decline", "block_sender"):
            assert client.get(url).status_code == 405, name
