"""The application state machine (members/vetting/): every transition, every illegal
one, concurrent decisions, the two-factor rule, references, vouches, license expiry."""

import threading
import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from members import vetting
from members.models import (
    GUIDELINES_VERSION,
    Application,
    ApplicationEvent,
    AuditEvent,
    Profile,
    Term,
    User,
)
from notifications.models import Notification
from tests.members.factories import MemberFactory, StaffFactory, UserFactory

Status = Application.Status


def with_2fa(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "X"})
    return user


@pytest.fixture
def reviewer(db):
    return with_2fa(StaffFactory())


def fill(application: Application, **overrides) -> Application:
    """Everything an application needs before it can be submitted."""
    values = {
        "legal_name": "Maria Elena Reyes",
        "display_name": "Maria Reyes",
        "pronouns": "she/her",
        "profession": Term.objects.filter(kind=Term.Kind.PROFESSION).first(),
        "credential_tier": "licensed",
        "license_type": "LCSW",
        "license_number": "LCS 12345",
        "license_jurisdiction": "CA",
        "license_expiry": timezone.localdate() + timedelta(days=400),
        "practice_setting": "solo",
        "city": "Oakland",
        "why_join": "Private practice is lonely; I want a consultation group.",
        "guidelines_version": GUIDELINES_VERSION,
        "guidelines_accepted_at": timezone.now(),
        **overrides,
    }
    for field, value in values.items():
        setattr(application, field, value)
    application.save()
    for reference, email in zip(
        application.references.all(), ["ref.one@example.org", "ref.two@example.org"], strict=True
    ):
        reference.name = f"Reference {reference.position}"
        reference.email = email
        reference.relationship = "We share an office."
        reference.save()
    return application


@pytest.fixture
def draft(db):
    return fill(vetting.application_for(UserFactory()))


def at(application, status):
    Application.objects.filter(pk=application.pk).update(status=status)
    application.refresh_from_db()
    return application


# --- Submitting ---------------------------------------------------------------------------------


def test_new_application_is_an_empty_draft_with_two_reference_slots(db):
    application = vetting.application_for(UserFactory())
    assert application.status == Status.DRAFT
    assert list(application.references.values_list("position", flat=True)) == [1, 2]
    assert vetting.application_for(application.user).pk == application.pk


def test_incomplete_application_cannot_be_submitted(db):
    application = vetting.application_for(UserFactory())
    with pytest.raises(ValidationError) as raised:
        vetting.application_submit(application=application)
    errors = raised.value.message_dict
    assert {"legal_name", "license_number", "accept_guidelines", "reference_1"} <= set(errors)
    application.refresh_from_db()
    assert application.status == Status.DRAFT


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"credential_tier": "associate", "supervisor_name": ""}, "supervisor_name"),
        ({"npi": "1234567890"}, "npi"),
        ({"license_expiry": timezone.localdate() - timedelta(days=1)}, "license_expiry"),
        ({"guidelines_version": "2020-01"}, "accept_guidelines"),
    ],
)
def test_submission_rules(db, overrides, field):
    application = fill(vetting.application_for(UserFactory()), **overrides)
    assert field in vetting.missing_for_submission(application)


def test_references_must_be_two_other_people(draft):
    first, second = draft.references.all()
    second.email = first.email.upper()
    second.save()
    assert "reference_2" in vetting.missing_for_submission(draft)
    first.email = draft.user.email
    first.save()
    assert "reference_1" in vetting.missing_for_submission(draft)


def test_submit_emails_each_reference_once(draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vetting.application_submit(application=draft)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and draft.submitted_at
    assert sorted(m.to[0] for m in mail.outbox) == ["ref.one@example.org", "ref.two@example.org"]
    assert all("/apply/references/" in m.body for m in mail.outbox)
    # Sending again (a retried task) sends nothing more.
    for reference in draft.references.all():
        assert vetting.reference_request_send(reference_id=reference.pk) is False
    assert len(mail.outbox) == 2


# --- Every legal transition ------------------------------------------------------------------


def test_full_happy_path_with_changes_requested(
    draft, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        vetting.application_submit(application=draft)
        vetting.application_request_changes(
            application=draft, reviewer=reviewer, message="Please add your NPI."
        )
    draft.refresh_from_db()
    assert (
        draft.status == Status.CHANGES_REQUESTED and draft.staff_message == "Please add your NPI."
    )
    assert draft.is_editable
    vetting.application_submit(application=draft)
    draft.refresh_from_db()
    assert draft.status == Status.RESUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        vetting.application_approve(application=draft, reviewer=reviewer, note="Welcome!")
    draft.refresh_from_db()
    user = draft.user
    user.refresh_from_db()
    assert draft.status == Status.APPROVED and user.membership_status == User.Status.MEMBER
    profile = Profile.objects.get(user=user)
    assert profile.display_name == "Maria Reyes" and profile.handle == "maria-reyes"
    actions = list(draft.events.values_list("action", "actor_id"))
    assert actions == [
        ("submitted", user.pk),
        ("changes_requested", reviewer.pk),
        ("resubmitted", user.pk),
        ("approved", reviewer.pk),
    ]
    subjects = [m.subject for m in mail.outbox if m.to == [user.email]]
    assert "[Hive] Staff asked for changes to your application" in subjects
    assert "[Hive] Your application is approved: welcome to Hive" in subjects
    assert AuditEvent.objects.filter(
        subject=user, actor=reviewer, action=AuditEvent.Action.APPLICATION_DECIDED
    ).exists()


def test_reject_records_the_reason_for_the_applicant(draft, reviewer):
    vetting.application_submit(application=draft)
    vetting.application_reject(application=draft, reviewer=reviewer, reason="License not found.")
    draft.refresh_from_db()
    assert draft.status == Status.REJECTED and draft.staff_message == "License not found."
    assert draft.user.membership_status == User.Status.APPLICANT
    assert Notification.objects.filter(recipient=draft.user, kind="application_update").exists()


def test_lapse_and_reinstate(draft, reviewer):
    vetting.application_submit(application=draft)
    vetting.application_approve(application=draft, reviewer=reviewer)
    vetting.application_lapse(application=draft)
    draft.refresh_from_db()
    draft.user.refresh_from_db()
    assert draft.status == Status.LAPSED and draft.user.membership_status == User.Status.LAPSED
    new_expiry = timezone.localdate() + timedelta(days=700)
    vetting.license_renewal_submit(
        application=draft, license_number="LCS 99999", license_expiry=new_expiry
    )
    draft.refresh_from_db()
    assert draft.renewal_submitted_at and draft.license_verified_at is None
    with pytest.raises(ValidationError, match="renewed license"):
        vetting.application_approve(application=draft, reviewer=reviewer)
    vetting.license_mark_verified(application=draft, reviewer=reviewer, note="Renewed: active.")
    vetting.application_approve(application=draft, reviewer=reviewer)
    draft.refresh_from_db()
    draft.user.refresh_from_db()
    assert draft.status == Status.APPROVED and draft.user.membership_status == User.Status.MEMBER
    assert Profile.objects.filter(user=draft.user).count() == 1  # kept, not re-created
    assert list(draft.events.values_list("action", flat=True))[-4:] == [
        "lapsed",
        "renewal_submitted",
        "license_verified",
        "reinstated",
    ]


@pytest.mark.parametrize("status", [s for s in Status.values if s != Status.SUSPENDED])
def test_any_state_can_be_suspended(draft, reviewer, status):
    at(draft, status)
    vetting.application_suspend(application=draft, reviewer=reviewer, reason="Complaint upheld.")
    draft.refresh_from_db()
    draft.user.refresh_from_db()
    assert draft.status == Status.SUSPENDED
    assert draft.user.membership_status == User.Status.SUSPENDED
    assert draft.user.is_active  # suspension is a status; is_active is left alone


# --- Every illegal transition ---------------------------------------------------------------

ILLEGAL = {
    "submit": {
        Status.SUBMITTED,
        Status.RESUBMITTED,
        Status.APPROVED,
        Status.REJECTED,
        Status.LAPSED,
        Status.SUSPENDED,
    },
    "request_changes": {
        Status.DRAFT,
        Status.CHANGES_REQUESTED,
        Status.APPROVED,
        Status.REJECTED,
        Status.LAPSED,
        Status.SUSPENDED,
    },
    "approve": {
        Status.DRAFT,
        Status.CHANGES_REQUESTED,
        Status.APPROVED,
        Status.REJECTED,
        Status.SUSPENDED,
    },
    "reject": {
        Status.DRAFT,
        Status.CHANGES_REQUESTED,
        Status.APPROVED,
        Status.REJECTED,
        Status.LAPSED,
        Status.SUSPENDED,
    },
    "lapse": {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.CHANGES_REQUESTED,
        Status.RESUBMITTED,
        Status.REJECTED,
        Status.LAPSED,
        Status.SUSPENDED,
    },
    "suspend": {Status.SUSPENDED},
}


def _do(action, application, reviewer):
    return {
        "submit": lambda: vetting.application_submit(application=application),
        "request_changes": lambda: vetting.application_request_changes(
            application=application, reviewer=reviewer, message="m"
        ),
        "approve": lambda: vetting.application_approve(application=application, reviewer=reviewer),
        "reject": lambda: vetting.application_reject(
            application=application, reviewer=reviewer, reason="r"
        ),
        "lapse": lambda: vetting.application_lapse(application=application),
        "suspend": lambda: vetting.application_suspend(
            application=application, reviewer=reviewer, reason="r"
        ),
    }[action]()


@pytest.mark.parametrize(
    "action, status", [(a, s) for a, states in ILLEGAL.items() for s in sorted(states)]
)
def test_illegal_transitions_raise_and_change_nothing(draft, reviewer, action, status):
    at(draft, status)
    events = ApplicationEvent.objects.count()
    with pytest.raises(vetting.IllegalTransition):
        _do(action, draft, reviewer)
    draft.refresh_from_db()
    assert draft.status == status
    assert ApplicationEvent.objects.count() == events


def test_decisions_need_staff_with_two_factor(draft):
    vetting.application_submit(application=draft)
    with pytest.raises(PermissionDenied):
        vetting.application_approve(application=draft, reviewer=MemberFactory())
    staff_without_2fa = StaffFactory()
    with pytest.raises(vetting.StaffNeedsTwoFactor):
        vetting.application_approve(application=draft, reviewer=staff_without_2fa)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


@pytest.mark.parametrize("action", ["request_changes", "reject", "suspend"])
def test_decisions_that_need_words_refuse_empty_ones(draft, reviewer, action):
    vetting.application_submit(application=draft)
    call = {
        "request_changes": lambda: vetting.application_request_changes(
            application=draft, reviewer=reviewer, message="  "
        ),
        "reject": lambda: vetting.application_reject(
            application=draft, reviewer=reviewer, reason=""
        ),
        "suspend": lambda: vetting.application_suspend(
            application=draft, reviewer=reviewer, reason=""
        ),
    }[action]
    with pytest.raises(ValidationError):
        call()


def _waiting_for_a_lock() -> int:
    """How many other sessions on the test database wait for a lock right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_at_once_cannot_both_win():
    """Two staff members approve and reject the same application at the same moment:
    one decision stands, the other is told the application was decided already, and
    the history shows one decision.

    Made deterministic: a third session holds the application's row lock until both
    decisions are seen waiting in PostgreSQL, so both have started before either can
    finish, on every run."""
    application = fill(vetting.application_for(UserFactory()))
    vetting.application_submit(application=application)
    first, second = with_2fa(StaffFactory()), with_2fa(StaffFactory())
    held, release = threading.Event(), threading.Event()
    outcomes = {}

    def hold_the_row():
        try:
            with transaction.atomic():
                Application.objects.select_for_update().get(pk=application.pk)
                held.set()
                release.wait(30)
        finally:
            connection.close()

    def decide(name, call):
        try:
            call()
            outcomes[name] = "won"
        except vetting.IllegalTransition:
            outcomes[name] = "lost"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[name] = repr(error)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    assert held.wait(10), "the row lock was never taken"

    def approve():
        vetting.application_approve(application=application, reviewer=first)

    def reject():
        vetting.application_reject(application=application, reviewer=second, reason="no")

    deciders = [
        threading.Thread(target=decide, args=("approve", approve)),
        threading.Thread(target=decide, args=("reject", reject)),
    ]
    for thread in deciders:
        thread.start()
    waiting = 0
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(thread.is_alive() for thread in deciders):
            waiting = _waiting_for_a_lock()
            if waiting >= 2:
                break
            time.sleep(0.01)
    finally:
        release.set()
        holder.join(30)
        for thread in deciders:
            thread.join(30)
    assert waiting >= 2, f"both decisions should wait for the row lock; outcomes: {outcomes}"
    assert sorted(outcomes.values()) == ["lost", "won"], outcomes
    application.refresh_from_db()
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    assert application.status == (Status.APPROVED if winner == "approve" else Status.REJECTED)
    decisions = application.events.filter(action__in=["approved", "rejected"])
    assert decisions.count() == 1


# --- References and vouches -------------------------------------------------------------------


def test_reference_link_round_trip_and_single_answer(draft):
    reference = draft.references.first()
    token = vetting.reference_token(reference)
    assert vetting.reference_from_token(token) == reference
    vetting.reference_respond(reference=reference, confirmed=True, comment="Known for years.")
    reference.refresh_from_db()
    assert reference.status == "confirmed" and reference.responded_at
    with pytest.raises(vetting.IllegalTransition):
        vetting.reference_respond(reference=reference, confirmed=False)


def test_reference_link_refuses_forged_expired_and_outdated_tokens(draft, monkeypatch):
    reference = draft.references.first()
    token = vetting.reference_token(reference)
    assert vetting.reference_from_token(token[:-2] + "xx") is None
    reference.email = "someone.else@example.org"
    reference.save()
    assert vetting.reference_from_token(token) is None  # the applicant changed who it is
    fresh = vetting.reference_token(reference)
    later = timezone.now() + timedelta(days=vetting.REFERENCE_LINK_DAYS + 1)
    monkeypatch.setattr(signing.time, "time", lambda: later.timestamp())
    assert vetting.reference_from_token(fresh) is None


def test_members_vouch_once_and_only_members(draft):
    member = MemberFactory()
    vetting.vouch_create(application=draft, member=member, note="I know her work.")
    with pytest.raises(ValidationError):
        vetting.vouch_create(application=draft, member=member)
    with pytest.raises(PermissionDenied):
        vetting.vouch_create(application=draft, member=UserFactory())
    assert draft.events.filter(action="vouched").count() == 1


def test_license_verification_records_who_and_when(draft, reviewer):
    vetting.license_mark_verified(
        application=draft, reviewer=reviewer, note="Looked up on the BBS site: active."
    )
    draft.refresh_from_db()
    assert draft.license_verified_by == reviewer and draft.license_verified_at
    assert draft.events.get(action="license_verified").actor == reviewer


# --- License expiry ---------------------------------------------------------------------------


def _approved(reviewer, expiry):
    application = fill(vetting.application_for(UserFactory()))
    vetting.application_submit(application=application)
    vetting.application_approve(application=application, reviewer=reviewer)
    Application.objects.filter(pk=application.pk).update(license_expiry=expiry)
    application.refresh_from_db()
    return application


def test_license_expiry_reminders_at_30_and_7_days_once(reviewer):
    today = timezone.localdate()
    in_30 = _approved(reviewer, today + timedelta(days=30))
    in_7 = _approved(reviewer, today + timedelta(days=7))
    _approved(reviewer, today + timedelta(days=12))
    assert vetting.license_expiry_check(today=today) == {"reminded": 2, "lapsed": 0}
    assert vetting.license_expiry_check(today=today) == {"reminded": 2, "lapsed": 0}
    reminders = Notification.objects.filter(kind="license_expiry")
    assert reminders.count() == 2  # the second run found the same keys
    assert {n.recipient_id for n in reminders} == {in_30.user_id, in_7.user_id}
    assert {n.context["days_left"] for n in reminders} == {30, 7}


def test_expired_license_lapses_the_member_who_keeps_their_data(reviewer):
    today = timezone.localdate()
    application = _approved(reviewer, today)
    assert vetting.license_expiry_check(today=today)["lapsed"] == 1
    application.refresh_from_db()
    application.user.refresh_from_db()
    assert application.status == Status.LAPSED
    assert application.user.membership_status == User.Status.LAPSED
    assert Profile.objects.filter(user=application.user).exists()
    assert vetting.license_expiry_check(today=today)["lapsed"] == 0


def test_review_queue_digest_goes_to_staff_once_a_day(draft, reviewer):
    vetting.application_submit(application=draft)
    assert vetting.review_queue_digest() == 0  # nothing waits two days yet
    Application.objects.filter(pk=draft.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    assert vetting.review_queue_digest() == 1
    assert vetting.review_queue_digest() == 1
    digests = Notification.objects.filter(kind="review_queue", recipient=reviewer)
    assert digests.count() == 1 and digests.get().context["count"] == 1


def test_every_event_action_has_one_wording_for_staff_and_applicant():
    """Each kind of history event reads one way to staff (its label) and one way, or not
    at all, to the applicant: the wording table covers every action and nothing else."""
    wording = ApplicationEvent.WORDING
    assert set(wording) == set(ApplicationEvent.Action.values)
    for action, words in wording.items():
        assert words.staff == ApplicationEvent.Action(action).label
        assert words.applicant or not words.applicant_reads_message


def test_each_transition_starts_only_from_the_states_in_the_one_map(db):
    """Forms and views ask `vetting.TRANSITIONS`; the transitions obey it: from every
    state outside its map a transition raises, and the decisions offered on the review
    page are exactly those whose transitions may start from the status."""
    from members.forms.review import decisions_for

    for status in Status.values:
        offered = {d.action for d in decisions_for(status)}
        expected = {
            action
            for action, transitions in {
                "approve": ("approve", "reinstate"),
                "request_changes": ("request_changes",),
                "reject": ("reject",),
                "suspend": ("suspend",),
            }.items()
            if any(vetting.can(name, status) for name in transitions)
        }
        assert offered == expected
    assert vetting.starts_from("suspend") == frozenset(Status.values) - {Status.SUSPENDED}
    assert vetting.starts_from("approve", "reinstate") == {
        Status.SUBMITTED,
        Status.RESUBMITTED,
        Status.LAPSED,
    }
