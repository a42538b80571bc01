"""Staff tools besides deciding (issue 18): lookup links in the checklist (the NPI
registry, the board's verification page kept as data), claiming an application, notes
for other reviewers that the applicant never sees, reminding a reference, and
searching members."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import vetting
from members.models import Application, LicenseLookup, Reference, ReviewNote
from tests.members.application_factories import ApplicationFactory
from tests.members.factories import MemberFactory, ProfileFactory, StaffFactory
from tests.members.test_review import detail_url, with_2fa


@pytest.fixture
def reviewer(db):
    staff = with_2fa(StaffFactory())
    ProfileFactory(user=staff, display_name="Robin Staff")
    return staff


@pytest.fixture
def staff_client(client, reviewer):
    client.force_login(reviewer)
    return client


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Lookup links ---------------------------------------------------------------------


def test_the_checklist_links_to_the_board_and_the_npi_registry(staff_client, db):
    application = ApplicationFactory(
        license_jurisdiction="OR", license_type="LCSW", license_number="L12345"
    )
    page = _page(staff_client, detail_url(application))
    # Seeded by the migration: Oregon's social work board, kept as data.
    assert "Oregon Board of Licensed Social Workers: verify LCSW L12345" in page
    assert 'href="https://www.oregon.gov/blsw/Pages/License-Verification.aspx"' in page
    assert f'href="https://npiregistry.cms.hhs.gov/provider-view/{application.npi}"' in page
    assert 'rel="noopener noreferrer"' in page


def test_a_board_that_searches_by_number_opens_on_the_result(staff_client, db):
    LicenseLookup.objects.create(
        jurisdiction="CO",
        license_types="LCSW, LPC",
        board="Colorado Division of Professions and Occupations",
        url="https://apps.colorado.gov/dora/licensing/Lookup/LicenseLookup.aspx?n={number}",
    )
    application = ApplicationFactory(
        license_jurisdiction="CO", license_type="lpc", license_number="LPC 0012 34"
    )
    page = _page(staff_client, detail_url(application))
    assert "LicenseLookup.aspx?n=LPC%200012%2034" in page


def test_the_jurisdictions_catch_all_serves_other_license_types(db):
    lookup = LicenseLookup.for_license("NY", "LMHC")
    assert lookup is not None and lookup.board == "New York State Office of the Professions"
    assert (
        LicenseLookup.for_license("CA", "LCSW").board == "California Board of Behavioral Sciences"
    )
    assert LicenseLookup.for_license("CA", "Art therapist") is None  # no catch-all in CA
    assert LicenseLookup.for_license("", "LCSW") is None


def test_without_a_board_on_file_the_checklist_says_so(staff_client, db):
    application = ApplicationFactory(license_jurisdiction="MT", npi="")
    page = _page(staff_client, detail_url(application))
    assert "No verification page on file for LCSW in Montana" in page
    assert "npiregistry" not in page


# --- Claiming ---------------------------------------------------------------------------


def test_claiming_and_giving_back(staff_client, reviewer, db):
    application = ApplicationFactory()
    claim = reverse("members:review_claim", args=[application.pk])
    assert "Nobody has claimed this application yet." in _page(
        staff_client, detail_url(application)
    )
    staff_client.post(claim, {"action": "claim"})
    application.refresh_from_db()
    assert application.claimed_by == reviewer and application.claimed_at is not None
    assert "You are on it" in _page(staff_client, detail_url(application))
    queue = _page(staff_client, reverse("members:review_queue") + "?claimed=mine")
    assert detail_url(application) in queue and "You are on it" in queue
    assert detail_url(application) not in _page(
        staff_client, reverse("members:review_queue") + "?claimed=unclaimed"
    )
    staff_client.post(claim, {"action": "unclaim"})
    application.refresh_from_db()
    assert application.claimed_by is None


def test_another_reviewer_sees_who_is_on_it_and_can_take_over(client, reviewer, db):
    application = ApplicationFactory()
    vetting.review_claim(application=application, reviewer=reviewer)
    colleague = with_2fa(StaffFactory())
    client.force_login(colleague)
    page = _page(client, detail_url(application))
    assert "Robin Staff</strong> is on it" in page and "Take it over" in page
    client.post(reverse("members:review_claim", args=[application.pk]), {"action": "claim"})
    application.refresh_from_db()
    assert application.claimed_by == colleague


def test_only_staff_claim(db):
    with pytest.raises(PermissionDenied):
        vetting.review_claim(application=ApplicationFactory(), reviewer=MemberFactory())


# --- Notes for reviewers ----------------------------------------------------------------


def test_notes_are_for_staff_and_never_reach_the_applicant(staff_client, reviewer, client, db):
    application = ApplicationFactory()
    staff_client.post(
        reverse("members:review_note_add", args=[application.pk]),
        {"body": "Board site was down at 3 pm; try again tomorrow."},
    )
    note = ReviewNote.objects.get(application=application)
    assert note.author == reviewer
    page = _page(staff_client, detail_url(application))
    assert "Board site was down at 3 pm" in page and "Robin Staff" in page
    client.force_login(application.user)
    assert "Board site was down" not in client.get(reverse("members:status")).content.decode()
    assert not mail.outbox


def test_an_empty_note_is_an_error_on_the_page(staff_client, db):
    application = ApplicationFactory()
    response = staff_client.post(
        reverse("members:review_note_add", args=[application.pk]), {"body": "   "}
    )
    assert response.status_code == 200
    assert "Write the note first." in response.content.decode()
    assert not ReviewNote.objects.exists()


# --- Reminding a reference ------------------------------------------------------------


def test_staff_can_remind_a_reference_within_the_limits(
    staff_client, reviewer, db, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(age_days=5)
    reference = application.references.get(position=1)
    remind = reverse("members:review_reference_remind", args=[application.pk, 1])
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(remind)
    reference.refresh_from_db()
    assert reference.sent_count == 1 and mail.outbox[-1].to == [reference.email]
    event = application.events.get(action="reference_resent")
    assert event.actor == reviewer
    staff_client.post(remind)  # too soon: nothing more is sent
    assert len(mail.outbox) == 1
    assert "You can remind them from" in _page(staff_client, detail_url(application))


def test_no_reminder_once_the_application_is_decided(staff_client, db):
    application = ApplicationFactory(age_days=5, status=Application.Status.APPROVED)
    staff_client.post(reverse("members:review_reference_remind", args=[application.pk, 1]))
    assert not mail.outbox
    assert application.references.get(position=1).sent_count == 0


# --- Member search ---------------------------------------------------------------------


def test_member_search_finds_by_email_name_handle_and_license(staff_client, db):
    member = MemberFactory(email="casey.rivera@example.org")
    member.profile.display_name = "Casey Rivera"
    member.profile.handle = "casey-rivera"
    member.profile.save()
    applicant = ApplicationFactory(legal_name="Jordan Q. Applicant", license_number="LPC 4242")
    url = reverse("members:review_members")
    for words in ["casey.rivera@", "Rivera", "@casey-rivera"]:
        page = _page(staff_client, f"{url}?q={words}")
        assert "casey.rivera@example.org" in page, words
    page = _page(staff_client, f"{url}?q=4242")
    assert "Jordan Q. Applicant" in page
    assert detail_url(applicant) in page
    assert "Nobody found" in _page(staff_client, f"{url}?q=zzzz-nobody")


def test_member_search_costs_the_same_for_one_result_or_fifty(staff_client, db):
    url = reverse("members:review_members") + "?q=example"
    MemberFactory()
    staff_client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(url).status_code == 200
        return len(queries)

    one = count()
    for _ in range(12):
        ApplicationFactory()
    assert count() == one


def test_member_search_is_for_staff_only(client, db):
    client.force_login(MemberFactory())
    assert client.get(reverse("members:review_members")).status_code == 403


def test_reference_rows_say_how_many_emails_went(staff_client, db):
    application = ApplicationFactory(age_days=1)
    Reference.objects.filter(application=application, position=1).update(
        sent_count=3, requested_at=timezone.now() - timedelta(days=5)
    )
    page = _page(staff_client, detail_url(application))
    assert "Emailed 3 times" in page and "name someone else" in page
