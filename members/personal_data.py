"""What the members app holds about a person, for their export and their erasure
(the protocol is in hive/personal_data.py).

Members also answers for the third-party models that point at the user: allauth's
email addresses, two-factor methods and sessions, and Django's admin log.
"""

from __future__ import annotations

from functools import partial

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from members import photos
from members.models import (
    FORMER_MEMBER,
    Application,
    ApplicationEvent,
    AuditEvent,
    Block,
    CalendarToken,
    Connection,
    ConnectionTag,
    DataExport,
    DualRelationship,
    FollowUp,
    Profile,
    ReviewNote,
    User,
    Vouch,
)

MODELS = {
    # The account row itself becomes a tombstone: no email, no password, inactive,
    # `erased_at` set. What others still hold (messages, group notes, vouches) points
    # at it and reads "former member". Its group/permission links are cleared.
    User: "anonymize",
    Profile: "delete",  # with its handle redirects and the photo files
    Application: "delete",  # their own, with its references, events and vouches received
    # A vouch they gave stays with the other person's application (it counted for
    # them), without its note, under the tombstone.
    Vouch: "anonymize",
    # Events they caused on another person's application (a vouch) are that
    # application's history: they stay, the actor now the tombstone, the note cleared.
    ApplicationEvent: "anonymize",
    Connection: "delete",  # both sides: a connection to nobody is nothing
    ConnectionTag: "delete",  # their private tags (and others' tags of the connection)
    Block: "delete",  # both directions
    DualRelationship: "delete",  # those they declared, and those declared about them
    FollowUp: "delete",  # their reminders, and others' reminders to follow up with them
    # The audit log is the security record: its rows stay under the tombstone's bare
    # id (pseudonymous once the email is gone); email addresses in its details go.
    AuditEvent: "keep",
    # Notes a staff member wrote on others' applications are those applications' review
    # record: they stay, under the tombstone. (Claims they held are let go.)
    ReviewNote: "anonymize",
    DataExport: "delete",  # with any file still stored
    CalendarToken: "delete",  # the feed's address stops working
    EmailAddress: "delete",
    Authenticator: "delete",
    UserSession: "delete",  # each one ended first, so its session is gone too
    # Django's admin log records what staff changed; it names the staff account,
    # which is now the tombstone, and is kept as the history of those changes. Entries
    # about the person's own account lose the address their text showed.
    LogEntry: "keep",
}

# Keys of AuditEvent.data that may hold an email address (see members/signals.py).
_AUDIT_EMAIL_KEYS = ("email", "from", "to", "login")


def _iso(value):
    return value.isoformat() if value is not None else None


def handles_of(user_ids) -> dict[int, str]:
    """Each user id → the handle others know them by ("former member" without one)."""
    ids = set(user_ids)
    found = dict(Profile.objects.filter(user_id__in=ids).values_list("user_id", "handle"))
    return {pk: found.get(pk, FORMER_MEMBER) for pk in ids}


def export_data(user: User) -> dict:
    follow_ups = list(FollowUp.objects.filter(owner=user).order_by("pk"))
    handles = handles_of(row.other_id for row in follow_ups)
    return {
        "account": _account(user),
        "login_history": _login_history(user),
        "application": _application(user),
        "profile": _profile(user),
        "connections": _connections(user),
        "blocks_i_made": _blocks(user),
        "dual_relationships_i_declared": _dual_relationships(user),
        "private_calendar_feed": CalendarToken.objects.filter(user=user).exists(),
        "connection_tags_i_made": [
            {
                "connection": tag.connection_id,
                "type": tag.get_type_display(),
                "strength": tag.strength,
                "importance": tag.importance,
            }
            for tag in ConnectionTag.objects.filter(owner=user).order_by("pk")
        ],
        "follow_up_reminders": [
            {
                "with": handles.get(row.other_id),
                "due_on": _iso(row.due_on),
                "from": row.get_source_display(),
                "about": row.about,
                "reminded_at": _iso(row.reminded_at),
            }
            for row in follow_ups
        ],
        "vouches_i_gave": _vouches(user),
        "review_notes_i_wrote": [
            {"application": note.application_id, "note": note.body, "at": _iso(note.created_at)}
            for note in ReviewNote.objects.filter(author=user).order_by("created_at")
        ],
        "data_exports": [
            {"requested_at": _iso(e.requested_at), "status": e.status}
            for e in DataExport.objects.filter(user=user)
        ],
    }


def export_files(user: User) -> dict[str, bytes]:
    """The profile photo as stored (the large size: the small one is made from it)."""
    token = Profile.objects.filter(user=user).values_list("photo_token", flat=True).first()
    if not token:
        return {}
    name = photos.photo_name(token, photos.LARGE)
    if not default_storage.exists(name):
        return {}
    with default_storage.open(name, "rb") as stored:
        return {"profile-photo.webp": stored.read()}


def _account(user: User) -> dict:
    return {
        "email": user.email,
        "membership_status": user.get_membership_status_display(),
        "time_zone": user.timezone,
        "joined_at": _iso(user.date_joined),
        "last_login_at": _iso(user.last_login),
        "deletion_requested_at": _iso(user.deletion_requested_at),
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        # Never the secrets: which methods, and when they were added and last used.
        "two_factor_methods": [
            {
                "type": a.get_type_display(),
                "added_at": _iso(a.created_at),
                "last_used_at": _iso(a.last_used_at),
            }
            for a in Authenticator.objects.filter(user=user).order_by("created_at")
        ],
        "signed_in_sessions": [
            {
                "ip_address": s.ip,
                "browser": s.user_agent,
                "started_at": _iso(s.created_at),
                "last_seen_at": _iso(s.last_seen_at),
            }
            for s in UserSession.objects.filter(user=user).order_by("created_at")
        ],
    }


def _login_history(user: User) -> list[dict]:
    """The security events recorded about them (logins, failed logins, 2FA and
    password changes, decisions), in UTC."""
    return [
        {
            "at": _iso(event.occurred_at),
            "what": event.get_action_display(),
            "ip_address": event.ip_address,
        }
        for event in AuditEvent.objects.filter(subject=user).order_by("occurred_at", "pk")
    ]


def _application(user: User) -> dict | None:
    application = (
        Application.objects.filter(user=user)
        .select_related("profession")
        .prefetch_related("references", "events")
        .first()
    )
    if application is None:
        return None
    history = []
    for event in application.events.all():
        wording = event.wording
        if wording.applicant:  # what the applicant is told, as they are told it
            history.append(
                {
                    "at": _iso(event.created_at),
                    "what": wording.applicant,
                    "message": event.message if wording.applicant_reads_message else "",
                }
            )
    return {
        "status": application.get_status_display(),
        "legal_name": application.legal_name,
        "display_name": application.display_name,
        "pronouns": application.pronouns,
        "profession": application.profession.label if application.profession else "",
        "credential_tier": application.get_credential_tier_display(),
        "supervisor_name": application.supervisor_name,
        "license_type": application.license_type,
        "license_number": application.license_number,
        "license_jurisdiction": application.license_jurisdiction,
        "license_expiry": _iso(application.license_expiry),
        "npi": application.npi,
        "practice_setting": application.get_practice_setting_display(),
        "city": application.city,
        "why_join": application.why_join,
        "guidelines_version": application.guidelines_version,
        "guidelines_accepted_at": _iso(application.guidelines_accepted_at),
        "message_from_staff": application.staff_message,
        "submitted_at": _iso(application.submitted_at),
        "decided_at": _iso(application.decided_at),
        # What they wrote about their references, and whether each answered; not the
        # reference's own comment, which is the reference's words to staff.
        "references": [
            {
                "name": r.name,
                "email": r.email,
                "how_they_know_you": r.relationship,
                "status": r.get_status_display(),
            }
            for r in application.references.all()
        ],
        "history": history,
    }


def _profile(user: User) -> dict | None:
    profile = (
        Profile.objects.filter(user=user)
        .select_related("profession")
        .prefetch_related("terms", "old_handles")
        .first()
    )
    if profile is None:
        return None
    return {
        "handle": profile.handle,
        "earlier_handles": [h.old_handle for h in profile.old_handles.all()],
        "display_name": profile.display_name,
        "pronouns": profile.pronouns,
        "headline": profile.headline,
        "bio": profile.bio,
        "profession": profile.profession.label if profile.profession else "",
        "credential_tier": profile.get_credential_tier_display(),
        "credentials": profile.credentials,
        "career_stage": profile.get_career_stage_display(),
        "city": profile.city,
        "region": profile.region,
        "country": profile.country,
        "latitude": profile.latitude,
        "longitude": profile.longitude,
        "telehealth_jurisdictions": profile.telehealth_jurisdictions,
        "accepting_referrals": profile.get_accepting_referrals_display(),
        "office_space": profile.get_office_space_display(),
        "terms": [{"kind": t.get_kind_display(), "label": t.label} for t in profile.terms.all()],
        "photo": "members/profile-photo.webp" if profile.photo_token else None,
        "privacy": {
            "about_visible_to": profile.get_about_visibility_display(),
            "practice_visible_to": profile.get_practice_visibility_display(),
            "location_visible_to": profile.get_location_visibility_display(),
            "credentials_visible_to": profile.get_credentials_visibility_display(),
            "listed_in_directory": profile.listed_in_directory,
            "suggest_in_matches": profile.suggest_in_matches,
        },
        "created_at": _iso(profile.created_at),
        "updated_at": _iso(profile.updated_at),
    }


def _connections(user: User) -> list[dict]:
    rows = list(Connection.objects.involving(user).order_by("created_at"))
    handles = handles_of(row.other_id(user) for row in rows)
    return [
        {
            "with": handles[row.other_id(user)],
            "status": row.get_status_display(),
            "asked_by": "me" if row.requested_by_id == user.pk else "them",
            # The note travels with the request: theirs to read either way.
            "note": row.note,
            "requested_at": _iso(row.created_at),
            "accepted_at": _iso(row.accepted_at),
        }
        for row in rows
    ]


def _blocks(user: User) -> list[dict]:
    # Only the blocks they made: being blocked is something nobody is told.
    rows = list(Block.objects.filter(blocker=user).order_by("created_at"))
    handles = handles_of(row.blocked_id for row in rows)
    return [{"member": handles[row.blocked_id], "at": _iso(row.created_at)} for row in rows]


def _dual_relationships(user: User) -> list[dict]:
    # Only their own declarations: one declared about them is never theirs to see.
    rows = list(DualRelationship.objects.filter(member=user).order_by("created_at"))
    handles = handles_of(row.other_id for row in rows)
    return [
        {"with": handles[row.other_id], "kind": row.get_kind_display(), "at": _iso(row.created_at)}
        for row in rows
    ]


def _vouches(user: User) -> list[dict]:
    rows = Vouch.objects.filter(member=user).select_related("application").order_by("created_at")
    return [
        {"for": row.application.display_name, "note": row.note, "at": _iso(row.created_at)}
        for row in rows
    ]


def erase_data(user: User) -> None:
    """Called last of all apps (members owns the user row): delete what is theirs,
    anonymize what others hold, and turn the account into a tombstone."""
    # Files go once the transaction commits: a rollback must not leave a profile
    # pointing at deleted photos.
    tokens = [
        t for t in Profile.objects.filter(user=user).values_list("photo_token", flat=True) if t
    ]
    export_files = [
        name
        for name in DataExport.objects.filter(user=user).values_list("file_name", flat=True)
        if name
    ]
    for token in tokens:
        transaction.on_commit(partial(_delete_photo, token))
    for name in export_files:
        transaction.on_commit(partial(default_storage.delete, name))

    Profile.objects.filter(user=user).delete()  # cascades: handle redirects, terms
    Application.objects.filter(user=user).delete()  # cascades: references, events, vouches
    Vouch.objects.filter(member=user).update(note="")
    Application.objects.filter(claimed_by=user).update(claimed_by=None, claimed_at=None)
    ApplicationEvent.objects.filter(actor=user, action=ApplicationEvent.Action.VOUCHED).update(
        message=""
    )
    ConnectionTag.objects.filter(owner=user).delete()
    Connection.objects.involving(user).delete()
    Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
    DualRelationship.objects.involving(user).delete()
    FollowUp.objects.filter(Q(owner=user) | Q(other=user)).delete()
    DataExport.objects.filter(user=user).delete()
    CalendarToken.objects.filter(user=user).delete()

    addresses = {
        a.lower() for a in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    addresses.add(user.email.lower())
    _scrub_audit(user, addresses)

    for session in UserSession.objects.filter(user=user):
        session.end()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()

    _tombstone(user)


def _delete_photo(token: str) -> None:
    for size in photos.SIZES:
        default_storage.delete(photos.photo_name(token, size))


def _scrub_audit(user: User, addresses: set[str]) -> None:
    """Audit rows stay (see MODELS), but an email address in their details would name
    the person: replace it. Rows about the account, and failed logins typed with one
    of its addresses before or without a match."""
    about = Q(subject=user) | Q(actor=user)
    for key in _AUDIT_EMAIL_KEYS:
        for address in addresses:
            about |= Q(**{f"data__{key}__iexact": address})
    # The log is append-only for everything else; erasure is the one rewrite, and it
    # touches only the details, never the action, time or subject.
    for event in AuditEvent.objects.filter(about).only("pk", "data"):
        data = dict(event.data or {})
        changed = False
        for key in _AUDIT_EMAIL_KEYS:
            value = data.get(key)
            if isinstance(value, str) and value.lower() in addresses:
                data[key] = "(erased)"
                changed = True
        if changed:
            AuditEvent.objects.filter(pk=event.pk).update(data=data)


def _tombstone(user: User) -> None:
    now = timezone.now()
    user.email = f"erased-{user.pk}@erased.invalid"
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.timezone = "UTC"
    user.last_login = None
    user.erased_at = now
    user.save(
        update_fields=[
            "email",
            "password",
            "is_active",
            "is_staff",
            "is_superuser",
            "timezone",
            "last_login",
            "erased_at",
        ]
    )
    user.groups.clear()
    user.user_permissions.clear()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=f"Erased account #{user.pk}", change_message="")
