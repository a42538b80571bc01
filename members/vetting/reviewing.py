"""Staff working on applications together, besides deciding: claiming one ("I'm on
it"), and notes for each other that the applicant never sees."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from members.models import Application, ReviewNote, User
from members.vetting.states import lock_application

NOTE_MAX = 2000


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied


@transaction.atomic
def review_claim(*, application: Application, reviewer: User) -> Application:
    """`reviewer` takes the application on (taking it over from another reviewer is
    allowed: people go on leave; the page shows who has it)."""
    _require_staff(reviewer)
    application = lock_application(application.pk)
    application.claimed_by = reviewer
    application.claimed_at = timezone.now()
    application.save(update_fields=["claimed_by", "claimed_at"])
    return application


@transaction.atomic
def review_unclaim(*, application: Application, reviewer: User) -> Application:
    """Give the application back to the queue (anyone on staff may, e.g. for a
    colleague who is away)."""
    _require_staff(reviewer)
    application = lock_application(application.pk)
    application.claimed_by = None
    application.claimed_at = None
    application.save(update_fields=["claimed_by", "claimed_at"])
    return application


@transaction.atomic
def review_note_add(*, application: Application, author: User, body: str) -> ReviewNote:
    """A note for other reviewers. Staff only; the applicant never sees it."""
    _require_staff(author)
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write the note first."})
    if len(body) > NOTE_MAX:
        raise ValidationError({"body": f"A note is at most {NOTE_MAX} characters."})
    note = ReviewNote(application=application, author=author, body=body)
    note.full_clean()
    note.save()
    return note
