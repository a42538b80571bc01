"""Live updates: the poller's "anything new?" is answered from Redis with no SQL; a
change passes through to the view, which sends the new messages and the badge; with
Redis down every page still works, without a poller."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from hive.settings.base import redis_settings
from messaging import services
from tests.members.factories import MemberFactory
from tests.messaging.factories import connect, say

pytestmark = pytest.mark.django_db

POLLER = re.compile(r'id="messaging-live"[^>]*hx-get="([^"]+)"')


@pytest.fixture
def pair():
    a, b = MemberFactory(), MemberFactory()
    connect(a, b)
    return a, b


def _poll_url(html: str) -> str:
    found = POLLER.search(html)
    assert found, "no poller on the page"
    return found.group(1).replace("&amp;", "&")


def test_nothing_new_is_answered_without_sql(client, pair, django_assert_num_queries):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    say(conversation, a, "hello")
    client.force_login(b)
    url = _poll_url(
        client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    )
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 204


def test_a_new_message_reaches_the_open_conversation_and_the_badge(client, pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    say(conversation, a, "first")
    client.force_login(b)
    url = _poll_url(
        client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    )
    say(conversation, a, "a reply arrives")
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "a reply arrives" in html and "first" not in html
    assert 'hx-swap-oob="beforeend:#message-list"' in html
    assert 'id="messages-badge"' in html
    # Seen as it arrived: read, and the next polls settle back to 204.
    conversation.refresh_from_db()
    assert not conversation.is_unread_by(b)
    next_url = _poll_url(html)
    settle = client.get(next_url)
    assert settle.status_code == 200 and "a reply arrives" not in settle.content.decode()
    assert client.get(_poll_url(settle.content.decode())).status_code == 204


def test_the_badge_follows_on_other_pages(client, pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    client.force_login(b)
    url = _poll_url(client.get(reverse("members:connections")).content.decode())
    say(conversation, a, "ping")
    html = client.get(url).content.decode()
    assert 'aria-label="1 unread"' in html and "ping" not in html


def test_a_token_is_worthless_without_its_session(client, pair):
    a, b = pair
    client.force_login(b)
    url = _poll_url(client.get(reverse("messaging:inbox")).content.decode())
    other = type(client)()
    other.force_login(a)
    # Another session: the middleware steps aside, the view sees a (not b) and answers
    # from a's own state, never b's.
    response = other.get(url)
    assert response.status_code == 200
    assert other.get(url.replace("t=", "t=x")).status_code == 200
    # Visitors are sent to log in.
    assert type(client)().get(url).status_code == 302


def test_pages_work_without_redis_and_without_a_poller(client, pair, settings):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    settings.CACHES = redis_settings("redis://127.0.0.1:1/0")
    say(conversation, a, "still delivered")
    client.force_login(b)
    for url in (
        reverse("messaging:inbox"),
        reverse("messaging:conversation", args=[conversation.pk]),
        reverse("messaging:requests"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'id="messaging-live"' not in response.content.decode()
    assert (
        "still delivered"
        in client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    )
    # A poller left over from before the outage is told to stop (htmx: 286).
    assert client.get(reverse("messaging:live"), {"v": "1"}).status_code == 286
