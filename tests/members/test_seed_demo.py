"""Members' demo module (members/demo/): deterministic, believable, bulk-loaded."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from hive.demo import DEMO_LOGINS, DEMO_PASSWORD, DemoContext
from members import demo
from members.demo import DEMO_DOMAIN, seed_community
from members.models import (
    Application,
    ApplicationEvent,
    Profile,
    Reference,
    Term,
    User,
    Vouch,
)
from members.validators import validate_npi
from members.vetting import missing_for_submission

Status = Application.Status


def _snapshot():
    return list(
        Profile.objects.order_by("user__email").values_list(
            "user__email", "handle", "display_name", "city", "profession__slug", "latitude"
        )
    )


def _applications_snapshot():
    return (
        list(
            Application.objects.order_by("user__email").values_list(
                "user__email", "status", "legal_name", "license_number", "license_expiry", "npi"
            )
        ),
        sorted(Reference.objects.values_list("application__user__email", "position", "email")),
        sorted(ApplicationEvent.objects.values_list("application__user__email", "action", "actor")),
    )


def test_same_seed_gives_the_same_community(db):
    seed_community(members=40, seed=7)
    first = _snapshot()
    first_terms = sorted(Profile.terms.through.objects.values_list("profile__handle", "term__slug"))
    first_applications = _applications_snapshot()
    User.objects.all().delete()
    seed_community(members=40, seed=7)
    assert _snapshot() == first
    assert (
        sorted(Profile.terms.through.objects.values_list("profile__handle", "term__slug"))
        == first_terms
    )
    # Actor ids differ between runs; everything else about the applications is the same.
    again = _applications_snapshot()
    assert again[:2] == first_applications[:2]
    assert [e[:2] for e in again[2]] == [e[:2] for e in first_applications[2]]
    User.objects.all().delete()
    seed_community(members=40, seed=8)
    assert _snapshot() != first


def test_seeded_people_are_complete_and_believable(db):
    result = seed_community(members=200, seed=1)
    people = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
    assert people.count() == 200
    assert result.members + result.applicants + result.lapsed == 200
    assert result.applicants > 0 and result.members > 150
    # Every account can log in: verified primary email.
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 203
    profile = Profile.objects.select_related("profession").filter(user__in=people).first()
    assert profile.profession.kind == Term.Kind.PROFESSION
    assert profile.credential_tier and profile.credentials and profile.bio
    assert -90 <= profile.latitude <= 90 and -180 <= profile.longitude <= 180
    kinds = set(profile.terms.values_list("kind", flat=True))
    assert {"specialty", "modality", "population", "language"} <= kinds
    # Applicants get a profile only once approved.
    assert not Profile.objects.filter(user__membership_status=User.Status.APPLICANT).exists()
    assert Profile.objects.values("handle").distinct().count() == Profile.objects.count()


def test_seeded_people_live_in_their_citys_time_zone(db):
    seed_community(members=200, seed=1)
    people = Profile.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}")
    zones = dict(people.values_list("region", "user__timezone").distinct())
    assert "UTC" not in set(people.values_list("user__timezone", flat=True))
    expected = {"VA": "America/New_York", "IL": "America/Chicago", "CA": "America/Los_Angeles"}
    for state, zone in expected.items():
        assert set(people.filter(region=state).values_list("user__timezone", flat=True)) == {zone}
    assert len(set(zones.values())) >= 4  # the community spans the country's zones


def test_demo_logins_work_with_the_printed_password(client, db):
    seed_community(members=5, seed=1)
    staff = User.objects.get(email=DEMO_LOGINS["staff"])
    assert staff.is_staff and staff.check_password(DEMO_PASSWORD)
    response = client.post(
        "/accounts/login/", {"login": DEMO_LOGINS["member"], "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/"
    assert User.objects.get(email=DEMO_LOGINS["applicant"]).role == "applicant"


def test_seed_leaves_its_people_and_logins_for_the_apps_after_it(db):
    context = DemoContext(members=30, seed=4)
    demo.seed(context)
    with_profile = User.objects.filter(profile__isnull=False).order_by("pk")
    assert context.people == list(with_profile.values_list("pk", flat=True))
    assert context.login_ids == {
        role: User.objects.get(email=email).pk for role, email in DEMO_LOGINS.items()
    }
    assert context.login_ids["applicant"] not in context.people
    assert "members" in context.summary[0]
    assert demo.loaded(context)
    real = User.objects.create_user(email="real.person@example.com", password="x" * 12)
    assert demo.clear(context) > User.objects.count()  # their profiles and the rest went too
    assert list(User.objects.all()) == [real]
    assert not demo.loaded(context)


def test_every_member_has_the_application_that_let_them_in(db):
    seed_community(members=300, seed=1)
    today = timezone.localdate()
    staff = User.objects.get(email=DEMO_LOGINS["staff"])
    members = User.objects.filter(membership_status=User.Status.MEMBER, is_staff=False)
    approved = Application.objects.filter(status=Status.APPROVED)
    assert approved.count() == members.count()
    assert not members.filter(application__isnull=True).exists()
    assert not approved.filter(license_expiry__lte=today).exists()
    expiring = approved.filter(license_expiry__lte=today + timedelta(days=30)).count()
    assert 0 < expiring < approved.count() / 10  # a few, not many
    assert approved.filter(license_expiry__gt=today + timedelta(days=365)).exists()
    assert not approved.exclude(license_verified_by=staff).exists()
    one = approved.select_related("user__profile").first()
    assert one.submitted_at < one.decided_at and one.user.date_joined <= one.submitted_at
    assert one.decided_at == one.user.profile.created_at
    assert list(one.events.values_list("action", flat=True)) == [
        "submitted",
        "license_verified",
        "approved",
    ]
    # Lapsed members' licenses have expired; some sent a renewed one to re-verify.
    lapsed = Application.objects.filter(status=Status.LAPSED)
    assert lapsed.count() == User.objects.filter(membership_status=User.Status.LAPSED).count()
    assert lapsed.filter(renewal_submitted_at__isnull=True, license_expiry__lt=today).exists()


def test_a_handful_of_complete_applications_wait_for_review(db):
    result = seed_community(members=300, seed=2026)
    now = timezone.now()
    in_review = Application.objects.filter(
        status__in=[Status.SUBMITTED, Status.RESUBMITTED, Status.CHANGES_REQUESTED]
    )
    assert 5 <= in_review.count() <= 8
    waiting = in_review.exclude(status=Status.CHANGES_REQUESTED)
    assert result.pending_applications == waiting.count()
    assert {Status.SUBMITTED, Status.RESUBMITTED, Status.CHANGES_REQUESTED} == set(
        in_review.values_list("status", flat=True)
    )
    ages = [(now - a.submitted_at).days for a in waiting]
    assert min(ages) >= 1 and max(ages) <= 6
    assert any(age >= 2 for age in ages) and any(age < 2 for age in ages)
    for application in in_review.select_related("user"):
        assert application.user.membership_status == User.Status.APPLICANT
        assert missing_for_submission(application) == {}
        if application.npi:
            validate_npi(application.npi)
        references = list(application.references.all())
        assert [r.position for r in references] == [1, 2]
        assert all(r.email.endswith("@example.org") for r in references)
        assert all(r.responded_at is None or r.responded_at < now for r in references)
        history = list(application.events.values_list("action", flat=True))
        assert history[0] == "submitted"
        assert all(e.created_at <= now for e in application.events.all())
    assert Reference.objects.filter(
        application__in=in_review, status=Reference.Status.CONFIRMED
    ).exists()
    asked = in_review.get(status=Status.CHANGES_REQUESTED)
    assert asked.staff_message
    assert asked.events.filter(action="changes_requested", message=asked.staff_message).exists()
    assert Vouch.objects.filter(
        application__in=in_review, member__email=DEMO_LOGINS["member"]
    ).exists()
    # The demo applicant login is left to fill in a draft of their own.
    assert not Application.objects.filter(user__email=DEMO_LOGINS["applicant"]).exists()


def test_open_requests_come_with_their_notifications(client, db):
    """Issue 18: the demo made requests without notifications, so the notification
    center said "Nothing here yet" while four requests waited."""
    from members.models import Connection
    from notifications.models import Notification

    seed_community(members=40, seed=7)
    member = User.objects.get(email=DEMO_LOGINS["member"])
    waiting = (
        Connection.objects.involving(member)
        .filter(status=Connection.Status.REQUESTED)
        .exclude(requested_by=member)
    )
    assert waiting.exists()
    notices = Notification.objects.filter(recipient=member, kind="connection_request")
    assert sorted(n.key for n in notices) == sorted(f"connection_request:{c.pk}" for c in waiting)
    every_open = Connection.objects.filter(status=Connection.Status.REQUESTED).count()
    assert Notification.objects.filter(kind="connection_request").count() == every_open
    # …and the member can answer them where they are shown.
    client.force_login(member)
    page = client.get("/notifications/").content.decode()
    first = waiting.select_related("requested_by__profile").first()
    assert f"/members/{first.requested_by.profile.handle}/accept/" in page
