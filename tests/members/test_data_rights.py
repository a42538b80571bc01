"""A member's data pages: the export (/me/data/ and its one-time link), deleting the
account (/me/delete/), the grace period's cancel page, and the security findings
closed with them (sign-up timing, the admin)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members import data_rights
from members.models import AuditEvent, DataExport, Profile, User
from notifications.models import Notification
from tests.members.factories import PASSWORD, MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def reauthenticate(client, password=PASSWORD):
    """Confirm the password, as allauth asks before sensitive actions."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.content.decode()[:500]


def logged_in(client, user):
    client.force_login(user)
    return client


# --- Export ----------------------------------------------------------------------------------


def test_asking_for_an_export_needs_the_password_again(client, member):
    logged_in(client, member)
    assert client.get(reverse("members:data_export")).status_code == 200
    response = client.post(reverse("members:data_export"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not DataExport.objects.exists()


def test_export_is_built_notified_and_downloaded_once(
    client, member, django_capture_on_commit_callbacks
):
    logged_in(client, member)
    reauthenticate(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:data_export"))
    assert response.status_code == 302
    export = DataExport.objects.get(user=member)
    assert export.status == DataExport.Status.READY  # the task ran (eager in tests)
    notification = Notification.objects.get(recipient=member, kind="data_export_ready")
    assert notification.url == reverse("members:data_export")
    assert any("ready to download" in m.subject for m in mail.outbox)

    page = client.get(reverse("members:data_export")).content.decode()
    link = reverse("members:data_export_download", args=[export.pk])
    assert link in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("hive-data.json"))
    assert data["members"]["account"]["email"] == member.email
    assert data["members"]["profile"]["handle"] == member.profile.handle

    # Once: the second time is a 404, and the file is gone.
    assert client.get(link).status_code == 404
    export.refresh_from_db()
    assert export.status == DataExport.Status.DOWNLOADED
    from django.core.files.storage import default_storage

    assert not default_storage.exists(export.file_name)
    actions = set(AuditEvent.objects.filter(subject=member).values_list("action", flat=True))
    assert {Action.EXPORT_REQUESTED, Action.EXPORT_DOWNLOADED} <= actions


def ready_export(user) -> DataExport:
    export = data_rights.data_export_request(user=user)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    return export


@pytest.mark.django_db(transaction=True)
def test_the_link_is_a_404_for_anyone_else(client):
    owner, someone = MemberFactory(), MemberFactory()
    export = ready_export(owner)
    link = reverse("members:data_export_download", args=[export.pk])
    logged_in(client, someone)
    reauthenticate(client)
    assert client.get(link).status_code == 404
    client.force_login(StaffFactory())
    assert client.get(link).status_code == 404
    client.logout()
    assert client.get(link).status_code == 302  # a visitor is sent to log in
    # Still there for its owner.
    export.refresh_from_db()
    assert export.is_downloadable


@pytest.mark.django_db(transaction=True)
def test_an_expired_export_is_a_404_and_its_file_is_swept(client, media):
    owner = MemberFactory()
    export = ready_export(owner)
    path = media / export.file_name
    assert path.exists()
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(1))
    logged_in(client, owner)
    link = reverse("members:data_export_download", args=[export.pk])
    assert client.get(link).status_code == 404
    assert data_rights.data_exports_expire() == 1
    assert not path.exists()
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_building_twice_is_harmless():
    owner = MemberFactory()
    export = ready_export(owner)
    assert data_rights.data_export_build(export_id=str(export.pk)) == "skipped"
    assert Notification.objects.filter(kind="data_export_ready").count() == 1


def test_an_unknown_export_id_is_a_404(client, member):
    logged_in(client, member)
    url = reverse("members:data_export_download", args=["6f1c0a8e-0000-4000-8000-000000000000"])
    assert client.get(url).status_code == 404


# --- Deletion --------------------------------------------------------------------------------


def test_deletion_needs_the_password_and_the_typed_words(client, member):
    logged_in(client, member)
    url = reverse("members:account_delete")
    assert "delete my account" in client.get(url).content.decode()
    response = client.post(url, {"confirmation": "delete my account"})
    assert response.url.startswith(reverse("account_reauthenticate"))
    reauthenticate(client)
    response = client.post(url, {"confirmation": "yes"})
    assert response.status_code == 400
    assert "exactly" in response.content.decode()
    member.refresh_from_db()
    assert member.deletion_requested_at is None


def test_deleting_closes_the_account_at_once_and_signs_out(client, member):
    other_session = logged_in(type(client)(), member)
    logged_in(client, member)
    reauthenticate(client)
    response = client.post(
        reverse("members:account_delete"), {"confirmation": " Delete  my account "}
    )
    assert response.status_code == 302 and response.url == reverse("home")
    member.refresh_from_db()
    assert member.deletion_requested_at is not None
    assert not member.is_member
    # Invisible everywhere: out of good standing, so out of every list and profile.
    assert not Profile.objects.in_good_standing().filter(user=member).exists()
    viewer = logged_in(type(client)(), MemberFactory())
    assert viewer.get(reverse("members:profile", args=[member.profile.handle])).status_code == 404
    # This session is over.
    assert client.get(reverse("members:directory")).status_code == 302
    assert client.get("/").context["user"].is_anonymous
    assert AuditEvent.objects.filter(subject=member, action=Action.DELETION_REQUESTED).exists()
    # Another session of theirs lands on the cancel page, not in the community.
    response = other_session.get(reverse("members:directory"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("members:deletion_pending")


def test_signing_in_during_the_grace_period_offers_to_cancel(client, member):
    data_rights.account_deletion_request(user=member)
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("members:deletion_pending")
    page = response.content.decode()
    assert "Cancel the deletion" in page
    # Every member page leads back here.
    response = client.get(reverse("members:directory"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("members:deletion_pending")
    response = client.post(reverse("members:deletion_pending"))
    assert response.url == reverse("home")
    member.refresh_from_db()
    assert member.is_member
    assert client.get(reverse("members:directory")).status_code == 200
    assert AuditEvent.objects.filter(subject=member, action=Action.DELETION_CANCELLED).exists()


def test_after_erasure_signing_in_is_refused(client, member, django_capture_on_commit_callbacks):
    email = member.email
    data_rights.account_deletion_request(user=member)
    with django_capture_on_commit_callbacks(execute=True):
        data_rights.accounts_erase_due(now=timezone.now() + timedelta(days=15))
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert client.get("/").context["user"].is_anonymous


def test_the_cancel_page_sends_others_home(client, member):
    logged_in(client, member)
    assert client.get(reverse("members:deletion_pending")).url == reverse("home")
    assert client.post(reverse("members:deletion_pending")).url == reverse("home")


def test_staff_cannot_delete_their_own_account_here(client):
    staff = StaffFactory()
    logged_in(client, staff)
    reauthenticate(client)
    response = client.post(reverse("members:account_delete"), {"confirmation": "delete my account"})
    assert response.status_code == 200
    assert "administrator" in response.content.decode()
    staff.refresh_from_db()
    assert staff.deletion_requested_at is None


def test_emails_stop_for_a_closing_account_except_mandatory_ones(
    member, django_capture_on_commit_callbacks
):
    from notifications.services import notify

    data_rights.account_deletion_request(user=member)
    member.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=member, kind="connection_request", key="x:1", context={"name": "A"})
        notify(recipient=member, kind="account_security", key="x:2", context={"summary": "s"})
    statuses = dict(
        Notification.objects.filter(recipient=member).values_list("kind", "email_status")
    )
    assert statuses["connection_request"] == Notification.Email.SUPPRESSED
    assert statuses["account_security"] == Notification.Email.SENT


# --- Security findings -----------------------------------------------------------------------


NEW_PASSWORD = "a-long-new-passphrase"  # noqa: S105 - test password


class CountingHasher(MD5PasswordHasher):
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


def test_signup_hashes_a_password_for_a_taken_address_too(client, settings, member):
    """Both answers cost one password hash: timing no longer tells who is a member."""
    settings.PASSWORD_HASHERS = ["tests.members.test_data_rights.CountingHasher"]
    from django.contrib.auth.hashers import get_hashers

    get_hashers.cache_clear()
    try:
        counts = {}
        for email in ("brand.new@example.com", member.email):
            CountingHasher.calls = 0
            response = client.post(
                reverse("account_signup"),
                {
                    "email": email,
                    "password1": "a-long-new-passphrase",
                    "password2": "a-long-new-passphrase",
                },
            )
            assert response.status_code == 302
            counts[email] = CountingHasher.calls
        assert counts["brand.new@example.com"] == counts[member.email] == 1
        assert User.objects.filter(email__iexact=member.email).count() == 1
    finally:
        get_hashers.cache_clear()


def two_factor(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    return user


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (lambda: StaffFactory(), 302),  # staff without the superuser role: to the login page
        (lambda: two_factor(StaffFactory()), 302),
        (lambda: StaffFactory(is_superuser=True), 302),  # a superuser without 2FA
        (lambda: two_factor(StaffFactory(is_superuser=True)), 200),
    ],
)
def test_admin_is_for_superusers_with_two_factor_only(client, make, status):
    user = make()
    client.force_login(user)
    response = client.get(reverse("admin:members_user_change", args=[user.pk]))
    assert response.status_code == status
    if status == 200:
        return
    # Nor can they change anyone's status or staff role through it.
    target = MemberFactory()
    client.post(
        reverse("admin:members_user_change", args=[target.pk]),
        {"email": target.email, "membership_status": "suspended", "is_staff": "on"},
    )
    target.refresh_from_db()
    assert target.membership_status == User.Status.MEMBER and not target.is_staff


def test_private_answers_and_relationships_are_not_in_the_admin(client):
    from django.contrib import admin

    from matching.models import Answer, Dismissal
    from members.models import DualRelationship

    for model in (Answer, Dismissal, DualRelationship):
        assert not admin.site.is_registered(model)


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_when_asking_leaves_the_export_to_the_sweep(member, media, monkeypatch):
    from kombu.exceptions import OperationalError

    from members import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.build_data_export, "delay", broker_down)
    export = data_rights.data_export_request(user=member)  # does not raise
    export.refresh_from_db()
    assert export.status == DataExport.Status.PENDING
    monkeypatch.undo()

    assert tasks.queue_stalled_data_exports() == 0  # not yet: it may still be on its way
    DataExport.objects.filter(pk=export.pk).update(
        requested_at=timezone.now() - timedelta(minutes=11)
    )
    assert tasks.queue_stalled_data_exports() == 1  # built (eager in tests)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert Notification.objects.filter(recipient=member, kind="data_export_ready").count() == 1
    assert tasks.queue_stalled_data_exports() == 0
