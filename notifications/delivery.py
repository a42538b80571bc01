"""A notification's email: building it, sending it exactly once, and finding the ones due.

Exactly once: `notify()` / `notify_many()` write the Notification in the caller's
transaction under a unique key, so a retried or duplicated caller finds the row already
there. Delivery claims rows with a conditional UPDATE (pending → sending, many rows in
one statement for a batch); only the worker whose UPDATE matched sends, and it records
each outcome with another conditional UPDATE as soon as the server answers. A worker
that dies mid-batch leaves its rows "sending"; once their lease (longer than the task's
hard time limit) has run out, the sweep puts them back to "pending" and each is sent
once. The only window for a duplicate is between the SMTP server's final OK and our
UPDATE (milliseconds); the Message-ID is derived from the row, so mail clients
recognise such a twin. A batch goes over one SMTP connection.

Queueing is the tasks' business (tasks.py): this module says what is due, and never
imports the tasks.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from hive.http import absolute_url
from hive.text import render_text
from notifications import registry
from notifications.models import Notification
from notifications.preferences import is_paused, settings_for_many

log = logging.getLogger(__name__)
EmailStatus = Notification.Email
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
MAX_ATTEMPTS = 5
# Emails per delivery task: one broker message and one SMTP connection carry them all,
# and even at 10 emails/s a batch ends well inside the task's soft time limit (60 s).
EMAIL_BATCH = 100


def send_lease() -> timedelta:
    """How long a started send (an email's or a digest's) belongs to its worker."""
    return timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE_SECONDS)


def mail_domain() -> str:
    return urlsplit(settings.HIVE_BASE_URL).hostname or "hive.localhost"


def render_part(template: str, context: dict) -> str:
    """Text parts render without HTML escaping; HTML parts with it."""
    if template.endswith(".txt"):
        return render_text(template, context)
    return render_to_string(template, context)


def unsubscribe_token(user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_target(token: str):
    """(user, kind) for a valid token, or None. Tokens do not expire: an unsubscribe
    link in an old email must keep working."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    user = get_user_model().objects.filter(pk=data.get("u")).first()
    kind = registry.KINDS.get(data.get("k"))
    if user is None or kind is None:
        return None
    return user, kind


def build_email(notification: Notification) -> EmailMultiAlternatives:
    """The email for one notification: text and HTML parts, times in the recipient's
    zone, a footer saying why it came, and RFC 8058 one-click unsubscribe headers."""
    user = notification.recipient
    kind = notification.kind_spec
    settings_url = absolute_url(reverse("notifications:preferences"))
    unsubscribe_url = (
        None
        if kind.mandatory
        else absolute_url(
            reverse("notifications:unsubscribe", args=[unsubscribe_token(user, kind.name)])
        )
    )
    context = {
        **notification.context,
        "recipient": user,
        "notification": notification,
        "kind": kind,
        "target_url": absolute_url(notification.url) if notification.url else None,
        "settings_url": settings_url,
        "unsubscribe_url": unsubscribe_url,
        "site_url": absolute_url("/"),
        "site_name": settings.HIVE_SITE_NAME,
    }
    with timezone.override(user.zone):
        subject = " ".join(render_part(kind.template("subject.txt"), context).split())
        text = render_part(kind.template("body.txt"), context).strip()
        text += "\n\n" + render_part("notifications/email/footer.txt", context).strip() + "\n"
        html = render_part(kind.template("body.html"), context)
    # A stable id lets mail clients collapse a twin sent after a crash mid-send.
    headers = {"Message-ID": f"<notification-{notification.pk}@{mail_domain()}>"}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        to=[user.email],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def _nudges_sent_this_week(user_ids, now: datetime) -> dict[int, int]:
    """Nudge emails sent (or being sent) to each of these members in the last 7 days."""
    nudge_kinds = [k.name for k in registry.KINDS.values() if k.nudge]
    return dict(
        Notification.objects.filter(
            recipient_id__in=user_ids,
            kind__in=nudge_kinds,
            email_status__in=[EmailStatus.SENT, EmailStatus.SENDING],
            email_claimed_at__gte=now - timedelta(days=7),
        )
        .order_by()
        .values("recipient_id")
        .annotate(sent=Count("pk"))
        .values_list("recipient_id", "sent")
    )


def _suppression_reasons(rows: list[Notification], now: datetime) -> dict[int, str]:
    """Why each row's email must not go out ("" for those that may), for a batch in one
    query per rule (settings; nudges: a lock and a count), not one per row.

    Nudges first lock their recipients' rows, in id order, so two workers cannot both
    fit under the weekly cap (nor deadlock on each other); within the batch, rows are
    counted in order, as if claimed one by one.
    """
    reasons: dict[int, str] = {}
    open_rows = []
    for row in rows:
        user, kind = row.recipient, registry.KINDS.get(row.kind)
        if kind is None:
            reasons[row.pk] = "This kind of notification no longer exists."
        elif not user.is_active:
            reasons[row.pk] = "The account is deactivated."
        elif kind.mandatory:
            reasons[row.pk] = ""
        # A member who asked to delete their account gets only what they must (security,
        # their data download), not news of a community they left.
        elif getattr(user, "deletion_requested_at", None) is not None:
            reasons[row.pk] = "The account is closing."
        else:
            open_rows.append((row, kind))
    if not open_rows:
        return reasons
    prefs = settings_for_many(row.recipient_id for row, _ in open_rows)
    nudged = sorted({row.recipient_id for row, kind in open_rows if kind.nudge})
    sent = {}
    if nudged:
        list(
            get_user_model()
            .objects.select_for_update()
            .filter(pk__in=nudged)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        sent = _nudges_sent_this_week(nudged, now)
    cap = settings.NOTIFICATIONS_NUDGE_WEEKLY_CAP
    for row, kind in open_rows:
        mine = prefs[row.recipient_id]
        if is_paused(mine, now.astimezone(row.recipient.zone).date()):
            reasons[row.pk] = f"Paused until {mine.paused_until:%Y-%m-%d}"
        elif kind.nudge and sent.get(row.recipient_id, 0) >= cap:
            reasons[row.pk] = f"Weekly limit of {cap} reminder emails reached"
        else:
            if kind.nudge:
                sent[row.recipient_id] = sent.get(row.recipient_id, 0) + 1
            reasons[row.pk] = ""
    return reasons


def _claim(notification_ids, now: datetime) -> tuple[list[Notification], dict[int, str]]:
    """Take the due pending rows among `notification_ids` for sending (pending →
    sending), and suppress those that must not be sent. Returns the rows that are ours
    to send, and {id: "suppressed"} for those suppressed now.

    Both are conditional UPDATEs (… WHERE email_status = 'pending' RETURNING id): of
    two workers claiming one row, the second waits for the first's transaction, finds
    the row no longer pending, and does not get it back.
    """
    with transaction.atomic():
        rows = list(
            Notification.objects.select_related("recipient")
            .filter(pk__in=notification_ids, email_status=EmailStatus.PENDING)
            .filter(Q(email_not_before__isnull=True) | Q(email_not_before__lte=now))
            .order_by("pk")
        )
        if not rows:
            return [], {}
        reasons = _suppression_reasons(rows, now)
        held = {pk: reason for pk, reason in reasons.items() if reason}
        suppressed = []
        with connection.cursor() as cursor:
            if held:
                cursor.execute(
                    """UPDATE "notifications_notification" AS n
                    SET email_status = %s, email_reason = held.reason, email_claimed_at = %s
                    FROM unnest(%s::bigint[], %s::text[]) AS held(id, reason)
                    WHERE n.id = held.id AND n.email_status = %s
                    RETURNING n.id
                    """,
                    [
                        EmailStatus.SUPPRESSED,
                        now,
                        list(held),
                        list(held.values()),
                        EmailStatus.PENDING,
                    ],
                )
                suppressed = [pk for (pk,) in cursor.fetchall()]
            claimed = {}
            wanted = [row.pk for row in rows if row.pk not in held]
            if wanted:
                cursor.execute(
                    """UPDATE "notifications_notification"
                    SET email_status = %s, email_reason = '', email_claimed_at = %s,
                        email_attempts = email_attempts + 1
                    WHERE id = ANY(%s) AND email_status = %s
                    RETURNING id, email_attempts
                    """,
                    [EmailStatus.SENDING, now, wanted, EmailStatus.PENDING],
                )
                claimed = dict(cursor.fetchall())
    mine = []
    for row in rows:
        if row.pk in claimed:
            # Mirror the UPDATE instead of re-reading: keeps the selected recipient.
            row.email_status, row.email_reason, row.email_claimed_at = EmailStatus.SENDING, "", now
            row.email_attempts = claimed[row.pk]
            mine.append(row)
    return mine, dict.fromkeys(suppressed, "suppressed")


def _claimed(row: Notification) -> QuerySet:
    """The row, only while it is still this send's (sending, under this claim)."""
    return Notification.objects.filter(
        pk=row.pk, email_status=EmailStatus.SENDING, email_claimed_at=row.email_claimed_at
    )


def _record_failure(row: Notification, now: datetime, exc: BaseException) -> str:
    """A send that failed: back to pending with an exponential back-off, or failed for
    good after MAX_ATTEMPTS. Returns "retry" or "failed"."""
    log.warning("Email for notification %s failed: %s", row.pk, exc)
    give_up = row.email_attempts >= MAX_ATTEMPTS
    _claimed(row).update(
        email_status=EmailStatus.FAILED if give_up else EmailStatus.PENDING,
        email_reason=f"{type(exc).__name__}: {exc}"[:200],
        email_not_before=None if give_up else now + timedelta(minutes=2**row.email_attempts),
    )
    return "failed" if give_up else "retry"


def _connection_lost(exc: BaseException) -> bool:
    """Did this error break the SMTP connection (rather than refuse one message)?"""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421  # the server is closing the connection
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def emails_deliver(*, notification_ids) -> dict[int, str]:
    """Send the emails of these notifications that are due and nobody else is sending,
    over one SMTP connection. Returns {id: outcome} for the rows this call claimed or
    suppressed: sent / suppressed / retry / failed (ids it left alone are absent).

    Each outcome is recorded as soon as it is known, with a conditional UPDATE, so a
    worker dying mid-batch loses nothing: the rows not yet sent stay claimed until the
    lease runs out and the sweep revives them. A message the server refuses is retried
    later, without holding up the others. If the connection drops, the message being
    sent is retried later and the connection opened again for the rest; if it cannot
    be, they are retried later too. A batch stopped by anything else (the task's time
    limit) hands the rows it did not reach back to pending, to be sent by the sweep.
    """
    now = timezone.now()
    rows, outcomes = _claim(notification_ids, now)
    if not rows:
        return outcomes
    unsent = {row.pk: row for row in rows}
    mailer = get_connection()
    try:
        try:
            mailer.open()
        except Exception as exc:  # noqa: BLE001 - server down: every row is retried later
            for row in rows:
                del unsent[row.pk]
                outcomes[row.pk] = _record_failure(row, now, exc)
            return outcomes
        for row in rows:
            if row.pk not in unsent:
                continue  # given up with the connection, below
            try:
                message = build_email(row)
                message.connection = mailer
                # From here on the server may have it: never handed back unsent.
                del unsent[row.pk]
                message.send()
            except Exception as exc:  # noqa: BLE001 - SMTP, DNS, template: record it, retry later
                if isinstance(exc, SoftTimeLimitExceeded):
                    raise
                unsent.pop(row.pk, None)
                outcomes[row.pk] = _record_failure(row, now, exc)
                if _connection_lost(exc) and not _reopen(mailer):
                    for pk in list(unsent):
                        outcomes[pk] = _record_failure(unsent.pop(pk), now, exc)
                continue
            _claimed(row).update(
                email_status=EmailStatus.SENT, email_sent_at=timezone.now(), email_reason=""
            )
            outcomes[row.pk] = "sent"
    finally:
        if unsent:
            _release(list(unsent), now)
        with contextlib.suppress(Exception):
            mailer.close()
    return outcomes


def _reopen(mailer) -> bool:
    """Open the SMTP connection again after it dropped; False if it cannot be."""
    with contextlib.suppress(Exception):
        mailer.close()
    try:
        mailer.open()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not now"
        log.warning("Could not reconnect to the mail server: %s", exc)
        return False
    return True


def _release(ids: list[int], now: datetime) -> None:
    """Hand claimed rows that were never sent back to pending, due now (the attempt
    did not happen, so it does not count)."""
    try:
        Notification.objects.filter(
            pk__in=ids, email_status=EmailStatus.SENDING, email_claimed_at=now
        ).update(
            email_status=EmailStatus.PENDING,
            email_attempts=F("email_attempts") - 1,
            email_not_before=now,
            email_reason="Handed back unsent by an interrupted batch",
        )
    except Exception:  # the database is gone too: the lease and the sweep will do it
        log.exception("Could not hand back %s unsent emails", len(ids))


def email_deliver(*, notification_id: int) -> str:
    """Send one notification's email if it is due and nobody else is sending it.
    Returns what happened: sent / skipped / suppressed / retry / failed."""
    outcome = emails_deliver(notification_ids=[notification_id]).get(notification_id)
    if outcome is not None:
        return outcome
    already = Notification.objects.filter(pk=notification_id, email_status=EmailStatus.SUPPRESSED)
    return "suppressed" if already.exists() else "skipped"


def interrupted_sends_revive(*, now: datetime) -> int:
    """Put sends whose worker died mid-send (lease over) back to pending, due at `now`.
    Returns how many."""
    return Notification.objects.filter(
        email_status=EmailStatus.SENDING, email_claimed_at__lt=now - send_lease()
    ).update(
        email_status=EmailStatus.PENDING,
        email_not_before=now,
        email_reason="Retried after an interrupted send",
    )


def due_email_ids(*, now: datetime, batch: int = 1000) -> list[int]:
    """Ids of pending emails due at `now`: quiet hours over, a retry's back-off elapsed,
    a revived send, or a fresh row whose queued task seems lost."""
    # Fresh rows are already queued by notify(); give that a minute before doubling up.
    return list(
        Notification.objects.filter(email_status=EmailStatus.PENDING)
        .filter(
            Q(email_not_before__lte=now)
            | Q(email_not_before__isnull=True, created_at__lt=now - timedelta(seconds=60))
        )
        .values_list("pk", flat=True)[:batch]
    )
