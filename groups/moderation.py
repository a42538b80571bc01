"""Reports about consultation groups, and what moderators do with them.

A member who may see a group reports it (a reason and a note). Moderators see the
group's public facts, its counts and the reports, never its sessions, notes, rota,
discussion or who its members are (groups/views/review.py). They close every open
report on a group at once, by one of three outcomes: dismiss, warn the organizer (who
reads the moderators' note), or take the group off the list (the organizer cannot list
it again). Acting needs staff with two-factor sign-in; each action is in the audit log
and each reporter learns their report was handled, not how.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from groups.models import Group, GroupReport
from groups.services import group_url, locked
from members.models import AuditEvent, User
from members.services import audit_record
from notifications.services import Notice, notify, notify_many


class ModeratorsOnly(PermissionDenied):
    """Only staff with two-factor sign-in act on group reports."""


def require_moderator(user: User) -> None:
    if not user.is_staff:
        raise ModeratorsOnly("Only moderators act on reports.")
    if not user.has_two_factor:
        raise ModeratorsOnly("Turn on two-factor authentication before acting on reports.")


@transaction.atomic
def group_report(*, group: Group, reporter: User, reason: str, note: str = "") -> GroupReport:
    """A member reports a group they may see (the caller checked it with access_group).
    One open report per member and group: reporting again while it is open is refused."""
    if group.organizer_id == reporter.pk:
        raise ValidationError("You organize this group.")
    if GroupReport.objects.filter(group=group, reporter=reporter, outcome="").exists():
        raise ValidationError("You reported this group already; the moderators will look at it.")
    report = GroupReport(group=group, reporter=reporter, reason=reason, note=note.strip())
    report.full_clean()
    report.save()
    return report


OUTCOME_ACTIONS = {
    GroupReport.Outcome.DISMISSED: AuditEvent.Action.GROUP_REPORT_DISMISSED,
    GroupReport.Outcome.WARNED: AuditEvent.Action.GROUP_ORGANIZER_WARNED,
    GroupReport.Outcome.UNLISTED: AuditEvent.Action.GROUP_UNLISTED,
}


@transaction.atomic
def group_reports_handle(
    *, group: Group, moderator: User, outcome: str, note: str = ""
) -> list[GroupReport]:
    """Close every open report on `group` with `outcome`:

    - dismissed: nothing to act on;
    - warned: the organizer reads `note` from the moderators (required);
    - unlisted: the group leaves the groups list for good (its members keep it).

    The group's row is locked, so two moderators acting at once close the reports once:
    the second finds none open and is refused."""
    require_moderator(moderator)
    if outcome not in OUTCOME_ACTIONS:
        raise ValidationError("Choose what to do.")
    note = note.strip()
    if outcome == GroupReport.Outcome.WARNED and not note:
        raise ValidationError("Write the warning the organizer will read.")
    group = locked(group)
    reports = list(
        GroupReport.objects.select_for_update(of=("self",))
        .filter(group=group, outcome="")
        .select_related("reporter")
        .order_by("created_at")
    )
    if not reports:
        raise ValidationError("These reports have already been handled.")
    now = timezone.now()
    for report in reports:
        report.outcome = outcome
        report.handled_at = now
        report.handled_by = moderator
        report.moderator_note = note
        report.full_clean()
        report.save(update_fields=["outcome", "handled_at", "handled_by", "moderator_note"])
    if outcome == GroupReport.Outcome.UNLISTED:
        group.listed = False
        group.unlisted_by_staff = True
        group.save(update_fields=["listed", "unlisted_by_staff"])
    audit_record(
        action=OUTCOME_ACTIONS[outcome],
        subject=group.organizer,
        actor=moderator,
        reason=note,
        data={"group": group.pk, "slug": group.slug, "reports": [r.pk for r in reports]},
    )
    if outcome == GroupReport.Outcome.WARNED:
        notify(
            recipient=group.organizer,
            kind="group_moderators",
            key=f"group_moderators:{group.pk}:{reports[-1].pk}",
            context={"group": group.name, "text": note},
            url=group_url(group),
        )
    elif outcome == GroupReport.Outcome.UNLISTED:
        notify(
            recipient=group.organizer,
            kind="group_moderators",
            key=f"group_moderators:{group.pk}:{reports[-1].pk}",
            context={"group": group.name, "text": note, "unlisted": True},
            url=group_url(group),
        )
    notify_many(
        kind="group_report_handled",
        notices=[
            Notice(
                recipient=reporter,
                key=f"group_report_handled:{group.pk}:{reporter.pk}:{reports[-1].pk}",
                context={"group": group.name},
            )
            for reporter in {r.reporter for r in reports}
        ],
    )
    return reports
