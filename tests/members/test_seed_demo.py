"""`manage.py seed_demo`: deterministic, believable, bulk-loaded."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from members.demo import DEMO_DOMAIN, seed_community
from members.demo_logins import DEMO_LOGINS, DEMO_PASSWORD
from members.models import Profile, Term, User


def _snapshot():
    return list(
        Profile.objects.order_by("user__email").values_list(
            "user__email", "handle", "display_name", "city", "profession__slug", "latitude"
        )
    )


def test_same_seed_gives_the_same_community(db):
    seed_community(members=40, seed=7)
    first = _snapshot()
    first_terms = sorted(Profile.terms.through.objects.values_list("profile__handle", "term__slug"))
    User.objects.all().delete()
    seed_community(members=40, seed=7)
    assert _snapshot() == first
    assert (
        sorted(Profile.terms.through.objects.values_list("profile__handle", "term__slug"))
        == first_terms
    )
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


def test_demo_logins_work_with_the_printed_password(client, db):
    seed_community(members=5, seed=1)
    staff = User.objects.get(email=DEMO_LOGINS["staff"])
    assert staff.is_staff and staff.check_password(DEMO_PASSWORD)
    response = client.post(
        "/accounts/login/", {"login": DEMO_LOGINS["member"], "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/"
    assert User.objects.get(email=DEMO_LOGINS["applicant"]).role == "applicant"


def test_command_if_empty_and_replace(db, capsys):
    call_command("seed_demo", "--members", "10", "--seed", "3")
    assert User.objects.count() == 13
    call_command("seed_demo", "--members", "10", "--if-empty")
    assert "already loaded" in capsys.readouterr().out
    assert User.objects.count() == 13
    with pytest.raises(CommandError, match="--replace"):
        call_command("seed_demo", "--members", "10")
    call_command("seed_demo", "--members", "20", "--replace")
    assert User.objects.count() == 23


def test_command_keeps_real_accounts_on_replace(db):
    real = User.objects.create_user(email="real.person@example.com", password="x" * 12)
    call_command("seed_demo", "--members", "5")
    call_command("seed_demo", "--members", "5", "--replace")
    assert User.objects.filter(pk=real.pk).exists()


def test_command_rejects_negative_counts(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", "--members", "-1")
