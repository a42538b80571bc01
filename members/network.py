"""The network check (/network/): a member's connections with their private tags, the
last contact with each, what the network lacks, the weekly "gone quiet" nudge, and the
follow-up reminders every app can set ("remind me to follow up in N weeks").

Last contact comes from the feature apps, which members may not import: each app that
knows when two people were last in touch offers `<app>/contacts.py` with
`last_contacts(user, other_ids) -> dict[user_id, datetime]`, found through
`hive.plugins.app_modules("contacts")` (messaging today; coffee dates, events and groups
as they arrive). The most recent answer wins.

"The next three people to meet for what is missing" comes from matching, which members
may not import either: an app that can suggest people offers `<app>/network.py` with
`next_to_meet(user, gaps, *, limit) -> NextToMeet | None`, found through
`hive.plugins.app_modules("network")`. It is given the gaps' codes (GAP_*), never the
member's connections or tags: those stay private to this page.
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
NEXT_TO_MEET = 3

# What a network can lack, as the codes the "next to meet" plug-ins read.
GAP_NO_CONNECTIONS = "no_connections"
GAP_MENTOR = "mentor"
GAP_PEER_CONSULTATION = "peer_consultation"
GAP_INTERDISCIPLINARY = "interdisciplinary"
GAP_OWN_PROFESSION = "own_profession"


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


@dataclass(frozen=True)
class Gap:
    code: str  # GAP_*
    text: str  # what the member reads


@dataclass
class Network:
    ties: list[Tie]
    counts: list[tuple[str, int]]
    gaps: list[Gap] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [gap.text for gap in self.gaps]

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
    network.gaps = _gaps(user, network, counted)
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


def _gaps(user: User, network: Network, counted: Counter) -> list[Gap]:
    if not network.ties:
        return [
            Gap(
                GAP_NO_CONNECTIONS,
                "No connections yet: the directory and your matches are good places to start.",
            )
        ]
    gaps = []
    if not counted.get(ConnectionTag.Type.MENTOR):
        gaps.append(Gap(GAP_MENTOR, "No mentor yet."))
    if not counted.get(ConnectionTag.Type.PEER_CONSULTATION):
        gaps.append(Gap(GAP_PEER_CONSULTATION, "No one to consult with about cases."))
    if not counted.get(ConnectionTag.Type.INTERDISCIPLINARY):
        gaps.append(Gap(GAP_INTERDISCIPLINARY, "No interdisciplinary contacts."))
    own = getattr(getattr(user, "profile", None), "profession", None)
    professions = {tie.profession for tie in network.ties if tie.profession}
    if own is not None and len(network.ties) >= 3 and professions == {own.label}:
        gaps.append(
            Gap(
                GAP_OWN_PROFESSION,
                "Everyone you can see a profession for is in your own profession.",
            )
        )
    return gaps


@dataclass(frozen=True)
class NextPerson:
    """Someone to meet next, suggested by a plug-in: never a connection, someone Hive
    may introduce to the member, in good standing and open to suggestions."""

    profile: Profile
    for_what: str  # what they would add: "Mentorship", "Interdisciplinary", …
    reason: str  # why, in plain words
    profession: str = ""  # only when its owner shows it to all members


@dataclass(frozen=True)
class NextToMeet:
    people: list[NextPerson]
    # A kind word when the suggestions could be better (or are missing) and how to fix
    # it: the text, a link and the link's words. Empty when there is nothing to say.
    notice: str = ""
    notice_url: str = ""
    notice_link: str = ""


def next_to_meet(user: User, network: Network, *, limit: int = NEXT_TO_MEET) -> NextToMeet | None:
    """Up to `limit` people to meet for what `network` lacks, from every app that can
    suggest people (None when nothing is missing or no app can)."""
    codes = [gap.code for gap in network.gaps]
    if not codes:
        return None
    people: list[NextPerson] = []
    notice = None
    # This very module is members' own "network" module: only the others are plug-ins.
    for module in app_modules("network"):
        if module.__name__ == __name__:
            continue
        found = module.next_to_meet(user, codes, limit=limit)
        if found is None:
            continue
        seen = {person.profile.user_id for person in people}
        people += [person for person in found.people if person.profile.user_id not in seen]
        notice = notice or (found if found.notice else None)
    if not people and notice is None:
        return None
    return NextToMeet(
        people=people[:limit],
        notice=notice.notice if notice else "",
        notice_url=notice.notice_url if notice else "",
        notice_link=notice.notice_link if notice else "",
    )


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
