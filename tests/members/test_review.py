"""Staff review (/review/): the queue and its filters, one application, decisions through
the views, the license checklist, the daily digest, and who may do any of it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import vetting
from members.models import (
    Application,
    AuditEvent,
    Profile,
    Reference,
    User,
    Vouch,
)
from notifications.models import Notification
from tests.members.application_factories import ApplicationFactory
from tests.members.factories import MemberFactory, ProfileFactory, StaffFactory, UserFactory

Status = Application.Status
QUEUE = "/review/"


def with_2fa(user: User) -> User:
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


@pytest.fixture
def reviewer(db):
    """Staff with two-factor on, and a member name to be recognised by."""
    staff = with_2fa(StaffFactory())
    ProfileFactory(user=staff, display_name="Robin Staff")
    return staff


@pytest.fixture
def staff_client(client, reviewer):
    client.force_login(reviewer)
    return client


def detail_url(application: Application) -> str:
    return reverse("members:review_detail", args=[application.pk])


def decide_url(application: Application) -> str:
    return reverse("members:review_decide", args=[application.pk])


def verify_url(application: Application) -> str:
    return reverse("members:review_verify_license", args=[application.pk])


def listed(response) -> list[int]:
    return [application.pk for application in response.context["page"].object_list]


# --- The queue ----------------------------------------------------------------------------


def test_queue_shows_waiting_applications_oldest_first(staff_client):
    newest = ApplicationFactory(age_days=1)
    oldest = ApplicationFactory(age_days=5)
    middle = ApplicationFactory(age_days=3)
    resubmitted = ApplicationFactory(age_days=2, status=Status.RESUBMITTED)
    ApplicationFactory(draft=True)
    ApplicationFactory(approved=True, age_days=9)
    ApplicationFactory(status=Status.CHANGES_REQUESTED, age_days=8)

    response = staff_client.get(QUEUE)

    assert response.status_code == 200
    assert listed(response) == [oldest.pk, middle.pk, resubmitted.pk, newest.pk]


def test_each_row_says_who_what_where_when_and_how_far_along(staff_client, reviewer):
    application = ApplicationFactory(
        age_days=3,
        legal_name="Maria Elena Reyes",
        display_name="Maria Reyes",
        license_jurisdiction="OR",
        credential_tier=Profile.Tier.ASSOCIATE,
        supervisor_name="Dr. Lee",
        references=[Reference.Status.CONFIRMED, Reference.Status.PENDING],
    )
    Vouch.objects.create(application=application, member=MemberFactory(), note="Colleague")
    vetting.license_mark_verified(application=application, reviewer=reviewer, note="OR board")

    html = staff_client.get(QUEUE).content.decode()

    assert "Maria Elena Reyes" in html and "goes by Maria Reyes" in html
    assert application.profession.label in html and "Pre-licensed associate" in html
    assert 'title="Oregon">OR</abbr>' in html
    assert "3 days waiting" in html  # more than two days: flagged
    assert "1/2 confirmed" in html
    assert '<span class="cell-sub">1 vouch</span>' in html
    assert '<span class="badge badge-success">Yes</span>' in html
    assert "Submitted</span>" in html  # the status badge
    assert detail_url(application) in html


@pytest.mark.parametrize(
    "choice, expected",
    [
        ("waiting", {"submitted", "resubmitted"}),
        ("changes_requested", {"changes_requested"}),
        ("approved", {"approved"}),
        ("rejected", {"rejected"}),
        ("lapsed", {"lapsed", "lapsed_renewed"}),
        ("renewal", {"lapsed_renewed"}),
        ("suspended", {"suspended"}),
        ("draft", {"draft"}),
        (
            "all",
            {
                "submitted",
                "resubmitted",
                "changes_requested",
                "approved",
                "rejected",
                "lapsed",
                "lapsed_renewed",
                "suspended",
            },
        ),
    ],
)
def test_status_filter(staff_client, choice, expected):
    made = {status: ApplicationFactory(status=status, age_days=4) for status in Status.values}
    made["draft"] = Application.objects.get(status=Status.DRAFT)
    made["lapsed_renewed"] = ApplicationFactory(
        status=Status.LAPSED, age_days=30, renewal_submitted_at=timezone.now() - timedelta(days=1)
    )
    response = staff_client.get(QUEUE, {"status": choice})
    assert set(listed(response)) == {made[name].pk for name in expected}


def test_lapsed_rows_show_when_a_renewed_license_was_sent(staff_client):
    ApplicationFactory(
        status=Status.LAPSED,
        renewal_submitted_at=datetime(2026, 3, 4, 15, tzinfo=UTC),
        age_days=400,
    )
    html = staff_client.get(QUEUE, {"status": "lapsed"}).content.decode()
    assert "Renewal sent" in html and "Mar 4" in html


def test_age_filter(staff_client):
    fresh = ApplicationFactory(age_days=1)
    three = ApplicationFactory(age_days=3)
    eight = ApplicationFactory(age_days=8)
    assert listed(staff_client.get(QUEUE)) == [eight.pk, three.pk, fresh.pk]
    assert listed(staff_client.get(QUEUE, {"age": "2"})) == [eight.pk, three.pk]
    assert listed(staff_client.get(QUEUE, {"age": "7"})) == [eight.pk]


def test_jurisdiction_and_tier_filters_combine(staff_client):
    ca_licensed = ApplicationFactory(license_jurisdiction="CA")
    ca_peer = ApplicationFactory(license_jurisdiction="CA", credential_tier=Profile.Tier.PEER)
    ny_peer = ApplicationFactory(license_jurisdiction="NY", credential_tier=Profile.Tier.PEER)
    assert set(listed(staff_client.get(QUEUE, {"jurisdiction": "CA"}))) == {
        ca_licensed.pk,
        ca_peer.pk,
    }
    assert set(listed(staff_client.get(QUEUE, {"tier": "peer"}))) == {ca_peer.pk, ny_peer.pk}
    assert listed(staff_client.get(QUEUE, {"jurisdiction": "CA", "tier": "peer"})) == [ca_peer.pk]


def test_an_unknown_filter_value_falls_back_without_losing_the_others(staff_client):
    ca = ApplicationFactory(license_jurisdiction="CA")
    ApplicationFactory(license_jurisdiction="NY")
    response = staff_client.get(QUEUE, {"status": "nonsense", "jurisdiction": "CA", "age": "x"})
    assert response.status_code == 200
    assert listed(response) == [ca.pk]
    assert response.context["filters"]["status"] == "waiting"


def test_the_filter_form_works_without_javascript_and_keeps_real_links(staff_client):
    for _ in range(26):
        ApplicationFactory(license_jurisdiction="CA")
    html = staff_client.get(QUEUE, {"jurisdiction": "CA"}).content.decode()
    assert '<form method="get" action="/review/"' in html
    assert 'hx-get="/review/"' in html and 'hx-push-url="true"' in html
    # The next page link keeps the filters, as a real href and for htmx alike.
    assert 'href="/review/?jurisdiction=CA&amp;page=2"' in html
    assert 'hx-get="/review/?jurisdiction=CA&amp;page=2"' in html


def test_pagination_is_25_a_page_in_a_stable_order(staff_client):
    same_moment = timezone.now() - timedelta(days=1)
    made = [ApplicationFactory(submitted_at=same_moment) for _ in range(30)]
    first = staff_client.get(QUEUE)
    second = staff_client.get(QUEUE, {"page": 2})
    assert len(listed(first)) == 25 and len(listed(second)) == 5
    # Ties on the submission time are broken by id, so no row is shown twice or lost.
    assert listed(first) + listed(second) == sorted(a.pk for a in made)
    assert listed(staff_client.get(QUEUE, {"page": 99})) == listed(second)


def _queue_queries(client, count: int) -> int:
    Application.objects.all().delete()
    member = MemberFactory()
    for n in range(count):
        application = ApplicationFactory(
            age_days=n % 9,
            references=[Reference.Status.CONFIRMED, Reference.Status.PENDING],
            status=Status.RESUBMITTED if n % 3 else Status.SUBMITTED,
        )
        Vouch.objects.create(application=application, member=member)
    client.get(QUEUE)  # the first request of a session also records the session (allauth)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)
    return len(captured)


def test_queue_query_budget_does_not_grow_with_the_rows(
    staff_client, django_assert_max_num_queries
):
    few = _queue_queries(staff_client, 5)
    many = _queue_queries(staff_client, 30)
    assert few == many
    # Per request: session, user, allauth's session record (4) and the nav badge; the
    # queue itself is a count, one page of rows with its counts, and the summary line.
    with django_assert_max_num_queries(11):
        staff_client.get(QUEUE, {"status": "all"})


def test_htmx_gets_only_the_results_region(staff_client):
    application = ApplicationFactory()
    response = staff_client.get(QUEUE, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="review-results"')
    assert "<html" not in html and detail_url(application) in html
    assert "HX-Request" in response["Vary"]
    # Back-button history restores need the whole page.
    restore = staff_client.get(
        QUEUE, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


def test_a_page_link_hands_focus_to_the_next_page_of_the_queue(staff_client):
    ApplicationFactory.create_batch(26)  # two pages of 25
    first = staff_client.get(QUEUE).content.decode()
    assert 'id="page-next"' in first
    for trigger, focused in (("page-next", True), ("id_status", False)):
        html = staff_client.get(
            QUEUE, {"page": 2}, headers={"HX-Request": "true", "HX-Trigger": trigger}
        ).content.decode()
        heading = html.split('id="results-heading"', 1)[1].split(">", 1)[0]
        assert ("autofocus" in heading) is focused, trigger
    assert 'id="page-previous"' in html


def test_an_empty_queue_says_so_kindly(staff_client):
    html = staff_client.get(QUEUE).content.decode()
    assert "Nothing is waiting for review" in html


def test_staff_navigation_links_to_the_queue(staff_client, client):
    html = staff_client.get(QUEUE).content.decode()
    assert '<a href="/review/" aria-current="page">Review</a>' in html


# --- One application ----------------------------------------------------------------------


def test_unknown_application_is_404(staff_client):
    assert staff_client.get("/review/999999/").status_code == 404


def test_detail_shows_everything_entered_references_vouches_and_history(staff_client, reviewer):
    application = ApplicationFactory(
        legal_name="Maria Elena Reyes",
        display_name="Maria Reyes",
        pronouns="she/they",
        license_type="LCSW",
        license_number="LCS 80123",
        license_jurisdiction="CA",
        npi="1234567893",
        city="Oakland",
        why_join="Private practice is lonely.\nI want a consultation group.",
        references=[Reference.Status.CONFIRMED, Reference.Status.DECLINED],
    )
    first, second = application.references.all()
    first.comment = "Supervised her for two years."
    first.save()
    voucher = MemberFactory(profile__display_name="Dana Okafor")
    vetting.vouch_create(application=application, member=voucher, note="We co-led a DBT group.")

    html = staff_client.get(detail_url(application)).content.decode()

    for text in [
        "Maria Elena Reyes",
        "Maria Reyes",
        "she/they",
        application.user.email,
        application.profession.label,
        "Licensed clinician",
        "LCSW · LCS 80123",
        "California (CA)",
        "1234567893",
        "Solo private practice",
        "Oakland",
        "Private practice is lonely.<br>I want a consultation group.",
        first.name,
        first.email,
        first.relationship,
        "Supervised her for two years.",
        "Confirmed",
        second.name,
        "Declined",
        "Dana Okafor",
        "We co-led a DBT group.",
        "Submitted the application",
        "Vouched for the applicant",
        "1 of 2 references confirmed, and 1 vouch from members",
    ]:
        assert text in html, text
    # A confirmed reference plus a vouch are two professional word-of-mouths.
    assert response_checklist_done(html, "References confirmed")


def response_checklist_done(html: str, title: str) -> bool:
    return re.search(r'badge-success">Done</span>\s*' + re.escape(title), html) is not None


def test_detail_query_budget_does_not_grow_with_vouches_and_history(staff_client, reviewer):
    counts = []
    for vouchers in (0, 6):
        application = ApplicationFactory()
        for _ in range(vouchers):
            vetting.vouch_create(application=application, member=MemberFactory(), note="Yes")
            vetting.license_mark_verified(application=application, reviewer=reviewer, note="ok")
        staff_client.get(detail_url(application))
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(detail_url(application)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_review_link_stays_current_on_an_application(staff_client):
    html = staff_client.get(detail_url(ApplicationFactory())).content.decode()
    assert '<a href="/review/" aria-current="page">Review</a>' in html


def test_history_is_shown_in_the_staff_members_time_zone(client, reviewer):
    reviewer.timezone = "America/Chicago"
    reviewer.save(update_fields=["timezone"])
    client.force_login(reviewer)
    application = ApplicationFactory(submitted_at=datetime(2026, 1, 15, 18, 30, tzinfo=UTC))
    html = client.get(detail_url(application)).content.decode()
    assert "Jan 15, 2026, 12:30 PM CST" in html
    assert "America/Chicago" in html


@pytest.mark.parametrize(
    "status, buttons",
    [
        (Status.SUBMITTED, ["Approve", "Request changes", "Reject", "Suspend"]),
        (Status.RESUBMITTED, ["Approve", "Request changes", "Reject", "Suspend"]),
        (Status.CHANGES_REQUESTED, ["Suspend"]),
        (Status.APPROVED, ["Suspend"]),
        (Status.REJECTED, ["Suspend"]),
        (Status.LAPSED, ["Reinstate", "Suspend"]),
        (Status.SUSPENDED, []),
    ],
)
def test_only_decisions_valid_for_the_status_are_offered(staff_client, status, buttons):
    application = ApplicationFactory(status=status)
    response = staff_client.get(detail_url(application))
    offered = [item["decision"].title for item in response.context["decisions"]]
    summaries = [
        line.split("<summary>")[1].split("</summary>")[0]
        for line in response.content.decode().splitlines()
        if "<summary>" in line
    ]
    assert summaries == buttons
    assert len(offered) == len(buttons)
    if not buttons:
        assert "No decision can start from" in response.content.decode()


def test_without_two_factor_the_page_is_readable_but_decisions_are_disabled(client, db):
    staff = StaffFactory()
    client.force_login(staff)
    application = ApplicationFactory()
    response = client.get(detail_url(application))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Two-factor authentication is needed to decide" in html
    assert reverse("mfa_index") in html
    assert html.count('<fieldset class="fieldset-plain" disabled') == 4


# --- Decisions ----------------------------------------------------------------------------


def test_approve_makes_a_member_with_a_profile_and_tells_them(
    staff_client, reviewer, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(display_name="Maria Reyes")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            decide_url(application), {"action": "approve", "approve-message": "Welcome!"}
        )
    assert response.status_code == 302 and response.url == detail_url(application) + "#top"
    application.refresh_from_db()
    assert application.status == Status.APPROVED and application.decided_at
    user = User.objects.get(pk=application.user_id)
    assert user.membership_status == User.Status.MEMBER and user.is_member
    assert Profile.objects.get(user=user).display_name == "Maria Reyes"
    event = application.events.last()
    assert (event.action, event.actor, event.message) == ("approved", reviewer, "Welcome!")
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "approved" in mail.outbox[0].subject.lower() or "welcome" in mail.outbox[0].body.lower()
    assert AuditEvent.objects.filter(subject=user, actor=reviewer).exists()
    page = staff_client.get(response.url).content.decode()
    assert "Approved: Maria Reyes is now a member" in page
    assert "Robin Staff</strong>: Approved" in page


def test_request_changes_sends_the_message_and_keeps_it(
    staff_client, reviewer, django_capture_on_commit_callbacks
):
    application = ApplicationFactory()
    message = "Please add the name of your supervisor."
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            decide_url(application),
            {"action": "request_changes", "request_changes-message": message},
            follow=True,
        )
    application.refresh_from_db()
    assert application.status == Status.CHANGES_REQUESTED
    assert application.staff_message == message
    assert application.events.last().action == "changes_requested"
    assert len(mail.outbox) == 1 and message in mail.outbox[0].body
    assert "Changes requested:" in response.content.decode()
    assert "Waiting for the applicant" in response.content.decode()


def test_the_plain_text_email_keeps_the_reviewers_words_as_typed(
    staff_client, reviewer, django_capture_on_commit_callbacks
):
    application = ApplicationFactory()
    message = "Please add your supervisor's name & license number."
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            decide_url(application),
            {"action": "request_changes", "request_changes-message": message},
        )
    assert message in mail.outbox[0].body


def test_reject_records_the_reason_and_emails_it(
    staff_client, reviewer, django_capture_on_commit_callbacks
):
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            decide_url(application),
            {"action": "reject", "reject-message": "We could not verify the license."},
        )
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    event = application.events.last()
    assert (event.action, event.from_status, event.to_status) == (
        "rejected",
        "submitted",
        "rejected",
    )
    assert event.message == "We could not verify the license."
    assert "We could not verify the license." in mail.outbox[0].body
    assert User.objects.get(pk=application.user_id).membership_status == User.Status.APPLICANT


def test_suspend_takes_an_approved_member_out(staff_client, reviewer):
    application = ApplicationFactory(approved=True)
    staff_client.post(
        decide_url(application), {"action": "suspend", "suspend-message": "Harassment report."}
    )
    application.refresh_from_db()
    assert application.status == Status.SUSPENDED
    assert User.objects.get(pk=application.user_id).membership_status == User.Status.SUSPENDED
    assert application.events.last().message == "Harassment report."


def test_reinstating_a_lapsed_member_after_a_renewal(staff_client, reviewer):
    application = ApplicationFactory(
        approved=True, status=Status.LAPSED, renewal_submitted_at=timezone.now()
    )
    page = staff_client.get(detail_url(application)).content.decode()
    assert "A renewed license is waiting" in page
    # Not before the renewed license was looked up …
    refused = staff_client.post(decide_url(application), {"action": "approve"})
    assert "Look up the renewed license before reinstating." in refused.content.decode()
    application.refresh_from_db()
    assert application.status == Status.LAPSED
    # … then yes.
    staff_client.post(verify_url(application), {"note": "Renewed license active on the board."})
    response = staff_client.post(decide_url(application), {"action": "approve"}, follow=True)
    application.refresh_from_db()
    assert application.status == Status.APPROVED and application.renewal_submitted_at is None
    assert application.events.last().action == "reinstated"
    assert "Reinstated:" in response.content.decode()


@pytest.mark.parametrize(
    "action, error",
    [
        ("reject", "Give the applicant a reason."),
        ("request_changes", "Tell the applicant what to change."),
        ("suspend", "Record why the account is suspended."),
    ],
)
def test_a_reason_is_required_and_the_form_comes_back_with_the_error(staff_client, action, error):
    application = ApplicationFactory()
    events = application.events.count()
    response = staff_client.post(
        decide_url(application), {"action": action, f"{action}-message": "  "}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    # The error sits in the form that was sent, which is open; the others stay closed.
    assert f'id="decide-{action}" open' in html
    assert html.count("open>") == 1
    assert 'aria-invalid="true"' in html
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.events.count() == events


def test_a_decision_that_lost_the_race_says_who_won(client, reviewer, db):
    application = ApplicationFactory()
    other = with_2fa(StaffFactory())
    ProfileFactory(user=other, display_name="Sam Colleague")
    vetting.application_approve(application=application, reviewer=other, note="")
    client.force_login(reviewer)

    response = client.post(
        decide_url(application),
        {"action": "reject", "reject-message": "Not a fit."},
        follow=True,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "This application is already approved: Sam Colleague changed it on" in html
    assert "Your decision was not recorded." in html
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert not application.events.filter(action="rejected").exists()


def test_suspending_twice_is_a_friendly_message_not_an_error(staff_client, reviewer):
    application = ApplicationFactory(status=Status.SUSPENDED)
    response = staff_client.post(
        decide_url(application), {"action": "suspend", "suspend-message": "again"}, follow=True
    )
    assert response.status_code == 200
    assert "already suspended" in response.content.decode()


def test_staff_without_two_factor_cannot_decide_and_is_told_how_to_fix_it(client, db):
    staff = StaffFactory()
    client.force_login(staff)
    application = ApplicationFactory()
    response = client.post(
        decide_url(application),
        {"action": "request_changes", "request_changes-message": "Please fix the NPI."},
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your decision was not recorded" in html
    assert f'href="{reverse("mfa_index")}"' in html
    assert "Please fix the NPI." in html  # what they typed is kept
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not application.events.filter(action="changes_requested").exists()
    assert len(mail.outbox) == 0


def test_an_unknown_action_is_a_bad_request(staff_client):
    application = ApplicationFactory()
    response = staff_client.post(decide_url(application), {"action": "delete"})
    assert response.status_code == 400


def test_deciding_is_post_only(staff_client):
    application = ApplicationFactory()
    assert staff_client.get(decide_url(application)).status_code == 405
    verify = reverse("members:review_verify_license", args=[application.pk])
    assert staff_client.get(verify).status_code == 405


# --- License checklist --------------------------------------------------------------------


def test_license_check_records_who_when_and_what(staff_client, reviewer):
    application = ApplicationFactory()
    url = reverse("members:review_verify_license", args=[application.pk])
    before = timezone.now()
    response = staff_client.post(url, {"note": "https://search.dca.ca.gov/ active, no discipline"})
    assert response.status_code == 302
    assert response.url == detail_url(application) + "#checklist"
    application.refresh_from_db()
    assert application.license_verified_by == reviewer
    assert application.license_verified_at >= before
    assert application.license_verification_note.startswith("https://search.dca.ca.gov/")
    event = application.events.last()
    assert (event.action, event.actor) == ("license_verified", reviewer)
    html = staff_client.get(detail_url(application)).content.decode()
    assert "By Robin Staff on" in html
    assert "Looked the license up on the board&#x27;s site" in html
    assert response_checklist_done(html, "License looked up on the board's site")


def test_license_check_needs_a_note(staff_client):
    application = ApplicationFactory()
    url = reverse("members:review_verify_license", args=[application.pk])
    response = staff_client.post(url, {"note": ""})
    assert response.status_code == 200
    assert "Note where you looked the license up" in response.content.decode()
    application.refresh_from_db()
    assert application.license_verified_at is None


# --- The daily digest ---------------------------------------------------------------------


def test_digest_tells_each_staff_member_once_a_day(reviewer, django_capture_on_commit_callbacks):
    second = StaffFactory()
    StaffFactory(is_active=False)
    ApplicationFactory(age_days=3)
    ApplicationFactory(age_days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert vetting.review_queue_digest() == 2
        vetting.review_queue_digest()  # a retried or duplicated run
    notes = Notification.objects.filter(kind="review_queue")
    assert sorted(notes.values_list("recipient", flat=True)) == sorted([reviewer.pk, second.pk])
    assert notes.first().context["count"] == 1
    assert notes.first().url == QUEUE
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reviewer.email, second.email])
    # The next day is a new digest.
    vetting.review_queue_digest(now=timezone.now() + timedelta(days=1))
    assert notes.count() == 4


def test_no_digest_when_nothing_waits_more_than_two_days(reviewer):
    ApplicationFactory(age_days=1)
    ApplicationFactory(status=Status.CHANGES_REQUESTED, age_days=9)
    ApplicationFactory(draft=True)
    assert vetting.review_queue_digest() == 0
    assert not Notification.objects.filter(kind="review_queue").exists()


# --- Who may do what ----------------------------------------------------------------------

ROLES = {
    "visitor": None,
    "applicant": lambda: UserFactory(membership_status=User.Status.APPLICANT),
    "member": MemberFactory,
    "staff_without_2fa": StaffFactory,
    "staff": lambda: with_2fa(StaffFactory()),
}


def _as(client, role):
    make = ROLES[role]
    if make is not None:
        client.force_login(make())
    return client


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/review/"),
        ("get", "/review/{id}/"),
        ("post", "/review/{id}/decide/"),
        ("post", "/review/{id}/verify-license/"),
    ],
)
def test_review_urls_by_role(client, db, role, method, url):
    application = ApplicationFactory()
    path = url.format(id=application.pk)
    data = {"action": "approve"} if "decide" in path else {"note": "checked the board"}
    response = getattr(_as(client, role), method)(path, data if method == "post" else None)
    application.refresh_from_db()
    if role == "visitor":
        assert _is_login_redirect(response)
    elif role in ("applicant", "member"):
        assert response.status_code == 403
    elif role == "staff_without_2fa" and "decide" in path:
        assert response.status_code == 403  # readable, but no decision without 2FA
    elif method == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
    decided = application.status == Status.APPROVED
    assert decided == (role == "staff" and "decide" in path)
    verified = application.license_verified_at is not None
    assert verified == (role in ("staff", "staff_without_2fa") and "verify" in path)


@pytest.mark.parametrize("role", list(ROLES))
def test_unknown_application_by_role(client, db, role):
    response = _as(client, role).get("/review/999999/")
    expected = {"visitor": 302, "applicant": 403, "member": 403}.get(role, 404)
    assert response.status_code == expected


@pytest.mark.parametrize("path", ["/apply/", "/apply/renewal/", "/apply/vouch/{id}/"])
def test_applicant_pages_send_visitors_to_log_in(client, db, path):
    application = ApplicationFactory()
    assert _is_login_redirect(client.get(path.format(id=application.pk)))


@pytest.mark.parametrize("role", list(ROLES))
def test_a_forged_reference_link_is_404_for_everyone(client, db, role):
    response = _as(client, role).get("/apply/references/not-a-real-token/")
    assert response.status_code == 404


def test_detail_names_staff_who_have_no_member_profile(client, db):
    """Regression: a decision by staff without a profile made the detail page a 500."""
    staff = with_2fa(StaffFactory(email="moderator@example.com"))
    application = ApplicationFactory()
    client.force_login(staff)
    client.post(
        decide_url(application),
        {"action": "request_changes", "request_changes-message": "Add your NPI."},
    )
    response = client.get(detail_url(application))
    assert response.status_code == 200
    assert "moderator@example.com" in response.content.decode()
