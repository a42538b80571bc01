"""The applicant's side of vetting: /apply/ (draft, autosave, submit, status pages),
the renewed license of a lapsed member, the reference link and in-app vouching."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from members import vetting
from members.models import (
    GUIDELINES_VERSION,
    Application,
    ApplicationEvent,
    Reference,
    Term,
    User,
    Vouch,
)
from notifications.models import Notification
from tests.members.factories import MemberFactory, StaffFactory, UserFactory

S = Application.Status
APPLY = "/apply/"
REFERENCE_URL = re.compile(r"https?://[^/\s]+(/apply/references/[^/\s]+/)")
VALID_NPI = "1234567893"  # CMS's worked example of the check digit


@pytest.fixture
def applicant(db):
    return UserFactory(email="applicant@example.com")


@pytest.fixture
def applicant_client(client, applicant):
    client.force_login(applicant)
    return client


def _profession() -> Term:
    return Term.objects.filter(kind=Term.Kind.PROFESSION).first()


def complete(**overrides) -> dict:
    """POST data for a complete application."""
    data = {
        "legal_name": "Jordan Avery Lee",
        "display_name": "Jordan Lee",
        "pronouns": "they/them",
        "profession": str(_profession().pk),
        "credential_tier": "licensed",
        "supervisor_name": "",
        "practice_setting": "solo",
        "city": "Oakland, CA",
        "license_type": "LCSW",
        "license_number": "LCS 12345",
        "license_jurisdiction": "CA",
        "license_expiry": (timezone.localdate() + timedelta(days=400)).isoformat(),
        "npi": VALID_NPI,
        "reference_1_name": "Dana Supervisor",
        "reference_1_email": "dana@example.org",
        "reference_1_relationship": "My clinical supervisor, 2019 to 2022",
        "reference_2_name": "Sam Colleague",
        "reference_2_email": "sam@example.org",
        "reference_2_relationship": "A colleague at the same agency",
        "why_join": "Private practice is lonely; I want a consultation group.",
        "accept_guidelines": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submitted_application(user=None, *, status=S.SUBMITTED, **fields) -> Application:
    """An application in `status`, as if it went through the form."""
    user = user or UserFactory()
    application = vetting.application_for(user)
    values = {
        "legal_name": "Jordan Avery Lee",
        "display_name": "Jordan Lee",
        "profession": _profession(),
        "credential_tier": "licensed",
        "license_type": "LCSW",
        "license_number": "LCS 12345",
        "license_jurisdiction": "CA",
        "license_expiry": timezone.localdate() + timedelta(days=400),
        "practice_setting": "solo",
        "city": "Oakland, CA",
        "why_join": "Community.",
        "guidelines_version": GUIDELINES_VERSION,
        "guidelines_accepted_at": timezone.now(),
        "status": status,
        "submitted_at": timezone.now(),
    } | fields
    Application.objects.filter(pk=application.pk).update(**values)
    for reference, email in zip(
        application.references.all(), ["dana@example.org", "sam@example.org"], strict=True
    ):
        reference.name = email.split("@")[0].title()
        reference.email = email
        reference.relationship = "Former supervisor"
        reference.save()
    application.refresh_from_db()
    return application


def html(response) -> str:
    return response.content.decode()


def fieldset(page: str, element_id: str) -> str:
    """The markup of the fieldset with this id (our fieldsets do not nest)."""
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</fieldset>", start)]


# --- Who reaches what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", APPLY),
        ("post", APPLY),
        ("post", "/apply/renewal/"),
        ("get", "/apply/vouch/1/"),
        ("post", "/apply/vouch/1/"),
    ],
)
def test_visitors_are_sent_to_log_in(client, db, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Application.objects.exists()


def test_the_reference_page_needs_no_account(client, db):
    application = submitted_application()
    reference = application.references.first()
    response = client.get(reverse("members:reference", args=[vetting.reference_token(reference)]))
    assert response.status_code == 200
    assert "Do you know Jordan Lee professionally?" in html(response)


def test_a_member_is_sent_home(client, db):
    client.force_login(MemberFactory())
    response = client.get(APPLY)
    assert response.status_code == 302 and response.url == reverse("home")


def test_first_visit_opens_an_empty_draft(applicant_client, applicant):
    response = applicant_client.get(APPLY)
    assert response.status_code == 200
    application = Application.objects.get(user=applicant)
    assert application.status == S.DRAFT
    assert list(application.references.values_list("position", flat=True)) == [1, 2]
    page = html(response)
    assert 'id="application-form"' in page
    for name in ["legal_name", "license_expiry", "reference_2_email", "npi"]:
        assert f'name="{name}"' in page
    # No tier to pick before the profession: it follows from it (issue 18).
    assert 'name="credential_tier"' not in page
    assert "Choose your profession first: your tier follows from it" in page
    assert 'type="date"' in page
    assert "Required for pre-licensed associates" in page
    assert f'href="{reverse("guidelines")}"' in page and GUIDELINES_VERSION in page
    # Both buttons post the same form; "Save draft" comes first, so Enter never submits.
    assert page.index('value="save"') < page.index('value="submit"')
    assert 'hx-post="/apply/"' in page and 'aria-live="polite"' in page


# --- Saving a draft -------------------------------------------------------------------------


def test_save_draft_keeps_everything_typed_even_when_some_is_invalid(applicant_client, applicant):
    typed = {
        "legal_name": "Jordan Avery Lee",
        "why_join": "Because I want peers.",
        "npi": "12345",
        "reference_1_name": "Dana Supervisor",
        "reference_1_email": "dana@",
        "license_expiry": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "action": "save",
    }
    response = applicant_client.post(APPLY, typed)
    assert response.status_code == 200
    page = html(response)
    # What was typed is all on the page again, invalid parts with their error beside them.
    for value in ["Jordan Avery Lee", "Because I want peers.", 'value="12345"', 'value="dana@"']:
        assert value in page
    assert typed["license_expiry"] in page
    assert 'id="id_npi_error"' in page and "exactly 10 digits" in page
    assert 'id="id_reference_1_email_error"' in page and "valid email address" in page
    assert 'id="id_license_expiry_error"' in page and "This date has passed" in page
    assert "Your draft is saved, except for these answers" in page
    # Every valid answer is saved; invalid ones never reach the database.
    application = Application.objects.get(user=applicant)
    assert application.status == S.DRAFT
    assert application.legal_name == "Jordan Avery Lee"
    assert application.why_join == "Because I want peers."
    assert application.npi == "" and application.license_expiry is None
    first = application.references.get(position=1)
    assert first.name == "Dana Supervisor" and first.email == ""

    # Leaving and coming back: the unsaved input is still there, with its errors.
    page = html(applicant_client.get(APPLY))
    assert 'value="12345"' in page and 'value="dana@"' in page
    assert "exactly 10 digits" in page and "Jordan Avery Lee" in page

    # Fixing it saves it, and the page forgets the old input.
    response = applicant_client.post(
        APPLY,
        typed
        | {
            "npi": VALID_NPI,
            "reference_1_email": "dana@example.org",
            "license_expiry": "2099-01-31",
        },
    )
    assert response.status_code == 302 and response.url == APPLY
    application.refresh_from_db()
    assert application.npi == VALID_NPI and str(application.license_expiry) == "2099-01-31"
    page = html(applicant_client.get(APPLY))
    assert "exactly 10 digits" not in page and 'value="dana@example.org"' in page
    assert "Your draft is saved" in page  # the flash message after the redirect


def test_a_valid_draft_saves_and_redirects(applicant_client, applicant):
    response = applicant_client.post(APPLY, complete(action="save"))
    assert response.status_code == 302 and response.url == APPLY
    application = Application.objects.get(user=applicant)
    assert application.status == S.DRAFT  # saving never submits
    assert application.display_name == "Jordan Lee" and application.license_jurisdiction == "CA"
    assert application.profession == _profession()
    assert application.guidelines_version == GUIDELINES_VERSION
    assert application.guidelines_accepted_at is not None
    assert [r.email for r in application.references.all()] == [
        "dana@example.org",
        "sam@example.org",
    ]
    assert not mail.outbox


def test_unticking_the_guidelines_clears_the_acceptance(applicant_client, applicant):
    applicant_client.post(APPLY, complete(action="save"))
    accepted_at = Application.objects.get(user=applicant).guidelines_accepted_at
    applicant_client.post(APPLY, complete(action="save"))  # ticked again: same moment kept
    assert Application.objects.get(user=applicant).guidelines_accepted_at == accepted_at
    applicant_client.post(APPLY, complete(action="save", accept_guidelines=None))
    application = Application.objects.get(user=applicant)
    assert application.guidelines_version == "" and application.guidelines_accepted_at is None


@pytest.mark.parametrize(
    "typed, message",
    [
        ("12345", "An NPI is exactly 10 digits"),
        ("12345678AB", "An NPI is exactly 10 digits"),
        ("3234567893", "An NPI starts with 1 or 2."),
        ("1234567890", "last digit does not match the others"),
    ],
)
def test_npi_errors_are_clear(applicant_client, applicant, typed, message):
    response = applicant_client.post(APPLY, complete(action="save", npi=typed))
    assert response.status_code == 200
    page = html(response)
    error = page[page.index('id="id_npi_error"') :]
    assert message in error[: error.index("</ul>")]
    assert Application.objects.get(user=applicant).npi == ""


def test_npi_is_stored_without_spaces_or_dashes(applicant_client, applicant):
    applicant_client.post(APPLY, complete(action="save", npi="1234-567 893"))
    assert Application.objects.get(user=applicant).npi == VALID_NPI


# --- Autosave (htmx) --------------------------------------------------------------------------


def test_autosave_saves_and_answers_with_the_status_fragment(applicant_client, applicant):
    response = applicant_client.post(
        APPLY, {"legal_name": "Jordan Avery Lee", "city": "Oakland"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = html(response)
    assert "Saved at" in page
    assert "<html" not in page and "<form" not in page  # a fragment, not the page
    application = Application.objects.get(user=applicant)
    assert (application.legal_name, application.city) == ("Jordan Avery Lee", "Oakland")


def test_autosave_names_what_it_could_not_save(applicant_client, applicant):
    response = applicant_client.post(
        APPLY, {"legal_name": "Jordan", "npi": "42"}, HTTP_HX_REQUEST="true"
    )
    page = html(response)
    assert "except for 1 answer that needs a second look" in page
    assert 'href="#id_npi"' in page and "exactly 10 digits" in page
    assert Application.objects.get(user=applicant).legal_name == "Jordan"
    # The typed NPI waits in the session, and comes back on the next visit.
    assert 'value="42"' in html(applicant_client.get(APPLY))


def test_autosave_after_submission_changes_nothing(applicant_client, applicant):
    application = submitted_application(applicant)
    response = applicant_client.post(APPLY, {"legal_name": "Someone Else"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "already been sent" in html(response)
    application.refresh_from_db()
    assert application.legal_name == "Jordan Avery Lee"
    # Without htmx: a message and the status page, still nothing changed.
    response = applicant_client.post(APPLY, {"legal_name": "Someone Else", "action": "save"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.legal_name == "Jordan Avery Lee"


def test_autosave_after_the_session_ended_says_so(client, db):
    response = client.post(APPLY, {"legal_name": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "signed out" in html(response) and "<html" not in html(response)


# --- Submitting -----------------------------------------------------------------------------


def test_submitting_an_incomplete_application_shows_each_message_where_it_belongs(
    applicant_client, applicant
):
    response = applicant_client.post(
        APPLY,
        {
            "legal_name": "Jordan Avery Lee",
            "credential_tier": "associate",
            "reference_1_name": "Dana",
            "action": "submit",
        },
    )
    assert response.status_code == 200
    page = html(response)
    assert "A few things are needed before you can submit" in page
    for field, message in [
        # Each says what to do: an error, not the field's help text again (issue 18).
        ("display_name", "Enter the name colleagues will see."),
        ("profession", "Choose your profession."),
        ("supervisor_name", "Enter your supervisor's name"),
        ("license_expiry", "Enter your license's expiry date."),
        ("why_join", "Write a few words on why you want to join."),
        ("accept_guidelines", "Read and accept the current community guidelines."),
    ]:
        error = page.index(f'id="id_{field}_error"')
        assert escape(message) in page[error : page.index("</ul>", error)], field
    assert 'id="id_legal_name_error"' not in page  # that one is there
    for position in (1, 2):
        assert "Enter a name, an email address and how they know you." in fieldset(
            page, f"reference-{position}"
        )
    # The summary links to each place.
    assert 'href="#reference-1"' in page and 'href="#id_accept_guidelines"' in page
    application = Application.objects.get(user=applicant)
    assert application.status == S.DRAFT
    assert application.legal_name == "Jordan Avery Lee"  # still saved
    assert not mail.outbox


def test_a_reference_cannot_be_the_applicant(applicant_client, applicant):
    response = applicant_client.post(
        APPLY, complete(action="submit", reference_2_email="APPLICANT@example.com")
    )
    assert "Name someone other than yourself." in fieldset(html(response), "reference-2")
    assert Application.objects.get(user=applicant).status == S.DRAFT


def test_format_errors_and_missing_answers_are_shown_together(applicant_client, applicant):
    response = applicant_client.post(
        APPLY, complete(action="submit", npi="123", display_name="", accept_guidelines=None)
    )
    page = html(response)
    assert "exactly 10 digits" in page and "Enter the name colleagues will see." in page
    assert "Read and accept the current community guidelines." in page
    assert Application.objects.get(user=applicant).status == S.DRAFT


def test_a_complete_submission_goes_to_staff_and_emails_both_references(
    applicant_client, applicant, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(APPLY, complete(action="submit"))
    assert response.status_code == 302 and response.url == APPLY
    application = Application.objects.get(user=applicant)
    assert application.status == S.SUBMITTED and application.submitted_at is not None
    assert application.guidelines_version == GUIDELINES_VERSION
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.org", "sam@example.org"]
    assert all(r.requested_at for r in application.references.all())

    page = html(applicant_client.get(APPLY))
    assert "Your application is with our staff" in page and "What happens next" in page
    assert "Waiting for an answer" in page and "You submitted your application." in page
    assert 'id="application-form"' not in page  # read-only now
    assert "LCS 12345" in page and "Jordan Avery Lee" in page

    # The emailed link works, without an account.
    message = next(m for m in mail.outbox if m.to == ["dana@example.org"])
    path = REFERENCE_URL.search(message.body).group(1)
    client.logout()
    response = client.get(path)
    assert response.status_code == 200
    page = html(response)
    assert "Jordan Lee" in page and "Jordan Avery Lee" in page
    assert _profession().label in page and "My clinical supervisor, 2019 to 2022" in page


def _associate() -> str:
    return str(Term.objects.get(slug="associate-clinical-social-worker").pk)


def test_an_associate_names_a_supervisor(applicant_client, applicant):
    response = applicant_client.post(
        APPLY, complete(action="submit", profession=_associate(), supervisor_name="")
    )
    page = html(response)
    error = page.index('id="id_supervisor_name_error"')
    assert "supervisor" in page[error : page.index("</ul>", error)]
    assert Application.objects.get(user=applicant).status == S.DRAFT
    response = applicant_client.post(
        APPLY,
        complete(action="submit", profession=_associate(), supervisor_name="Dr. Ada Park"),
    )
    assert response.status_code == 302
    application = Application.objects.get(user=applicant)
    assert application.status == S.SUBMITTED
    assert application.credential_tier == "associate"  # from the profession


# --- Changes requested ------------------------------------------------------------------------


def test_changes_requested_shows_the_message_above_the_form_and_resubmits(
    applicant_client, applicant, django_capture_on_commit_callbacks
):
    application = submitted_application(
        applicant,
        status=S.CHANGES_REQUESTED,
        staff_message="Please add your NPI.\nThank you!",
    )
    application.references.update(requested_at=timezone.now())
    ApplicationEvent.objects.create(
        application=application,
        action="changes_requested",
        from_status=S.SUBMITTED,
        to_status=S.CHANGES_REQUESTED,
        message="Please add your NPI.\nThank you!",
    )
    page = html(applicant_client.get(APPLY))
    assert "Changes requested" in page and "Please add your NPI.<br>Thank you!" in page
    assert page.index("Please add your NPI.") < page.index('id="application-form"')
    assert 'value="Jordan Avery Lee"' in page  # the form holds what was sent
    assert "Our staff asked you for changes." in page  # the history

    # A new second reference: it is a different person, asked afresh on resubmission.
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            APPLY,
            complete(action="submit", npi=VALID_NPI, reference_2_email="robin@example.org"),
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.RESUBMITTED and application.npi == VALID_NPI
    assert [m.to for m in mail.outbox] == [["robin@example.org"]]
    page = html(applicant_client.get(APPLY))
    assert "Your updated application is with our staff" in page
    assert "You sent your updated application." in page


def test_changing_a_reference_email_resets_its_answer(applicant_client, applicant):
    application = submitted_application(applicant, status=S.CHANGES_REQUESTED)
    first = application.references.get(position=1)
    vetting.reference_respond(reference=first, confirmed=True, comment="Great")
    applicant_client.post(APPLY, complete(action="save", reference_1_email="new@example.org"))
    first.refresh_from_db()
    assert first.email == "new@example.org"
    assert first.status == Reference.Status.PENDING and first.comment == ""
    assert first.requested_at is None and first.responded_at is None


def test_an_associate_without_supervisor_cannot_break_the_saved_application(
    applicant_client, applicant
):
    """After submission the database requires an associate's supervisor: an autosave
    that has the tier but not yet the name must not fail, and must not lose the tier."""
    submitted_application(applicant, status=S.CHANGES_REQUESTED)
    response = applicant_client.post(
        APPLY, complete(profession=_associate(), supervisor_name=""), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'href="#id_supervisor_name"' in html(response)
    application = Application.objects.get(user=applicant)
    # Held back together (the tier comes with the profession), not lost:
    assert application.credential_tier == "licensed"
    assert application.profession == _profession()
    page = html(applicant_client.get(APPLY))
    assert re.search(rf'<option value="{_associate()}"[^>]*selected', page)
    assert "Pre-licensed associate</strong>" in page
    applicant_client.post(
        APPLY,
        complete(profession=_associate(), supervisor_name="Dr. Ada Park"),
        HTTP_HX_REQUEST="true",
    )
    application.refresh_from_db()
    assert (application.credential_tier, application.supervisor_name) == (
        "associate",
        "Dr. Ada Park",
    )


# --- Status pages ----------------------------------------------------------------------------


def test_submitted_page_shows_reference_answers_but_never_their_comments(
    applicant_client, applicant
):
    application = submitted_application(applicant)
    first, second = application.references.all()
    vetting.reference_respond(reference=first, confirmed=True, comment="PRIVATE-COMMENT-1")
    vetting.reference_respond(reference=second, confirmed=False, comment="PRIVATE-COMMENT-2")
    page = html(applicant_client.get(APPLY))
    assert "Confirmed" in page and "Could not confirm" in page
    assert "PRIVATE-COMMENT" not in page
    assert "A reference confirmed they know you professionally." in page


def test_history_is_in_plain_words_in_the_applicants_time_zone(applicant_client, applicant):
    applicant.timezone = "America/Chicago"
    applicant.save(update_fields=["timezone"])
    application = submitted_application(applicant)
    ApplicationEvent.objects.create(
        application=application,
        action="submitted",
        created_at=datetime(2026, 7, 1, 15, 30, tzinfo=UTC),
    )
    ApplicationEvent.objects.create(
        application=application, action="license_verified", message="INTERNAL NOTE"
    )
    ApplicationEvent.objects.create(
        application=application, action="vouched", message="PRIVATE VOUCH NOTE"
    )
    page = html(applicant_client.get(APPLY))
    assert "July 1, 2026, 10:30 AM" in page  # 15:30 UTC is 10:30 in Chicago (CDT)
    assert "You submitted your application." in page
    assert "A Hive member vouched for you." in page
    assert "Our staff checked your license" in page
    assert "INTERNAL NOTE" not in page and "PRIVATE VOUCH NOTE" not in page


def test_rejected_page_gives_the_reason_calmly(applicant_client, applicant):
    submitted_application(
        applicant, status=S.REJECTED, staff_message="We could not verify the license."
    )
    page = html(applicant_client.get(APPLY))
    assert "Your application was not approved" in page
    assert "We could not verify the license." in page
    assert 'id="application-form"' not in page


def test_suspended_page(client, db):
    user = MemberFactory(membership_status=User.Status.SUSPENDED)
    submitted_application(user, status=S.SUSPENDED)
    client.force_login(user)
    page = html(client.get(APPLY))
    assert "Your account is suspended" in page and "Reply to the email" in page
    assert 'id="application-form"' not in page and "renewal" not in page
    # A suspended account cannot change its application either.
    response = client.post(APPLY, {"legal_name": "x", "action": "save"})
    assert response.status_code == 302
    assert Application.objects.get(user=user).legal_name == "Jordan Avery Lee"


def test_suspended_without_an_application_gets_none_created(client, db):
    user = MemberFactory(membership_status=User.Status.SUSPENDED)
    client.force_login(user)
    assert "Your account is suspended" in html(client.get(APPLY))
    assert not Application.objects.filter(user=user).exists()


# --- Lapsed: the renewed license ---------------------------------------------------------------


@pytest.fixture
def lapsed(db):
    user = MemberFactory(membership_status=User.Status.LAPSED)
    submitted_application(
        user, status=S.LAPSED, license_expiry=timezone.localdate() - timedelta(days=1)
    )
    return user


def test_lapsed_member_sees_their_data_is_kept_and_a_renewal_form(client, lapsed):
    client.force_login(lapsed)
    page = html(client.get(APPLY))
    assert "Your license needs re-verifying" in page and "Your data is safe" in page
    assert f'action="{reverse("members:renewal")}"' in page
    assert 'value="LCS 12345"' in page  # the number is usually unchanged


def test_renewal_errors_show_on_the_status_page_and_keep_what_was_typed(client, lapsed):
    client.force_login(lapsed)
    past = (timezone.localdate() - timedelta(days=10)).isoformat()
    response = client.post(
        reverse("members:renewal"), {"license_number": "LCS 99999", "license_expiry": past}
    )
    assert response.status_code == 200
    page = html(response)
    assert "This date has passed" in page and 'value="LCS 99999"' in page and past in page
    application = Application.objects.get(user=lapsed)
    assert application.license_number == "LCS 12345" and application.renewal_submitted_at is None


def test_renewal_is_sent_for_re_verification(client, lapsed):
    client.force_login(lapsed)
    response = client.post(
        reverse("members:renewal"),
        {"license_number": "LCS 99999", "license_expiry": "2099-06-30"},
    )
    assert response.status_code == 302 and response.url == APPLY
    application = Application.objects.get(user=lapsed)
    assert application.status == S.LAPSED  # staff re-verify before access returns
    assert application.license_number == "LCS 99999"
    assert str(application.license_expiry) == "2099-06-30"
    assert application.renewal_submitted_at is not None
    page = html(client.get(APPLY))
    assert "We have your renewed license" in page and "re-verify" in page
    assert "You sent your renewed license." in page


def test_renewal_is_post_only_and_for_lapsed_members_only(applicant_client, applicant):
    assert applicant_client.get(reverse("members:renewal")).status_code == 405
    application = vetting.application_for(applicant)
    response = applicant_client.post(
        reverse("members:renewal"), {"license_number": "X", "license_expiry": "2099-01-01"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.license_number == "" and application.renewal_submitted_at is None


# --- The reference's link ---------------------------------------------------------------------


@pytest.fixture
def reference(db):
    return submitted_application().references.get(position=1)


def _link(reference: Reference) -> str:
    return reverse("members:reference", args=[vetting.reference_token(reference)])


@pytest.mark.parametrize("answer, status", [("yes", "confirmed"), ("no", "declined")])
def test_a_reference_answers_through_the_link(client, reference, answer, status):
    response = client.post(_link(reference), {"answer": answer, "comment": "Worked together."})
    assert response.status_code == 200
    assert "Thank you" in html(response)
    reference.refresh_from_db()
    assert reference.status == status and reference.comment == "Worked together."
    assert reference.responded_at is not None


def test_answering_twice_is_a_thank_you_not_an_error(client, reference):
    client.post(_link(reference), {"answer": "yes"})
    response = client.post(_link(reference), {"answer": "no"})
    assert response.status_code == 200
    assert "Thank you, you already answered" in html(response)
    assert "Thank you, you already answered" in html(client.get(_link(reference)))
    reference.refresh_from_db()
    assert reference.status == Reference.Status.CONFIRMED


def test_a_reference_must_choose_an_answer(client, reference):
    response = client.post(_link(reference), {"comment": "Hmm"})
    assert response.status_code == 200
    assert "Choose one of the two answers" in html(response) and "Hmm" in html(response)
    reference.refresh_from_db()
    assert reference.status == Reference.Status.PENDING


def test_a_tampered_link_is_not_found(client, reference):
    token = vetting.reference_token(reference)
    forged = signing.dumps({"r": reference.pk, "e": reference.email}, salt="another-salt")
    for bad in [token[:-2] + "xx", forged, "nonsense"]:
        assert client.get(reverse("members:reference", args=[bad])).status_code == 404
        assert (
            client.post(reverse("members:reference", args=[bad]), {"answer": "yes"}).status_code
            == 404
        )
    reference.refresh_from_db()
    assert reference.status == Reference.Status.PENDING


def test_an_expired_link_is_not_found(client, reference, monkeypatch):
    link = _link(reference)
    # signing's max_age: a link older than max_age is expired; a negative age is always.
    monkeypatch.setattr("members.vetting.references.REFERENCE_LINK_DAYS", -1)
    assert client.get(link).status_code == 404
    assert client.post(link, {"answer": "yes"}).status_code == 404
    monkeypatch.setattr("members.vetting.references.REFERENCE_LINK_DAYS", 21)
    assert client.get(link).status_code == 200


def test_a_link_for_a_replaced_reference_is_not_found(client, reference):
    link = _link(reference)
    reference.email = "someone.else@example.org"
    reference.save(update_fields=["email"])
    assert client.get(link).status_code == 404


# --- Vouching in Hive --------------------------------------------------------------------------


@pytest.fixture
def named_member(db):
    return MemberFactory(email="Dana@Example.org")  # named as dana@example.org


def _vouch_url(application: Application) -> str:
    return reverse("members:vouch", args=[application.pk])


def test_a_named_member_vouches_once(client, named_member):
    application = submitted_application()
    client.force_login(named_member)
    response = client.get(_vouch_url(application))
    assert response.status_code == 200
    page = html(response)
    assert "Vouch for Jordan Lee" in page and _profession().label in page
    assert "Former supervisor" in page

    response = client.post(_vouch_url(application), {"note": "Supervised them for years."})
    assert response.status_code == 302
    vouch = Vouch.objects.get(application=application)
    assert vouch.member == named_member and vouch.note == "Supervised them for years."
    reference = application.references.get(position=1)
    assert reference.status == Reference.Status.CONFIRMED
    assert reference.comment == "Supervised them for years."
    assert "You vouched for Jordan Lee" in html(client.get(_vouch_url(application)))

    response = client.post(_vouch_url(application), {"note": "again"}, follow=True)
    assert response.status_code == 200
    assert "already vouched" in html(response)
    assert Vouch.objects.filter(application=application).count() == 1


def test_vouching_keeps_an_answer_already_given_by_email(client, named_member):
    application = submitted_application()
    reference = application.references.get(position=1)
    vetting.reference_respond(reference=reference, confirmed=True, comment="By email")
    client.force_login(named_member)
    client.post(_vouch_url(application), {"note": "In app"})
    reference.refresh_from_db()
    assert reference.comment == "By email"
    assert Vouch.objects.filter(application=application, member=named_member).exists()


def test_a_verified_secondary_address_counts_but_an_unverified_one_does_not(client, db):
    application = submitted_application()
    member = MemberFactory()
    EmailAddress.objects.create(user=member, email="sam@example.org", verified=False)
    client.force_login(member)
    assert client.get(_vouch_url(application)).status_code == 404
    EmailAddress.objects.filter(user=member, email="sam@example.org").update(verified=True)
    assert client.get(_vouch_url(application)).status_code == 200


@pytest.mark.parametrize(
    "who, expected",
    [
        ("member not named", 404),
        ("staff not named", 404),
        ("the applicant", "/apply/"),
        ("an applicant named as reference", "/apply/"),
    ],
)
def test_only_named_members_reach_the_vouch_page(client, db, who, expected):
    applicant = UserFactory()
    application = submitted_application(applicant)
    viewer = {
        "member not named": lambda: MemberFactory(),
        "staff not named": lambda: StaffFactory(),
        "the applicant": lambda: applicant,
        "an applicant named as reference": lambda: UserFactory(email="sam@example.org"),
    }[who]()
    client.force_login(viewer)
    for response in [
        client.get(_vouch_url(application)),
        client.post(_vouch_url(application), {"note": "x"}),
    ]:
        if expected == 404:
            assert response.status_code == 404
        else:
            assert response.status_code == 302 and response.url == expected
    assert not Vouch.objects.exists()


@pytest.mark.parametrize("status", [S.DRAFT, S.CHANGES_REQUESTED, S.APPROVED, S.REJECTED])
def test_only_applications_waiting_for_review_take_vouches(client, named_member, status):
    application = submitted_application(status=status)
    client.force_login(named_member)
    assert client.get(_vouch_url(application)).status_code == 404
    assert client.post(_vouch_url(application), {"note": "x"}).status_code == 404
    assert client.get(reverse("members:vouch", args=[999999])).status_code == 404


def test_a_reference_who_is_a_member_is_invited_to_vouch_in_hive(
    applicant_client, applicant, django_capture_on_commit_callbacks
):
    member = MemberFactory(email="Dana@Example.org")  # named as dana@example.org
    with django_capture_on_commit_callbacks(execute=True):
        applicant_client.post(APPLY, complete(action="submit"))
    application = Application.objects.get(user=applicant)
    notification = Notification.objects.get(kind="vouch_request")
    assert notification.recipient == member
    assert notification.url == reverse("members:vouch", args=[application.pk])
    assert "Jordan Lee named you as a professional reference" in notification.in_app_text()


# --- The credential tier follows from the profession (issue 18) ----------------------------


def _term(slug: str) -> str:
    return str(Term.objects.get(slug=slug).pk)


def test_an_lcsw_is_a_licensed_clinician_whatever_is_posted(applicant_client, applicant):
    applicant_client.post(
        APPLY,
        complete(
            action="save",
            profession=_term("licensed-clinical-social-worker"),
            credential_tier="associate",
        ),
    )
    assert Application.objects.get(user=applicant).credential_tier == "licensed"
    page = html(applicant_client.get(APPLY))
    assert "Licensed clinician</strong>" in page and "follows from your profession" in page
    assert 'name="credential_tier"' not in page  # nothing to choose, nothing to get wrong


def test_a_choice_only_where_the_profession_leaves_one(applicant_client, applicant):
    applicant_client.post(APPLY, complete(action="save", profession=_term("art-therapist")))
    page = html(applicant_client.get(APPLY))
    offered = re.findall(r'name="credential_tier" value="(\w+)"', page)
    assert sorted(offered) == ["allied", "licensed"]
    response = applicant_client.post(
        APPLY,
        complete(action="save", profession=_term("art-therapist"), credential_tier="associate"),
    )
    error = html(response)
    assert "As an Art Therapist, your tier is allied professional or licensed clinician." in error
    assert Application.objects.get(user=applicant).credential_tier != "associate"


def test_changing_the_profession_changes_the_tier(applicant_client, applicant):
    applicant_client.post(
        APPLY,
        complete(action="save", profession=_term("art-therapist"), credential_tier="licensed"),
    )
    assert Application.objects.get(user=applicant).credential_tier == "licensed"
    applicant_client.post(
        APPLY, complete(action="save", profession=_term("certified-peer-support-specialist"))
    )
    assert Application.objects.get(user=applicant).credential_tier == "peer"
    # A tier that no longer fits a profession with a choice is cleared, not kept.
    applicant_client.post(
        APPLY,
        complete(action="save", profession=_term("case-manager"), credential_tier="peer"),
    )
    assert Application.objects.get(user=applicant).credential_tier == "peer"  # still fits
    applicant_client.post(
        APPLY,
        complete(action="save", profession=_term("school-counselor"), credential_tier="peer"),
    )
    assert Application.objects.get(user=applicant).credential_tier == ""


def test_autosave_sends_the_tier_again_only_when_the_profession_changed(
    applicant_client, applicant
):
    data = complete(profession=_term("associate-professional-counselor"))
    response = applicant_client.post(APPLY, data, HTTP_HX_REQUEST="true")
    page = html(response)
    assert 'id="tier-field" hx-swap-oob="true"' in page
    assert "Pre-licensed associate</strong>" in page
    response = applicant_client.post(APPLY, data, HTTP_HX_REQUEST="true")
    assert "tier-field" not in html(response)


def test_a_tier_that_does_not_fit_the_profession_cannot_be_submitted(db):
    application = submitted_application(status=S.DRAFT)
    Application.objects.filter(pk=application.pk).update(
        profession=Term.objects.get(slug="psychiatrist"), credential_tier="peer"
    )
    application.refresh_from_db()
    assert vetting.missing_for_submission(application)["credential_tier"] == (
        "As a Psychiatrist, your tier is licensed clinician."
    )


# --- Reminding or replacing a reference while staff review (issue 18) ----------------------


@pytest.fixture
def with_staff(applicant_client, applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        applicant_client.post(APPLY, complete(action="submit"))
    application = Application.objects.get(user=applicant)
    assert application.status == S.SUBMITTED
    mail.outbox.clear()
    return application


def _age_request(reference, days):
    Reference.objects.filter(pk=reference.pk).update(
        requested_at=timezone.now() - timedelta(days=days)
    )


def test_a_reference_can_be_reminded_every_two_days_three_emails_in_all(
    applicant_client, with_staff, django_capture_on_commit_callbacks
):
    reference = with_staff.references.get(position=1)
    remind = reverse("members:reference_remind", args=[1])
    page = html(applicant_client.get(APPLY))
    assert "You can remind them from" in page  # just emailed: not yet
    applicant_client.post(remind)
    assert not mail.outbox
    for sent in (2, 3):
        _age_request(reference, days=3)
        with django_capture_on_commit_callbacks(execute=True):
            applicant_client.post(remind)
        reference.refresh_from_db()
        assert reference.sent_count == sent
        assert mail.outbox[-1].to == ["dana@example.org"]
        assert mail.outbox[-1].subject.startswith("[Hive] Reminder: Do you know")
    _age_request(reference, days=3)
    response = applicant_client.post(remind, follow=True)
    assert "name someone else" in html(response)
    assert len(mail.outbox) == 2
    assert with_staff.events.filter(action="reference_resent").count() == 2


def test_a_reference_can_be_replaced_and_the_old_link_stops_working(
    applicant_client, with_staff, client, django_capture_on_commit_callbacks
):
    reference = with_staff.references.get(position=2)
    old_link = reverse("members:reference", args=[vetting.reference_token(reference)])
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            reverse("members:reference_replace", args=[2]),
            {
                "replace-2-name": "Robin Mentor",
                "replace-2-email": "robin@example.org",
                "replace-2-relationship": "My consultation group lead since 2021",
            },
        )
    assert response.status_code == 302
    reference.refresh_from_db()
    assert (reference.name, reference.email, reference.status) == (
        "Robin Mentor",
        "robin@example.org",
        "pending",
    )
    assert [m.to for m in mail.outbox] == [["robin@example.org"]]
    from django.test import Client

    assert Client().get(old_link).status_code == 404  # Sam's link no longer answers
    assert "You named a new reference." in html(applicant_client.get(APPLY))


def test_replacing_a_reference_keeps_what_was_typed_and_says_what_is_wrong(
    applicant_client, with_staff, applicant
):
    response = applicant_client.post(
        reverse("members:reference_replace", args=[2]),
        {
            "replace-2-name": "Also Me",
            "replace-2-email": applicant.email,
            "replace-2-relationship": "",
        },
    )
    page = html(response)
    assert response.status_code == 200
    assert "Say how they know your work." in page
    assert 'value="Also Me"' in page
    response = applicant_client.post(
        reverse("members:reference_replace", args=[2]),
        {
            "replace-2-name": "Also Me",
            "replace-2-email": applicant.email,
            "replace-2-relationship": "Myself",
        },
    )
    assert "Name someone other than yourself." in html(response)
    assert with_staff.references.get(position=2).email == "sam@example.org"


def test_replacements_are_limited(applicant_client, with_staff):
    for n in range(vetting.references.MAX_REPLACEMENTS):
        applicant_client.post(
            reverse("members:reference_replace", args=[1]),
            {
                "replace-1-name": f"Person {n}",
                "replace-1-email": f"person{n}@example.org",
                "replace-1-relationship": "A colleague",
            },
        )
    response = applicant_client.post(
        reverse("members:reference_replace", args=[1]),
        {
            "replace-1-name": "One more",
            "replace-1-email": "more@example.org",
            "replace-1-relationship": "A colleague",
        },
    )
    assert "please write to us" in html(response)
    assert with_staff.references.get(position=1).email == "person2@example.org"


def test_a_confirmed_reference_is_not_replaced_or_reminded(applicant_client, with_staff):
    reference = with_staff.references.get(position=1)
    vetting.reference_respond(reference=reference, confirmed=True)
    page = html(applicant_client.get(APPLY))
    assert reverse("members:reference_remind", args=[1]) not in page
    assert reverse("members:reference_replace", args=[1]) not in page


def test_references_are_managed_here_only_while_staff_review(applicant_client, applicant):
    applicant_client.get(APPLY)  # a draft: the form edits references
    assert applicant_client.post(reverse("members:reference_remind", args=[1])).status_code == 404
    assert applicant_client.post(reverse("members:reference_replace", args=[1])).status_code == 404
