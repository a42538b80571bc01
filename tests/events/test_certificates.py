"""CE certificates: for checked-in attendees of a CE workshop only; the PDF's text says
who, what and how to check it; the public check page shows the same facts, nothing else."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from events.models import Certificate
from events.services import check_in
from tests.events.factories import CeWorkshopFactory, EventFactory
from tests.members.application_factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop():
    now = timezone.now()
    event = CeWorkshopFactory(
        title="Ethics of telehealth across state lines",
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=1),
        ce_hours=3,
        approving_body="NASW California Chapter",
        timezone="America/Los_Angeles",
    )
    event.created_by.profile.display_name = "Rosa Organizer"
    event.created_by.profile.save()
    attendee = ApplicationFactory(
        approved=True, legal_name="Dana Q. Whitfield", license_number="LCS 81234"
    ).user
    absent = ApplicationFactory(approved=True).user
    for person in (attendee, absent):
        # Seats were taken before the start; check-in happens at the door.
        event.rsvps.create(user=person, status="going", going_since=event.starts_at)
    check_in(event=event, by=event.created_by, rsvp=event.rsvps.get(user=attendee))
    return event, attendee, absent


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_pdf_of_a_checked_in_attendee_says_everything_a_board_asks(workshop):
    event, attendee, _ = workshop
    page = _client(attendee).get(f"/events/{event.slug}/").content.decode()
    assert "Download my CE certificate" in page
    response = _client(attendee).get(f"/events/{event.slug}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    certificate = Certificate.objects.get(event=event, user=attendee)
    day = event.starts_at.astimezone(event.zone).date()
    for fact in (
        "Certificate of Attendance",
        "Dana Q. Whitfield",
        "LCSW LCS 81234 (CA)",
        "Ethics of telehealth across state lines",
        f"{day:%B} {day.day}, {day.year}",
        "CE hours",
        "NASW California Chapter",
        "Rosa Organizer",
        certificate.code,
        f"/certificates/{certificate.code}/",
    ):
        assert fact in text, fact
    # Asking again gives the same certificate, not a second one.
    _client(attendee).get(f"/events/{event.slug}/certificate.pdf")
    assert Certificate.objects.filter(user=attendee).count() == 1


def test_no_certificate_without_check_in_or_for_other_kinds(workshop):
    event, _, absent = workshop
    assert _client(absent).get(f"/events/{event.slug}/certificate.pdf").status_code == 404
    meetup = EventFactory(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    rsvp = meetup.rsvps.create(user=absent, status="going", going_since=meetup.starts_at)
    check_in(event=meetup, by=meetup.created_by, rsvp=rsvp)
    assert _client(absent).get(f"/events/{meetup.slug}/certificate.pdf").status_code == 404
    assert not Certificate.objects.exists()


def test_the_public_check_shows_the_same_facts_and_nothing_else(workshop):
    event, attendee, _ = workshop
    _client(attendee).get(f"/events/{event.slug}/certificate.pdf")
    certificate = Certificate.objects.get()
    response = Client().get(f"/certificates/{certificate.code}/")
    page = response.content.decode()
    assert response.status_code == 200
    for fact in ("Dana Q. Whitfield", "LCS 81234", "NASW California Chapter", "3"):
        assert fact in page
    assert attendee.email not in page
    assert event.online_url not in page
    assert f"/events/{event.slug}/" not in page
    # Lower case and spaces around are forgiven; an unknown code is a 404.
    assert Client().get(f"/certificates/{certificate.code.lower()}/").status_code == 200
    assert Client().get("/certificates/AAAA-BBBB-CCCC/").status_code == 404


def test_names_outside_latin_1_do_not_break_the_pdf(workshop):
    event, attendee, _ = workshop
    attendee.application.legal_name = "Đặng Thị Ngọc Ánh 王"
    attendee.application.save()
    response = _client(attendee).get(f"/events/{event.slug}/certificate.pdf")
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Ánh" in text
