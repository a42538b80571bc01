"""The messaging pages as members use them: inbox, a conversation, starting one from a
profile, the request tray; nothing typed is lost; query budgets."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from members import services as member_services
from messaging import services
from messaging.models import Conversation, Message, MessageRequest
from messaging.templatetags.messaging import message_html
from tests.members.factories import MemberFactory
from tests.messaging.factories import connect, say

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    a, b = MemberFactory(), MemberFactory()
    connect(a, b)
    return a, b


def _conversation_url(conversation) -> str:
    return reverse("messaging:conversation", args=[conversation.pk])


def test_inbox_lists_conversations_newest_first_with_unread_and_snippet(client, pair):
    a, b = pair
    c = MemberFactory()
    connect(a, c)
    older = services.conversation_open(sender=a, recipient=b)
    say(older, b, "About the referral")
    newer = services.conversation_open(sender=a, recipient=c)
    say(newer, a, "Thanks for today")
    client.force_login(a)
    html = client.get(reverse("messaging:inbox")).content.decode()
    assert html.index(c.profile.display_name) < html.index(b.profile.display_name)
    assert "You: Thanks for today" in html
    assert "About the referral" in html
    assert html.count("(unread)") == 1


def test_inbox_keyset_pages(client, pair, settings):
    a, _ = pair
    for _ in range(22):
        other = MemberFactory()
        connect(a, other)
        say(services.conversation_open(sender=a, recipient=other), other, "hi")
    client.force_login(a)
    first = client.get(reverse("messaging:inbox"))
    assert first.content.decode().count('class="inbox-item') == 20
    cursor = first.context["next_cursor"]
    second = client.get(reverse("messaging:inbox"), {"after": cursor})
    assert second.content.decode().count('class="inbox-item') == 2
    names_first = {row.name for row in first.context["rows"]}
    assert not names_first & {row.name for row in second.context["rows"]}
    # A broken cursor is the first page, not an error.
    assert client.get(reverse("messaging:inbox"), {"after": "nope_nope"}).status_code == 200


def _seed_inbox(a, n):
    for _ in range(n):
        other = MemberFactory()
        connect(a, other)
        conversation = services.conversation_open(sender=a, recipient=other)
        say(conversation, other, "hello")
        say(conversation, a, "hello back")


def test_inbox_query_budget_is_the_same_for_1_or_50_rows(client, django_assert_num_queries):
    counts = []
    for n in (1, 50):
        a = MemberFactory()
        _seed_inbox(a, n)
        client.force_login(a)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("messaging:inbox")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 14


def test_conversation_query_budget_is_the_same_for_1_or_50_messages(client, settings):
    settings.HIVE_MESSAGE_LIMITS = {"messages_per_minute": 1000}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (1, 50):
        a, b = MemberFactory(), MemberFactory()
        connect(a, b)
        conversation = services.conversation_open(sender=a, recipient=b)
        for i in range(n):
            say(conversation, a if i % 2 else b, f"message {i} https://example.org/{i}")
        client.force_login(a)
        client.get(_conversation_url(conversation))  # marks read: the next view is steady
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_conversation_url(conversation)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 16


def test_conversation_shows_latest_and_loads_older_in_place(client, pair, settings):
    settings.HIVE_MESSAGE_LIMITS = {"messages_per_minute": 1000}
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    for i in range(35):
        say(conversation, a, f"number {i:02d}")
    client.force_login(b)
    html = client.get(_conversation_url(conversation)).content.decode()
    assert "number 34" in html and "number 05" in html and "number 04" not in html
    assert "Older messages" in html
    oldest_shown = Message.objects.filter(body="number 05").get().pk
    fragment = client.get(
        _conversation_url(conversation), {"before": oldest_shown}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "number 00" in fragment and "number 04" in fragment and "number 05" not in fragment
    assert "<html" not in fragment
    # Without JavaScript the same link is a page.
    page = client.get(_conversation_url(conversation), {"before": oldest_shown})
    assert "number 00" in page.content.decode()


def test_opening_a_conversation_marks_it_read(client, pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    say(conversation, a, "news")
    client.force_login(b)
    client.get(_conversation_url(conversation))
    conversation.refresh_from_db()
    assert not conversation.is_unread_by(b)


def test_send_and_the_identifier_warning_keeps_the_text(client, pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    client.force_login(a)
    url = reverse("messaging:send", args=[conversation.pk])
    risky = "My client, DOB 4/12/2009, called from 555-201-3344 yesterday."
    response = client.post(url, {"body": risky})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This may identify a client" in html and "Send anyway" in html
    assert "DOB 4/12/2009" in html  # the text is still in the composer
    assert not Message.objects.exists()
    response = client.post(url, {"body": risky, "confirmed": "on"})
    assert response.status_code == 302
    assert Message.objects.get().body == risky
    # Ordinary messages go straight through.
    client.post(url, {"body": "See you at 3:30 for the DSM-5 study group"})
    assert Message.objects.count() == 2


def test_the_composer_reminds_and_says_why_no_attachments(client, pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    client.force_login(a)
    html = client.get(_conversation_url(conversation)).content.decode()
    assert "No identifying client information" in html
    assert "No attachments" in html


def test_rate_limited_send_keeps_the_text_and_says_when(client, pair, settings):
    settings.HIVE_MESSAGE_LIMITS = {"messages_per_minute": 1}
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    say(conversation, a, "first")
    client.force_login(a)
    response = client.post(reverse("messaging:send", args=[conversation.pk]), {"body": "second"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "You can send again in" in html and ">\nsecond</textarea>" in html


def test_links_are_escaped_then_linked():
    html = message_html('<script>x</script> see https://example.org/a?b=1&c=2. "quoted"')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer" '
        'target="_blank">https://example.org/a?b=1&amp;c=2</a>.' in html
    )
    assert 'href="javascript' not in message_html('javascript:alert(1) http://x.org/"onmouseover=1')
    assert "onmouseover" not in message_html('http://x.org/"onmouseover=alert(1)').split("</a>")[0]


def test_tombstones_for_the_other_person(client, pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    message = say(conversation, a, "regrettable words")
    client.force_login(a)
    client.post(reverse("messaging:delete", args=[conversation.pk, message.pk]))
    client.force_login(b)
    html = client.get(_conversation_url(conversation)).content.decode()
    assert "regrettable words" not in html
    assert "This message was deleted." in html


def test_someone_elses_message_cannot_be_deleted(client, pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    message = say(conversation, a, "mine")
    client.force_login(b)
    response = client.post(reverse("messaging:delete", args=[conversation.pk, message.pk]))
    assert response.status_code == 404
    assert not Message.objects.get().is_deleted


def test_outsiders_and_blocked_pairs_get_404(client, pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    client.force_login(MemberFactory())
    assert client.get(_conversation_url(conversation)).status_code == 404
    assert (
        client.post(reverse("messaging:send", args=[conversation.pk]), {"body": "x"}).status_code
        == 404
    )
    member_services.block_create(blocker=a, blocked=b)
    for person in (a, b):
        client.force_login(person)
        assert client.get(_conversation_url(conversation)).status_code == 404
        other = b if person == a else a
        inbox = client.get(reverse("messaging:inbox")).content.decode()
        assert other.profile.display_name not in inbox
    member_services.block_remove(blocker=a, blocked=b)
    client.force_login(b)
    assert client.get(_conversation_url(conversation)).status_code == 200


def test_message_button_between_connections_opens_a_conversation(client, pair):
    a, b = pair
    client.force_login(a)
    profile = client.get(reverse("members:profile", args=[b.profile.handle])).content.decode()
    start = reverse("messaging:start", args=[b.profile.handle])
    assert f'href="{start}"' in profile
    page = client.get(start).content.decode()
    assert "purpose" not in page  # connections write directly
    response = client.post(start, {"body": "Hello, colleague"})
    conversation = Conversation.objects.get()
    assert response.url == _conversation_url(conversation)
    # Next time the button goes straight to the conversation.
    assert client.get(start).url == _conversation_url(conversation)


def test_message_button_to_a_stranger_sends_a_request_to_the_tray(client):
    a, b = MemberFactory(), MemberFactory()
    client.force_login(a)
    start = reverse("messaging:start", args=[b.profile.handle])
    assert "What is it about?" in client.get(start).content.decode()
    # A missing purpose comes back with the text kept.
    response = client.post(start, {"body": "Would love a coffee"})
    assert response.status_code == 400 and "Would love a coffee" in response.content.decode()
    client.post(start, {"purpose": "coffee", "body": "Would love a coffee"})
    request = MessageRequest.objects.get()
    assert "can write again once they accept" in client.get(start).content.decode()
    client.force_login(b)
    tray = client.get(reverse("messaging:requests")).content.decode()
    assert "Would love a coffee" in tray and "Coffee" in tray
    # The inbox does not hold it; its link counts it.
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert "Would love a coffee" not in inbox
    response = client.post(reverse("messaging:request_accept", args=[request.pk]))
    conversation = Conversation.objects.get()
    assert response.url == _conversation_url(conversation)


def test_tray_decline_and_block(client):
    a, b, c = MemberFactory(), MemberFactory(), MemberFactory()
    first = services.message_request_send(sender=a, recipient=b, purpose="coffee", body="one")
    second = services.message_request_send(sender=c, recipient=b, purpose="other", body="two")
    client.force_login(b)
    client.post(reverse("messaging:request_decline", args=[first.pk]))
    client.post(reverse("messaging:request_block", args=[second.pk]))
    assert MessageRequest.objects.filter(status="declined").count() == 2
    assert member_services.blocked_between(b, c)
    # Someone else's request is a 404.
    client.force_login(MemberFactory())
    assert client.post(reverse("messaging:request_accept", args=[first.pk])).status_code == 404


def test_tray_hides_requests_from_blocked_people(client):
    a, b = MemberFactory(), MemberFactory()
    services.message_request_send(sender=a, recipient=b, purpose="coffee", body="hidden now")
    member_services.block_create(blocker=a, blocked=b)
    client.force_login(b)
    assert "hidden now" not in client.get(reverse("messaging:requests")).content.decode()


def test_nav_badge_counts_unread_conversations_and_requests(client, pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    say(conversation, a, "hi")
    services.message_request_send(sender=MemberFactory(), recipient=b, purpose="coffee", body="x")
    client.force_login(b)
    html = client.get(reverse("members:connections")).content.decode()
    assert 'aria-label="2 unread"' in html
    client.get(_conversation_url(conversation))
    html = client.get(reverse("members:connections")).content.decode()
    assert 'aria-label="1 unread"' in html


def test_request_limit_on_the_page_says_when_and_keeps_the_text(client, settings):
    """Over the daily limit of message requests: the form comes back with the text as
    typed and says when they can send again, in the member's own time."""
    settings.HIVE_MESSAGE_LIMITS = {"requests_per_day": 1, "requests_per_day_new_member": 1}
    a = MemberFactory()
    services.message_request_send(sender=a, recipient=MemberFactory(), purpose="coffee", body="1")
    b = MemberFactory()
    client.force_login(a)
    typed = "Would you be open to a referral conversation about perinatal anxiety?"
    response = client.post(
        reverse("messaging:start", args=[b.profile.handle]), {"purpose": "referral", "body": typed}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "You can send another after" in html and "Your message is still here." in html
    assert typed in html and re.search(r'value="referral"[^>]*checked', html)
    assert not MessageRequest.objects.filter(recipient=b).exists()
