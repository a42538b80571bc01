"""Messaging from a first request to a moderator's warning, in three real browsers
(issue 12).

Ana and Ben are members who are not connected; a moderator signs in with two-factor.

  1. Ana opens Ben's profile, chooses "Message", states a purpose (consultation) and
     writes a first message: it goes to Ben's request tray, not his inbox.
  2. Ben's navigation counts the waiting request; in the tray he sees the purpose and
     the message, and accepts: the conversation opens with Ana's message in it.
  3. Ana opens the conversation. Ben replies; the reply appears on Ana's open page
     without a reload. Ana answers with a sales pitch, which appears on Ben's page the
     same way.
  4. Ana goes to her home page; Ben writes again: Ana's Messages badge counts it,
     without a reload.
  5. Ben reports Ana's pitch (spam or solicitation).
  6. The moderator signs in with a TOTP code, opens the report from /review/reports/,
     sees the message in its context and warns Ana.
  7. Ana finds the moderators' warning in her notifications.

No console error in any of the three browsers.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from playwright.sync_api import Browser, Page, expect

from members.models import AuditEvent
from messaging.models import Message, MessageRequest, Report
from tests.browser.conftest import BROWSER_TIMEZONE, TIMEOUT_MS
from tests.browser.test_application_journey import STAFF_SECRET, sign_in
from tests.browser.test_directory_journey import (
    assert_same_document,
    expect_message,
    log_in,
    main_menu,
    mark_document,
    open_as,
    record_console_errors,
)
from tests.members.factories import ProfileFactory, StaffFactory

pytestmark = pytest.mark.browser

FIRST = "Hi Ben, I saw you run a perinatal consult group. Could I join as a listener?"
REPLY = "Welcome! We meet the first Monday of the month, 7 pm Central."
PITCH = "Great! Also: my practice-building course starts Monday, 20% off for Hive colleagues."
AGAIN = "Please keep course offers out of our messages."
WARNING = "Please keep messages to colleagues free of sales offers (community guidelines, 4)."
# The poller asks every 5 seconds; a new message may need one full round and a bit.
LIVE_WAIT_MS = 3 * 5_000


def messages_badge(page: Page):
    return main_menu(page).locator("#messages-badge")


def test_request_accept_live_reply_report_and_warning(
    page: Page, browser: Browser, live_server, console_errors: list[str]
):
    ana = ProfileFactory(display_name="Ana Ortiz", handle="ana-ortiz")
    ben = ProfileFactory(display_name="Ben Okafor", handle="ben-okafor")

    # 1. Ana asks Ben for a conversation, with a purpose.
    log_in(page, ana)
    page.goto(f"/members/{ben.handle}/")
    page.get_by_role("link", name="Message", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask to start a conversation")
    page.get_by_label("Consultation").check()
    page.get_by_label("Your first message").fill(FIRST)
    page.get_by_role("button", name="Send request").click()
    expect_message(page, "Request sent to Ben Okafor")
    request = MessageRequest.objects.get()
    assert (request.purpose, request.status) == ("consultation", "pending")

    # 2. Ben sees it counted, finds it in the tray (not the inbox) and accepts.
    ben_page = open_as(browser, live_server, ben, console_errors)
    expect(messages_badge(ben_page)).to_contain_text("1")
    messages_badge(ben_page).click()
    expect(ben_page.get_by_role("heading", name="Messages", level=1)).to_be_visible()
    expect(ben_page.get_by_text(FIRST)).to_have_count(0)
    ben_page.get_by_role("link", name=re.compile("^Message requests")).click()
    item = ben_page.locator(".request-item", has_text="Ana Ortiz")
    expect(item).to_contain_text("Consultation")
    expect(item).to_contain_text(FIRST)
    item.get_by_role("button", name="Accept").click()
    expect(ben_page.get_by_role("heading", name="Ana Ortiz", level=1)).to_be_visible()
    expect(ben_page.locator("#message-list")).to_contain_text(FIRST)
    expect(messages_badge(ben_page).locator(".badge")).to_have_count(0)

    # 3. Ana opens the conversation; Ben's reply arrives on her open page.
    messages_badge(page).click()
    page.get_by_role("link", name="Ben Okafor").click()
    expect(page.get_by_role("heading", name="Ben Okafor", level=1)).to_be_visible()
    expect(page.locator("#message-list")).to_contain_text(FIRST)
    mark_document(page)
    ben_page.locator("#id_body").fill(REPLY)
    ben_page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#message-list")).to_contain_text(REPLY, timeout=LIVE_WAIT_MS)
    assert_same_document(page)
    expect(messages_badge(page).locator(".badge")).to_have_count(0)  # seen as it came

    page.locator("#id_body").fill(PITCH)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#message-list")).to_contain_text(PITCH)
    mark_document(ben_page)
    expect(ben_page.locator("#message-list")).to_contain_text(PITCH, timeout=LIVE_WAIT_MS)
    assert_same_document(ben_page)

    # 4. Away from the conversation, Ana's badge follows without a reload.
    main_menu(page).get_by_role("link", name="Home", exact=True).click()
    expect(messages_badge(page).locator(".badge")).to_have_count(0)
    mark_document(page)
    ben_page.locator("#id_body").fill(AGAIN)
    ben_page.get_by_role("button", name="Send", exact=True).click()
    expect(messages_badge(page).locator(".badge")).to_have_text("1", timeout=LIVE_WAIT_MS)
    expect(messages_badge(page).locator(".badge")).to_have_attribute("aria-label", "1 unread")
    assert_same_document(page)

    # 5. Ben reports the pitch.
    pitch = ben_page.locator("li.chat-message", has_text="20% off")
    pitch.get_by_role("link", name="Report this message").click()
    expect(ben_page.get_by_role("heading", level=1)).to_have_text("Report this message")
    ben_page.get_by_label("Spam or solicitation").check()
    ben_page.get_by_label("Anything the moderators should know").fill(
        "We had just met; this was a sales pitch."
    )
    ben_page.get_by_role("button", name="Send report").click()
    expect_message(ben_page, "The moderators will look at it")
    report = Report.objects.get()
    assert report.message == Message.objects.get(body=PITCH)
    assert report.reported_id == ana.user_id and report.is_open

    # 6. A moderator, signed in with two-factor, warns Ana from the queue.
    moderator = StaffFactory(email=f"moderator.{uuid.uuid4().hex[:6]}@example.com")
    TOTP.activate(moderator, STAFF_SECRET)
    context = browser.new_context(base_url=live_server.url, timezone_id=BROWSER_TIMEZONE)
    context.set_default_timeout(TIMEOUT_MS)
    staff = context.new_page()
    record_console_errors(staff, console_errors)
    sign_in(staff, moderator.email)
    expect(staff).to_have_url(f"{live_server.url}/accounts/2fa/authenticate/")
    code = format_hotp_value(hotp_value(STAFF_SECRET, int(time.time()) // 30))
    staff.get_by_label("Code from your authenticator app, or a recovery code").fill(code)
    staff.get_by_role("button", name="Log in").click()
    main_menu(staff).get_by_role("link", name="Reports").click()
    expect(staff).to_have_url(f"{live_server.url}/review/reports/")
    row = staff.get_by_role("row", name=re.compile("Ana Ortiz"))
    expect(row).to_contain_text("Spam or solicitation")
    row.get_by_role("link", name="Ana Ortiz").click()
    context_list = staff.locator(".message-list")
    expect(context_list).to_contain_text(PITCH)
    expect(context_list).to_contain_text(REPLY)  # the messages around it
    staff.get_by_label("Warn the member (they read your note)").check()
    staff.get_by_label("Why (and, for a warning, what the member reads)").fill(WARNING)
    staff.get_by_role("button", name="Record the decision").click()
    expect_message(staff, "The reporter is told the report was handled")
    report.refresh_from_db()
    assert report.outcome == Report.Outcome.WARNED and report.handled_by == moderator
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.MEMBER_WARNED, actor=moderator, subject=ana.user
    ).exists()

    # 7. Ana sees the warning.
    main_menu(page).get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_text(f"A message from the moderators: {WARNING}")).to_be_visible()
    # Ben is told it was handled, not how.
    ben_page.goto("/notifications/")
    expect(ben_page.get_by_role("main")).to_contain_text("handled")
    expect(ben_page.get_by_role("main")).not_to_contain_text(WARNING)

    assert console_errors == [], "\n".join(console_errors)
