"""The network check (/network/): a member's connections with their private tags, the
last contact with each, what the network lacks, the weekly "gone quiet" nudge, and the
follow-up reminders every app can set ("remind me to follow up in N weeks").

Last contact comes from the feature apps, which members may not import: each app that
knows when two people were last in touch offers `<app>/contacts.py` with
`last_contacts(user, other_ids) -> dict[user_id, datetime]`, found through
`hive.plugins.app_modules("contacts")` (messaging today; coffee dates, events and groups
as they arrive). The most recent answer wins.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hive.plugins import app_modules
from members.models import Connection, ConnectionTag, FollowUp, Profile, User
from members.privacy import visible_groups_for
from notifications.services import notify

QUIET_WEEKS = 6
IMPORTANT = 4  # importance at or above this counts as "important"


def last_contacts(user: User, other_ids: list[int]) -> dict[int, datetime]:
    """When `user` was last in touch with each of `other_ids`, from every app that knows."""
    found: dict[int, datetime] = {}
    for module in app_modules("contacts"):
        for other_id, moment in module.last_contacts(user, other_ids).items():
            if moment is not None and (other_id not in found or moment > found[other_id]):
                found[other_id] = moment
    return found


@dataclass
class Tie:
    profile: Profile
    connection: Connection
    tag: ConnectionTag | None
    last_contact: datetime | None
    profession: str  # "" unless its owner lets connections see their credentials


@dataclass
class Network:
    ties: list[Tie]
    counts: list[tuple[str, int]]
    missing: list[str] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def tagged(self) -> list[Tie]:
        return [tie for tie in self.ties if tie.tag is not None]

    @property
    def invest(self) -> list[Tie]:
        """Important but weak: where time is best spent."""
        return [t for t in self.tagged if t.tag.importance >= IMPORTANT and t.tag.strength <= 2]


def network_for(user: User) -> Network:
    """Everything /network/ shows, in a fixed number of queries whatever its size."""
    rows = (
        Connection.objects.involving(user)
        .filter(status=Connection.Status.ACCEPTED)
        .select_related("user_a__profile__profession", "user_b__profile__profession")
        .order_by("-accepted_at")
    )
    tags = {tag.connection_id: tag for tag in ConnectionTag.objects.filter(owner=user)}
    pairs = []
    for row in rows:
        other = row.user_b if row.user_a_id == user.pk else row.user_a
        profile = getattr(other, "profile", None)
        if profile is not None and other.is_member:
            pairs.append((profile, row))
    contacts = last_contacts(user, [profile.user_id for profile, _ in pairs])
    ties = []
    for profile, row in pairs:
        groups = visible_groups_for(profile, user, connected=True) if user.is_member else set()
        profession = (
            profile.profession.label if "credentials" in groups and profile.profession else ""
        )
        ties.append(Tie(profile, row, tags.get(row.pk), contacts.get(profile.user_id), profession))
    counted = Counter(tie.tag.type for tie in ties if tie.tag)
    counts = [(label, counted.get(value, 0)) for value, label in ConnectionTag.Type.choices]
    network = Network(ties=ties, counts=counts)
    network.missing = _missing(user, network, counted)
    network.follow_ups = pending_follow_ups(user)
    return network


def pending_follow_ups(user: User) -> list[FollowUp]:
    """`user`'s reminders still to come, soonest first, with whom (people since gone
    from their view left out), in one query."""
    rows = (
        FollowUp.objects.pending()
        .filter(owner=user, other__in=User.objects.in_good_standing().visible_to(user))
        .select_related("other__profile")
        .order_by("due_on", "pk")
    )
    return [row for row in rows if hasattr(row.other, "profile")]


def _missing(user: User, network: Network, counted: Counter) -> list[str]:
    if not network.ties:
        return ["No connections yet: the directory and your matches are good places to start."]
    missing = []
    if not counted.get(ConnectionTag.Type.MENTOR):
        missing.append("No mentor yet.")
    if not counted.get(ConnectionTag.Type.PEER_CONSULTATION):
        missing.append("No one to consult with about cases.")
    if not counted.get(ConnectionTag.Type.INTERDISCIPLINARY):
        missing.append("No interdisciplinary contacts.")
    own = getattr(getattr(user, "profile", None), "profession", None)
    professions = {tie.profession for tie in network.ties if tie.profession}
    if own is not None and len(network.ties) >= 3 and professions == {own.label}:
        missing.append("Everyone you can see a profession for is in your own profession.")
    return missing


def quiet_connections(user: User, *, now: datetime | None = None) -> list[Tie]:
    """Important connections with no contact for QUIET_WEEKS weeks (or never)."""
    now = now or timezone.now()
    cutoff = now - timedelta(weeks=QUIET_WEEKS)
    return [
        tie
        for tie in network_for(user).tagged
        if tie.tag.importance >= IMPORTANT
        and (tie.last_contact or tie.connection.accepted_at) < cutoff
    ]


def network_quiet_reminders_send() -> int:
    """Weekly: one gentle note per member naming their important connections gone
    quiet (never one per person), once per ISO week (the key says which week). A nudge:
    it counts against the weekly cap and can be turned off."""
    year, week, _ = timezone.now().isocalendar()
    owners = (
        User.objects.in_good_standing()
        .filter(connection_tags__importance__gte=IMPORTANT)
        .distinct()
    )
    sent = 0
    for owner in owners.iterator(chunk_size=200):
        quiet = quiet_connections(owner)
        if not quiet:
            continue
        notify(
            recipient=owner,
            kind="network_quiet",
            key=f"network_quiet:{owner.pk}:{year}-W{week:02d}",
            context={
                "names": [tie.profile.display_name for tie in quiet[:5]],
                "more": max(0, len(quiet) - 5),
            },
            url=reverse("members:network"),
        )
        sent += 1
    return sent


# Follow-ups are sent from this hour of the owner's day on (the email itself still
# waits for the end of their quiet hours, as every email does).
FOLLOW_UP_HOUR = 8


def follow_ups_remind_send(*, now: datetime | None = None) -> int:
    """Hourly: each member whose follow-ups fall due today (their date, from 8 a.m.
    their time) gets one note naming everyone due, never one per person. Each row is
    claimed under a row lock (SKIP LOCKED) and marked in the same transaction as the
    notification, so two workers, or a retried task, remind once. Reminders about
    someone the owner can no longer reach are closed without being sent. A nudge: it
    counts against the weekly cap and can be turned off."""
    now = now or timezone.now()
    # Everything due by tomorrow in UTC is a superset of what is due today anywhere.
    horizon = now.date() + timedelta(days=1)
    owner_ids = (
        FollowUp.objects.pending()
        .filter(due_on__lte=horizon, owner__in=User.objects.in_good_standing())
        .values_list("owner_id", flat=True)
        .distinct()
        .order_by("owner_id")
    )
    owners = User.objects.filter(pk__in=list(owner_ids)).select_related("profile")
    sent = 0
    for owner in owners.iterator(chunk_size=200):
        local = now.astimezone(owner.zone)
        if local.hour < FOLLOW_UP_HOUR:
            continue
        if _remind_owner(owner, local.date(), now):
            sent += 1
    return sent


@transaction.atomic
def _remind_owner(owner: User, today, now: datetime) -> bool:
    rows = list(
        FollowUp.objects.pending()
        .filter(owner=owner, due_on__lte=today)
        .select_for_update(skip_locked=True)
        .order_by("due_on", "pk")
    )
    if not rows:
        return False
    reachable = set(
        User.objects.in_good_standing()
        .visible_to(owner)
        .filter(pk__in=[row.other_id for row in rows])
        .values_list("pk", flat=True)
    )
    due = [row for row in rows if row.other_id in reachable]
    FollowUp.objects.filter(pk__in=[row.pk for row in rows]).update(reminded_at=now)
    if not due:
        return False
    names = dict(
        Profile.objects.filter(user_id__in=[row.other_id for row in due]).values_list(
            "user_id", "display_name"
        )
    )
    people = [
        {
            "name": names.get(row.other_id, ""),
            "about": row.about,
            "source": row.get_source_display(),
        }
        for row in due
        if names.get(row.other_id)
    ]
    if not people:
        return False
    notify(
        recipient=owner,
        kind="follow_up_due",
        key=f"follow_up:{owner.pk}:{today.isoformat()}:{max(row.pk for row in due)}",
        context={"people": people[:10], "more": max(0, len(people) - 10)},
        url=reverse("members:network"),
    )
    return True
