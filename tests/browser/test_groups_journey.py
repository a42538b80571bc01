"""A consultation group from start to the second agreement, in a real browser (issue 14).

Olive organizes; Milo and Rae join.

  1. Olive creates a monthly group that takes members by request.
  2. Milo asks to join with a note; Olive approves him from the group's page.
  3. Milo must accept the agreement before he sees sessions; then he does.
  4. The rota names a presenter for the first session; the presenter ticks the
     de-identification checklist, and Olive sees it ticked.
  5. Rae (invited and seated) says privately "I may know this client": the presenter
     sees it, Milo does not.
  6. Olive publishes a new agreement version: Milo loses the sessions until he accepts
     it again.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from groups import services, sessions
from groups.models import Group, Membership, Session
from tests.browser.test_directory_journey import expect_message, log_in
from tests.members.factories import ProfileFactory

pytestmark = pytest.mark.browser


def log_out(page: Page) -> None:
    page.context.clear_cookies()


def test_group_journey(page: Page):
    olive = ProfileFactory(display_name="Olive Organizer")
    milo = ProfileFactory(display_name="Milo Member")
    rae = ProfileFactory(display_name="Rae Recuser")

    # 1. Olive creates the group.
    log_in(page, olive)
    page.goto("/groups/")
    page.get_by_role("link", name="Start a group").click()
    page.locator("#id_name").fill("Second Tuesday consult")
    page.locator("#id_focus").fill("Anxiety and OCD in outpatient practice.")
    page.get_by_label("By request: the organizer approves").check()
    page.locator("#id_zone").select_option("America/Chicago")
    page.get_by_role("button", name="Create the group").click()
    expect_message(page, "Your group is ready")
    group = Group.objects.get(name="Second Tuesday consult")
    assert group.join_policy == "request"

    # 2. Milo asks; Olive approves.
    log_out(page)
    log_in(page, milo)
    page.goto(f"/groups/{group.slug}/")
    page.get_by_label("A few words to the organizer").fill("I run an ERP-focused practice.")
    page.get_by_role("button", name="Ask to join").click()
    expect_message(page, "Your request is sent")
    log_out(page)
    log_in(page, olive)
    page.goto(f"/groups/{group.slug}/")
    expect(page.get_by_text("I run an ERP-focused practice.")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect_message(page, "Approved")

    # 3. Milo accepts the agreement before seeing sessions.
    log_out(page)
    log_in(page, milo)
    page.goto(f"/groups/{group.slug}/")
    expect(page.get_by_role("heading", name="Upcoming sessions")).to_have_count(0)
    page.get_by_role("link", name="Read and accept the agreement").click()
    page.get_by_role("button", name="I accept this agreement").click()
    expect(page.get_by_role("heading", name="Upcoming sessions")).to_be_visible()

    # Rae joins by invitation and accepts the agreement (through the services).
    services.group_invite(group=group, by=olive.user, invitee=rae.user)
    services.invitation_answer(group=group, member=rae.user, accept=True)
    services.agreement_accept(group=group, member=rae.user, version=group.agreement_version)

    # 4. The rota names a presenter for the first session; they tick the checklist.
    session = Session.objects.filter(group=group).order_by("starts_at").first()
    presenter = next(p for p in (olive, milo, rae) if p.user_id == session.presenter_id)
    if presenter is rae:  # keep Rae free to recuse: Milo takes the turn by a swap
        swap = sessions.swap_ask(session=session, by=rae.user, asked=milo.user)
        sessions.swap_answer(swap=swap, by=milo.user, accept=True)
        presenter = milo
    log_out(page)
    log_in(page, presenter)
    page.goto(f"/groups/{group.slug}/sessions/{session.pk}/")
    for item in page.locator("#checklist input[type=checkbox]").all():
        item.check()
    page.get_by_role("button", name="Save checklist").click()
    expect_message(page, "Checklist complete")
    if presenter is not olive:
        log_out(page)
        log_in(page, olive)
        page.goto(f"/groups/{group.slug}/sessions/{session.pk}/")
    expect(page.get_by_text("ticked", exact=True)).to_be_visible()

    # 5. Rae recuses privately.
    log_out(page)
    log_in(page, rae)
    page.goto(f"/groups/{group.slug}/sessions/{session.pk}/")
    page.get_by_role("button", name="I may know this client").click()
    expect_message(page, "Noted, privately")
    log_out(page)
    log_in(page, presenter)
    page.goto(f"/groups/{group.slug}/sessions/{session.pk}/")
    expect(page.locator("#recusals").get_by_text("Rae Recuser")).to_be_visible()
    if presenter is olive:
        log_out(page)
        log_in(page, milo)
        page.goto(f"/groups/{group.slug}/sessions/{session.pk}/")
        expect(page.locator("#recusals")).to_have_count(0)
        expect(page.get_by_text("Rae Recuser")).to_have_count(0)

    # 6. A new agreement version withdraws Milo's access until he accepts it again.
    log_out(page)
    log_in(page, olive)
    page.goto(f"/groups/{group.slug}/agreement/")
    page.locator("#id_clauses").fill("Cameras on, in a private room.")
    page.get_by_role("button", name="Publish version 2").click()
    expect_message(page, "New version published")
    log_out(page)
    log_in(page, milo)
    page.goto(f"/groups/{group.slug}/sessions/{session.pk}/")
    expect(page.get_by_role("heading", name="Upcoming sessions")).to_have_count(0)
    page.goto(f"/groups/{group.slug}/")
    expect(page.get_by_role("heading", name="Upcoming sessions")).to_have_count(0)
    page.get_by_role("link", name="Read and accept the agreement").click()
    expect(page.get_by_text("Cameras on, in a private room.")).to_be_visible()
    page.get_by_role("button", name="I accept this agreement").click()
    expect(page.get_by_role("heading", name="Upcoming sessions")).to_be_visible()
    assert Membership.objects.get(group=group, member=milo.user).accepted_version == 2
