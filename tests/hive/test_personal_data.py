"""The personal-data registry (hive/personal_data.py): every model that refers to a
person is registered by some app; a member who used every feature exports all of it
and, once erased, leaves no row behind but the anonymized ones."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import models
from django.urls import reverse
from django.utils import timezone

from coffee.models import CoffeeDate, Participant
from events import services as events_services
from groups import moderation as group_moderation
from groups.models import Post, Recusal, Swap
from groups.models import Rsvp as GroupRsvp
from groups.models import Session as GroupSession
from hive import personal_data
from matching import services as matching_services
from matching.models import Answer, Dismissal, MatchingChange, ValuesConsent
from members import data_rights, services
from members.models import (
    FORMER_MEMBER,
    Application,
    ApplicationEvent,
    AuditEvent,
    Block,
    CalendarToken,
    Connection,
    DataExport,
    DualRelationship,
    FollowUp,
    HandleRedirect,
    Profile,
    ReviewNote,
    Vouch,
)
from members.vetting import vouch_create
from messaging import services as messaging_services
from notifications.models import DigestEmail, Notification, Preference, Settings
from notifications.services import notify
from tests.events.factories import CeWorkshopFactory, EventFactory, RsvpFactory
from tests.groups.factories import add_member, make_group
from tests.matching.factories import AnswerFactory, first_statement
from tests.members.application_factories import ApplicationFactory
from tests.members.factories import DataExportFactory, MemberFactory, StaffFactory
from tests.members.test_photos import give_photo

pytestmark = pytest.mark.django_db

User = get_user_model()


def user_references(model) -> list[models.Field]:
    """The fields of `model` that point at the user model (FK, one-to-one, M2M)."""
    return [
        field
        for field in model._meta.get_fields()
        if field.is_relation
        and not field.auto_created
        and field.related_model is User
        and (field.many_to_one or field.one_to_one or field.many_to_many)
    ]


def models_referring_to_users() -> set[type[models.Model]]:
    """Every installed model (ours and third parties') that refers to a user; an
    auto-created M2M table counts as the model that declares the M2M."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        owner = model._meta.auto_created or model
        if user_references(model) or any(
            f.many_to_many and f.related_model is User for f in owner._meta.local_many_to_many
        ):
            found.add(owner)
    return found


def test_every_model_that_refers_to_a_person_is_registered():
    registered = personal_data.registered_models()
    missing = sorted(m._meta.label for m in models_referring_to_users() - set(registered))
    assert missing == [], (
        "Add these models to MODELS in their app's personal_data.py (delete, anonymize "
        "or keep, with why): see hive/personal_data.py"
    )
    # Third parties' models, and a few that are easy to forget, are really there.
    for model in (EmailAddress, Authenticator, UserSession, LogEntry, User, MatchingChange):
        assert model in registered


def test_registry_modules_follow_the_protocol():
    for module in personal_data._modules():
        assert callable(module.export_data) and callable(module.erase_data), module.__name__
        assert module.MODELS, module.__name__
    assert set(h for h, _ in personal_data.registered_models().values()) <= set(
        personal_data.HANDLINGS
    )


# --- A member who used everything --------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world():
    """Dana, who used every feature, and the people around her."""
    dana = MemberFactory(email="dana@example.com")
    Profile.objects.filter(user=dana).update(
        handle="dana-leaves", display_name="Dana Leaving", bio="Trauma-informed care."
    )
    dana.refresh_from_db()
    friend = MemberFactory()
    Profile.objects.filter(user=friend).update(handle="friend-stays")
    other = MemberFactory()
    applicant_member = MemberFactory()
    applicant = ApplicationFactory().user
    staff = StaffFactory()

    ApplicationFactory(user=dana, status=Application.Status.APPROVED)
    HandleRedirect.objects.create(old_handle="dana-before", profile=dana.profile)
    token = give_photo(dana)
    EmailAddress.objects.create(user=dana, email="dana.second@example.com", verified=True)
    Authenticator.objects.create(user=dana, type=Authenticator.Type.TOTP, data={"secret": "S3"})
    UserSession.objects.create(user=dana, ip="198.51.100.4", session_key="k1", user_agent="UA")
    services.audit_record(action=AuditEvent.Action.LOGIN, subject=dana)
    services.audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        subject=None,
        actor=None,
        data={"login": "Dana@Example.com"},
    )
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(dana.pk),
        object_repr="dana@example.com",
        action_flag=ADDITION,
    )
    request = services.connection_request(sender=dana, recipient=friend, note="Hello from Dana")
    services.connection_accept(connection=request, user=friend)
    Connection.objects.create(user_a=min(dana, other, key=lambda u: u.pk),
                              user_b=max(dana, other, key=lambda u: u.pk),
                              requested_by=other)  # fmt: skip
    Block.objects.create(blocker=dana, blocked=MemberFactory())
    Block.objects.create(blocker=MemberFactory(), blocked=dana)
    DualRelationship.objects.create(member=dana, other=other, kind="clinical")
    DualRelationship.objects.create(member=friend, other=dana, kind="personal")
    vouch_create(member=dana, application=applicant.application, note="I know her work")
    ReviewNote.objects.create(
        application=applicant.application, author=dana, body="Board site down; retry."
    )
    DataExportFactory(user=dana, status=DataExport.Status.DOWNLOADED, file_name="")

    matching_services.values_consent_give(member=dana)
    AnswerFactory(member=dana, statement=first_statement())
    matching_services.dismissal_create(member=dana, other=other, purpose="all", kind="never")
    matching_services.dismissal_create(member=other, other=dana, purpose="all", kind="never")
    matching_services.matching_changed(dana.pk)
    matching_services.suggestion_feedback_record(
        member=dana, other=other, purpose="coffee", verdict="yes"
    )

    notify(recipient=dana, kind="welcome", key="welcome:dana")
    Preference.objects.create(user=dana, kind="welcome", channel="in_app")
    Settings.objects.create(user=dana, digest_frequency="weekly")
    DigestEmail.objects.create(user=dana, period="2025-W01", count=2)

    CalendarToken.objects.create(user=dana)
    services.connection_tag_set(
        owner=dana,
        connection=Connection.objects.get(pk=request.pk),
        type="mentor",
        strength=2,
        importance=5,
    )
    services.follow_up_set(owner=dana, other=friend, weeks=3, source="coffee", about="Coffee")
    services.follow_up_set(owner=friend, other=dana, weeks=2, source="event")
    # Messaging: a conversation with her friend, a request to someone new, a report.
    chat = messaging_services.conversation_open(sender=dana, recipient=friend)
    messaging_services.message_send(sender=dana, conversation=chat, body="From Dana, kept")
    said = messaging_services.message_send(
        sender=friend, conversation=chat, body="Rude words from the friend"
    )
    messaging_services.message_request_send(
        sender=dana, recipient=applicant_member, purpose="coffee", body="Coffee?"
    )
    messaging_services.report_create(
        reporter=dana, reason="harassment", note="Dana's note", message=said
    )
    # Events: one she organizes (a friend going, checked in by her), one she attended
    # and has a certificate for.
    hers = EventFactory(created_by=dana, starts_at=timezone.now() - timedelta(hours=1))
    RsvpFactory(event=hers, user=friend, checked_in_at=timezone.now(), checked_in_by=dana)
    workshop = CeWorkshopFactory(starts_at=timezone.now() - timedelta(days=3))
    RsvpFactory(event=workshop, user=dana, checked_in_at=workshop.starts_at)
    events_services.certificate_issue(event=workshop, user=dana)

    # Groups: one she organizes; in her friend's, she answers, swaps, recuses, posts
    # and is to present.
    make_group(organizer=dana, name="Dana's circle")
    theirs = make_group(organizer=friend, name="Friend's circle")
    add_member(theirs, dana)
    session = theirs.sessions.order_by("starts_at").first()
    GroupSession.objects.filter(pk=session.pk).update(presenter=dana)
    GroupRsvp.objects.create(session=session, member=dana, answer="yes")
    Swap.objects.create(session=session, asked_by=dana, asked=friend)
    Recusal.objects.create(session=session, member=dana)
    Post.objects.create(group=theirs, author=dana, body="Dana's post, kept")
    group_moderation.group_report(
        group=theirs, reporter=dana, reason="other", note="Dana's note on a group"
    )

    # Coffee: her settings, a date that went ahead and that she checked in on (with a
    # member she has no relationship declared with), and a round started under her name.
    from coffee import services as coffee_services
    from tests.coffee.factories import make_date, make_round, opt_in

    opt_in(dana)
    opt_in(applicant_member)
    coffee = make_date(
        dana,
        applicant_member,
        round_=make_round(run_by=dana),
        status="confirmed",  # both said yes (their conversation is left out here)
        responses=("accepted", "accepted"),
    )
    coffee_services.date_check_in(date=coffee, member=dana, met="yes")
    Participant.objects.filter(date=coffee).update(reason="Shared focus on trauma")

    # Others' own data, which must survive untouched.
    AnswerFactory(member=friend, statement=first_statement())
    notify(recipient=friend, kind="welcome", key="welcome:friend")
    return {"dana": dana, "friend": friend, "other": other, "applicant": applicant,
            "staff": staff, "photo_token": token}  # fmt: skip


def rows_referring_to(user) -> dict[type[models.Model], int]:
    """How many rows of each registered model refer to `user`, by any user field."""
    counts = {}
    for model in personal_data.registered_models():
        query = models.Q()
        for field in user_references(model):
            query |= models.Q(**{field.name: user})
        if model is User:
            query = models.Q(pk=user.pk)
        counts[model] = model.objects.filter(query).count() if query else 0
    return counts


def test_the_fixture_uses_every_registered_model(world):
    """Otherwise the export and erase tests below would prove nothing for a model."""
    counts = rows_referring_to(world["dana"])
    unused = [m._meta.label for m, n in counts.items() if n == 0]
    # The admin log names staff, never a member: Dana appears there only as an object.
    assert unused == ["admin.LogEntry"]


def export_of(user) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(data_rights.export_bytes(user)))
    return json.loads(archive.read("hive-data.json")), archive


def test_export_holds_everything_from_her_side_only(world):
    dana, other = world["dana"], world["other"]
    data, archive = export_of(dana)
    assert set(archive.namelist()) == {
        "README.txt",
        "hive-data.json",
        "members/profile-photo.webp",
    }
    assert "Your data from Hive" in archive.read("README.txt").decode()
    members = data["members"]
    account = members["account"]
    assert account["email"] == "dana@example.com"
    assert {a["email"] for a in account["email_addresses"]} == {
        "dana@example.com",
        "dana.second@example.com",
    }
    assert account["two_factor_methods"][0]["type"]
    assert "S3" not in json.dumps(data)  # never a two-factor secret
    assert "password" not in json.dumps(account)
    assert account["signed_in_sessions"][0]["ip_address"] == "198.51.100.4"
    assert any(e["what"] == "Logged in" for e in members["login_history"])
    application = members["application"]
    assert application["license_type"] == "LCSW" and len(application["references"]) == 2
    assert application["history"]  # as told to her
    assert all("comment" not in r for r in application["references"])
    profile = members["profile"]
    assert profile["handle"] == "dana-leaves" and profile["earlier_handles"] == ["dana-before"]
    assert profile["privacy"]["listed_in_directory"] is True
    assert profile["photo"] == "members/profile-photo.webp"
    # Connections by the other person's handle only.
    assert {c["with"] for c in members["connections"]} == {
        "friend-stays",
        other.profile.handle,
    }
    assert members["blocks_i_made"] and len(members["blocks_i_made"]) == 1
    # Only the dual relationship she declared, never the one declared about her.
    assert members["dual_relationships_i_declared"] == [
        {"with": other.profile.handle, "kind": "Clinical relationship", "at": members[
            "dual_relationships_i_declared"][0]["at"]}
    ]  # fmt: skip
    assert "Personal relationship" not in json.dumps(data)
    assert members["vouches_i_gave"][0]["note"] == "I know her work"
    assert members["data_exports"]
    matching = data["matching"]
    assert matching["values_consent"]["given_at"]
    assert len(matching["values_answers"]) == 1
    assert matching["values_answers"][0]["my_answer"]
    assert matching["dismissed_suggestions"] == [
        {**matching["dismissed_suggestions"][0], "member": other.profile.handle}
    ]
    coffee = data["coffee"]
    assert coffee["settings"]["opted_in"] is True
    partner = Profile.objects.get(user_id=CoffeeDate.objects.get().other_id(dana))
    assert coffee["dates"] == [{**coffee["dates"][0], "with": partner.handle}]
    assert coffee["dates"][0]["did_we_meet"] == "Yes, we met"
    notifications = data["notifications"]
    assert "Welcome" in [n["kind"] for n in notifications["notifications"]]
    assert notifications["preferences"] == [{"kind": "Welcome", "channel": "In Hive only"}]
    assert notifications["settings"]["digest"].startswith("Weekly")
    assert notifications["digest_emails"][0]["notifications"] == 2


def test_every_app_with_a_registry_module_has_a_section(world):
    data, _ = export_of(world["dana"])
    assert {personal_data._label(m) for m in personal_data._modules()} <= set(data)


def erase(user):
    """Ask for deletion, then run the daily task after the grace period."""
    data_rights.account_deletion_request(user=user)
    later = timezone.now() + data_rights.DELETION_GRACE + timedelta(minutes=1)
    assert data_rights.accounts_erase_due(now=later) == 1
    user.refresh_from_db()


def test_erasure_leaves_only_anonymized_rows(world, media, django_capture_on_commit_callbacks):
    dana, friend = world["dana"], world["friend"]
    photo_files = list((media / "profile-photos").iterdir())
    assert len(photo_files) == 2
    before = rows_referring_to(friend)
    friend_answers = list(Answer.objects.filter(member=friend).values())

    with django_capture_on_commit_callbacks(execute=True):
        erase(dana)

    # Nothing of a "delete" model refers to her any more.
    registered = personal_data.registered_models()
    left = {
        model._meta.label: count
        for model, count in rows_referring_to(dana).items()
        if count and registered[model][0] == "delete"
    }
    assert left == {}
    # The tombstone: no email, no password, inactive, erased_at set.
    assert dana.erased_at is not None and not dana.is_active
    assert dana.email == f"erased-{dana.pk}@erased.invalid"
    assert not dana.has_usable_password()
    assert not dana.is_member
    # Anonymized: her vouch stays with the applicant, without its note.
    vouch = Vouch.objects.get(member=dana)
    assert vouch.note == ""
    assert not ApplicationEvent.objects.filter(actor=dana).exclude(message="").exists()
    # The audit log keeps its rows under her bare id, without her addresses.
    events = AuditEvent.objects.filter(subject=dana)
    assert events.filter(action=AuditEvent.Action.LOGIN).exists()
    assert events.filter(action=AuditEvent.Action.ACCOUNT_ERASED).exists()
    assert "dana@example.com" not in json.dumps(list(AuditEvent.objects.values("data")))
    assert "Dana@Example.com" not in json.dumps(list(AuditEvent.objects.values("data")))
    # The admin's history of her account stays, without her address.
    assert list(LogEntry.objects.values_list("object_repr", flat=True)) == [
        f"Erased account #{dana.pk}"
    ]
    # Photo files gone from disk.
    assert not any(p.exists() for p in photo_files)
    # The person who declared a relationship with her loses it; their other data stays.
    after = rows_referring_to(friend)
    assert after[Connection] == before[Connection] - 1
    assert after[DualRelationship] == before[DualRelationship] - 1
    # Her friend's reminder to follow up with her goes: there is no one to follow up with.
    assert after[FollowUp] == before[FollowUp] - 2
    assert after[Notification] == before[Notification]
    assert after[Answer] == before[Answer]
    assert list(Answer.objects.filter(member=friend).values()) == friend_answers
    assert Profile.objects.filter(user=friend).exists()
    # Coffee: the date stays in the other member's history, their side without the
    # words that described her; her own side is gone.
    kept = CoffeeDate.objects.get()
    assert list(Participant.objects.filter(date=kept).values_list("member_id", "reason")) == [
        (kept.other_id(dana), "")
    ]
    # The suggestion engine is told.
    assert MatchingChange.objects.filter(member=dana).exists()
    assert not ValuesConsent.objects.filter(member=dana).exists()
    assert not Dismissal.objects.filter(other=dana).exists()
    # And her name is nowhere in what the apps would export about her now.
    assert "Dana Leaving" not in json.dumps(personal_data.collect_export(dana))


def test_erased_member_is_a_former_member_to_others(world, django_capture_on_commit_callbacks):
    dana = world["dana"]
    with django_capture_on_commit_callbacks(execute=True):
        erase(dana)
    from members.personal_data import handles_of

    assert handles_of([dana.pk]) == {dana.pk: FORMER_MEMBER}


def test_notifications_others_keep_no_longer_name_her(world, django_capture_on_commit_callbacks):
    """Her friend's "Dana asked to connect" stays, from "A former member", without the
    note she wrote; notifications naming nobody are untouched."""
    dana, friend = world["dana"], world["friend"]
    asked = Notification.objects.get(recipient=friend, kind="connection_request")
    assert asked.context["name"] == "Dana Leaving" and asked.context["note"]
    untouched = Notification.objects.get(recipient=friend, kind="welcome").context
    with django_capture_on_commit_callbacks(execute=True):
        erase(dana)
    asked.refresh_from_db()
    assert asked.context["name"] == "A former member" and asked.context["note"] == ""
    assert "Dana Leaving" not in asked.in_app_text()
    assert Notification.objects.get(recipient=friend, kind="welcome").context == untouched


def test_her_friend_keeps_the_conversation_from_a_former_member(
    world, client, django_capture_on_commit_callbacks
):
    """The friend's conversation stays, with what Dana wrote, from "former member"; her
    pending request and her report's note are gone, the report itself kept."""
    from messaging.models import Conversation, MessageRequest, Report

    dana, friend = world["dana"], world["friend"]
    data, _ = export_of(dana)
    sent = data["messaging"]["conversations"][0]["messages"]
    assert [m["text"] for m in sent if m["from"] == "me"] == ["From Dana, kept"]
    assert data["messaging"]["reports_i_made"][0]["note"] == "Dana's note"
    with django_capture_on_commit_callbacks(execute=True):
        erase(dana)
    conversation = Conversation.objects.get()
    client.force_login(friend)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "From Dana, kept" in html and "Former member" in html
    assert "Dana Leaving" not in html and "replies are closed" in html
    assert 'name="body"' not in html  # no composer
    reply = client.post(reverse("messaging:send", args=[conversation.pk]), {"body": "Hello?"})
    assert reply.status_code == 404
    assert not conversation.messages.filter(body="Hello?").exists()
    assert not MessageRequest.objects.exists()
    assert Report.objects.get().note == ""
    assert conversation.messages.filter(body="From Dana, kept").exists()


def test_erasure_waits_for_the_grace_period_and_runs_once(world):
    dana = world["dana"]
    data_rights.account_deletion_request(user=dana)
    almost = timezone.now() + data_rights.DELETION_GRACE - timedelta(minutes=1)
    assert data_rights.accounts_erase_due(now=almost) == 0
    later = timezone.now() + data_rights.DELETION_GRACE + timedelta(minutes=1)
    assert data_rights.accounts_erase_due(now=later) == 1
    assert data_rights.accounts_erase_due(now=later) == 0  # already erased
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_ERASED).count() == 1


def test_cancelling_in_the_grace_period_restores_everything(world):
    dana = world["dana"]
    before = rows_referring_to(dana)
    export_before, _ = export_of(dana)
    data_rights.account_deletion_request(user=dana)
    dana.refresh_from_db()
    assert not dana.is_member
    assert not User.objects.in_good_standing().filter(pk=dana.pk).exists()
    assert not Profile.objects.in_good_standing().filter(user=dana).exists()

    data_rights.account_deletion_cancel(user=dana)
    dana.refresh_from_db()
    assert dana.is_member and dana.deletion_requested_at is None
    later = timezone.now() + data_rights.DELETION_GRACE + timedelta(days=1)
    assert data_rights.accounts_erase_due(now=later) == 0
    after = rows_referring_to(dana)
    # Two audit rows more (requested, cancelled); everything else as it was.
    assert after.pop(AuditEvent) == before.pop(AuditEvent) + 2
    assert after == before
    export_after, _ = export_of(dana)
    for section in ("application", "profile", "connections", "dual_relationships_i_declared"):
        if section == "profile":
            export_after["members"]["profile"].pop("updated_at")
            export_before["members"]["profile"].pop("updated_at")
        assert export_after["members"][section] == export_before["members"][section]
    assert export_after["matching"] == export_before["matching"]


def test_a_staff_account_cannot_ask_for_its_own_deletion(db):
    with pytest.raises(data_rights.DeletionNotAllowed):
        data_rights.account_deletion_request(user=StaffFactory())


def test_registry_erases_files_only_after_commit(world, media):
    """A failed erasure (rolled back) leaves the photo files in place."""
    dana = world["dana"]
    files = list((media / "profile-photos").iterdir())

    class Boom(Exception):
        pass

    from django.db import transaction

    with pytest.raises(Boom), transaction.atomic():
        personal_data.erase_everywhere(dana)
        raise Boom
    assert all(p.exists() for p in files)
    assert default_storage.exists(files[0].relative_to(media).as_posix())
    assert Profile.objects.filter(user=dana).exists()


def test_export_has_her_events_rsvps_and_certificates(world):
    data, _ = export_of(world["dana"])
    events = data["events"]
    assert [r["checked_in_at"] is not None for r in events["rsvps"]] == [True]
    assert len(events["events_i_organize"]) == 1
    assert events["certificates"][0]["approving_body"] == "NASW California Chapter"
    assert data["members"]["private_calendar_feed"] is True
