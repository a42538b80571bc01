"""A member downloads their data and leaves Hive, in a real browser (issue 16).

Robin, an approved member, signs in and
  1. opens "Your data" from the Me menu and asks for a copy: Hive asks for the password
     again, then prepares it (the Celery task runs on commit); the page offers the
     download, and the zip holds the JSON document and the README; the link then no
     longer works;
  2. deletes the account with the typed confirmation: signed out at once, told when
     the erasure happens;
  3. signs in again during the grace period: the page offers to cancel, and every
     member page leads back to it; Robin signs out;
  4. after the grace period the daily task erases the account: signing in is refused;
  5. Sam, whom Robin wrote to, still has the conversation: Robin's message is there,
     from "Former member", with replies closed and Robin's name nowhere.

No console error on any page.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from members import data_rights, services
from members.models import Profile
from messaging import services as messaging_services
from tests.members.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.browser


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_member_downloads_their_data_and_deletes_their_account(
    page: Page, live_server, console_errors: list[str], settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    robin = MemberFactory(email="robin@example.com")
    Profile.objects.filter(user=robin).update(handle="robin-leaves", display_name="Robin Vale")
    robin.refresh_from_db()
    sam = MemberFactory(email="sam@example.com")
    asked = services.connection_request(sender=robin, recipient=sam, note="")
    services.connection_accept(connection=asked, user=sam)
    chat = messaging_services.conversation_open(sender=robin, recipient=sam)
    messaging_services.message_send(
        sender=robin, conversation=chat, body="Thanks for the referral last week."
    )

    # 1. The data download, after confirming the password.
    sign_in(page, robin.email)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.locator("summary.menu-toggle").click()
    page.get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", name="Download your data", level=1)).to_be_visible()
    page.get_by_role("button", name="Prepare my data").click()
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("We are preparing your data")).to_be_visible()
    page.reload()
    download_link = page.get_by_role("link", name="Download my data")
    expect(download_link).to_be_visible()
    href = download_link.get_attribute("href")
    with page.expect_download() as download_info:
        download_link.click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    assert {"README.txt", "hive-data.json"} <= set(archive.namelist())
    data = json.loads(archive.read("hive-data.json"))
    assert data["members"]["profile"]["handle"] == "robin-leaves"
    # The link worked once.
    assert page.request.get(live_server.url + href).status == 404

    # 2. Deleting the account.
    page.goto("/me/data/")
    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Delete my account", level=1)).to_be_visible()
    page.get_by_label("Type “delete my account” to confirm").fill("delete my account")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account is closed and will be erased on")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")
    ).to_be_visible()  # signed out

    # 3. Signing in during the grace period: the offer to cancel.
    sign_in(page, robin.email)
    expect(page.get_by_role("heading", name="Your account is closing")).to_be_visible()
    cancel = page.get_by_role("button", name="Cancel the deletion and keep my account")
    expect(cancel).to_be_visible()
    page.goto("/directory/")
    expect(page.get_by_role("heading", name="Your account is closing")).to_be_visible()
    page.get_by_role("main").get_by_role("button", name="Log out").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")
    ).to_be_visible()

    # 4. After the grace period: erased, and signing in is refused.
    later = timezone.now() + data_rights.DELETION_GRACE + timedelta(minutes=5)
    assert data_rights.accounts_erase_due(now=later) == 1
    sign_in(page, robin.email)
    expect(page.get_by_text("not correct")).to_be_visible()

    # 5. Sam keeps the conversation, from a former member.
    sign_in(page, sam.email)
    page.goto(f"/messages/{chat.pk}/")
    expect(page.get_by_role("heading", name="Former member", level=1)).to_be_visible()
    expect(page.get_by_text("Thanks for the referral last week.")).to_be_visible()
    expect(page.get_by_text("replies are closed")).to_be_visible()
    assert "Robin Vale" not in page.content()
    assert console_errors == []
