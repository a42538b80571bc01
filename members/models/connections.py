"""Connections, blocks and dual relationships: one row per pair of members for a
connection or a request; the blocks that make two people not exist for each other
(read through `User.objects.visible_to()` or `blocked_between()`); and the private
declarations of a dual relationship that keep two people from being introduced (read
through `User.objects.introducible_to()`, `may_introduce()` or, for many people at once,
`introduction_barriers()`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# The user model is named, not imported: accounts.py imports the block rule from here.
User = settings.AUTH_USER_MODEL


class ConnectionQuerySet(models.QuerySet):
    def involving(self, user) -> ConnectionQuerySet:
        return self.filter(models.Q(user_a=user) | models.Q(user_b=user))

    def between(self, a, b) -> ConnectionQuerySet:
        """The (at most one) connection or request between two people, either order."""
        low, high = sorted([_pk(a), _pk(b)])
        return self.filter(user_a_id=low, user_b_id=high)

    def accepted_ids_of(self, user) -> models.QuerySet:
        """The user ids of `user`'s accepted connections (a flat values_list)."""
        pk = _pk(user)
        return (
            self.involving(pk)
            .filter(status=self.model.Status.ACCEPTED)
            .annotate(
                other=models.Case(
                    models.When(user_a_id=pk, then=models.F("user_b_id")),
                    default=models.F("user_a_id"),
                )
            )
            .values_list("other", flat=True)
        )

    def states_with(self, viewer, other_ids) -> dict[int, str]:
        """{other id: "connected" / "sent" / "received"} for each of `other_ids` that has
        a connection or a request with `viewer`, from the viewer's side, in one query
        (the same words as `Connection.state_for`). People with neither are absent."""
        pk = _pk(viewer)
        ids = list(other_ids)
        rows = self.filter(
            models.Q(user_a_id=pk, user_b_id__in=ids) | models.Q(user_b_id=pk, user_a_id__in=ids)
        )
        return {row.other_id(pk): row.state_for(pk) for row in rows}


class Connection(models.Model):
    """A connection between two members, or a request for one.

    One row per pair: the two people are stored in id order (user_a < user_b), so A→B
    and B→A are the same row and the unique constraint covers both directions.
    `requested_by` says who asked. Declining, withdrawing and removing delete the row
    (nothing is kept, so a declined request leaves no trace the sender could see).
    Changes go through the services in members/services.py.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACCEPTED = "accepted", "Connected"

    user_a = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    user_b = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_a", "user_b"],
                name="%(app_label)s_%(class)s_one_per_pair",
                violation_error_message="These two members already have a connection or a request.",
            ),
            models.CheckConstraint(
                condition=models.Q(user_a__lt=models.F("user_b")),
                name="%(app_label)s_%(class)s_pair_ordered",
                violation_error_message="A connection joins two different members, stored "
                "in id order.",
            ),
            models.CheckConstraint(
                condition=models.Q(requested_by=models.F("user_a"))
                | models.Q(requested_by=models.F("user_b")),
                name="%(app_label)s_%(class)s_requested_by_a_party",
                violation_error_message="Only one of the two members can ask to connect.",
            ),
            models.CheckConstraint(
                condition=models.Q(status="requested", accepted_at__isnull=True)
                | models.Q(status="accepted", accepted_at__isnull=False),
                name="%(app_label)s_%(class)s_accepted_at_matches_status",
                violation_error_message="An accepted connection records when it was accepted.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_a_id}–{self.user_b_id} ({self.status})"

    @classmethod
    def for_pair(cls, a, b, **fields) -> Connection:
        """An unsaved connection between `a` and `b`, with the pair in id order."""
        low, high = sorted([a, b], key=_pk)
        return cls(user_a=low, user_b=high, **fields)

    @property
    def recipient_id(self) -> int:
        """Who was asked (the side that did not send the request)."""
        return self.user_b_id if self.requested_by_id == self.user_a_id else self.user_a_id

    def involves(self, user) -> bool:
        return _pk(user) in (self.user_a_id, self.user_b_id)

    def other_id(self, user) -> int:
        return self.user_b_id if _pk(user) == self.user_a_id else self.user_a_id

    def state_for(self, viewer) -> str:
        """connected / sent / received, as `viewer` (one of the two) sees this row."""
        if self.status == self.Status.ACCEPTED:
            return "connected"
        return "sent" if self.requested_by_id == _pk(viewer) else "received"


class ConnectionTag(models.Model):
    """`owner`'s private view of one of their connections: what kind of tie it is, how
    strong it is and how much it matters to them (1–5). Nobody else ever sees it, not
    even the other person; each side of a connection tags it for themself. Removing
    the connection removes its tags."""

    class Type(models.TextChoices):
        PEER_CONSULTATION = "peer_consultation", "Peer consultation"
        MENTOR = "mentor", "Mentor"
        MENTEE = "mentee", "Mentee"
        INTERDISCIPLINARY = "interdisciplinary", "Interdisciplinary"
        LEARNING_COMMUNITY = "learning_community", "Learning community"
        REFERRAL_PARTNER = "referral_partner", "Referral partner"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="connection_tags")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="tags")
    type = models.CharField(max_length=20, choices=Type.choices)
    strength = models.PositiveSmallIntegerField(default=3)
    importance = models.PositiveSmallIntegerField(default=3)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "connection"],
                name="%(app_label)s_%(class)s_once_per_owner",
                violation_error_message="You have already tagged this connection.",
            ),
            models.CheckConstraint(
                condition=models.Q(strength__gte=1, strength__lte=5)
                & models.Q(importance__gte=1, importance__lte=5),
                name="%(app_label)s_%(class)s_scores_1_to_5",
                violation_error_message="Strength and importance go from 1 to 5.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.connection_id} ({self.type})"


class BlockQuerySet(models.QuerySet):
    def between(self, a, b) -> BlockQuerySet:
        """Blocks between two people in either direction. `b` may be an OuterRef."""
        return self.filter(models.Q(blocker=a, blocked=b) | models.Q(blocker=b, blocked=a))


class Block(models.Model):
    """`blocker` blocked `blocked`: from then on neither exists for the other.

    Read the rule through `User.objects.visible_to()` or `blocked_between()`, never by
    querying this table by hand.
    """

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(default=timezone.now)

    objects = BlockQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["blocker", "blocked"],
                name="%(app_label)s_%(class)s_once_per_pair",
                violation_error_message="You have already blocked this member.",
            ),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="You cannot block yourself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocked {self.blocked_id}"


class DualRelationshipQuerySet(models.QuerySet):
    def involving(self, user) -> DualRelationshipQuerySet:
        """Declarations on either side: the exclusion is mutual even though only the
        declaring member ever sees the row."""
        return self.filter(models.Q(member=user) | models.Q(other=user))

    def between(self, a, b) -> DualRelationshipQuerySet:
        """Declarations between two people, whoever made them. `b` may be an OuterRef."""
        return self.filter(models.Q(member=a, other=b) | models.Q(member=b, other=a))


class DualRelationship(models.Model):
    """`member` privately declares an existing relationship with `other`, or simply
    asks not to be introduced. The two are then never suggested, paired or put in the
    same new consultation group, and neither learns why: `other` is never told, and the
    row is shown only to `member`."""

    class Kind(models.TextChoices):
        CLINICAL = "clinical", "Clinical relationship"
        SUPERVISORY = "supervisory", "Supervisory relationship"
        PERSONAL = "personal", "Personal relationship"
        DO_NOT_INTRODUCE = "do_not_introduce", "Please don't introduce us"

    member = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="dual_relationships_declared"
    )
    # No reverse accessor: nothing reachable from `other` should lead to this row.
    other = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DualRelationshipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "other"],
                name="%(app_label)s_%(class)s_once_per_pair",
                violation_error_message="You have already told us about your relationship "
                "with this member.",
            ),
            models.CheckConstraint(
                condition=~models.Q(member=models.F("other")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="You cannot declare a relationship with yourself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.other_id} ({self.kind})"


def not_blocked_with(viewer, user_ref: str = "pk") -> models.Q:
    """The block rule as a filter: the row whose user is at `user_ref` ("pk" on User,
    "user_id" on Profile, …) is in no block with `viewer`, in either direction (SPEC §2:
    "a member who blocked you, or whom you blocked, does not exist for you anywhere").

    A NOT EXISTS subquery, so it composes with any other filter in one statement. Use it
    through `User.objects.visible_to()` / `Profile.objects.visible_to()`, or directly on
    another model's user column (an event's `created_by_id`, an RSVP's `user_id`): an
    EXISTS over `User.objects.visible_to()` there is planned as a pass over every
    member before the first row is looked at.
    """
    return ~models.Exists(Block.objects.between(viewer, models.OuterRef(user_ref)))


def in_block_with_ids(viewer) -> models.QuerySet:
    """The ids of everyone in a block with `viewer`, in either direction, as a subquery:
    the set form of `not_blocked_with`, for filtering many rows by a user column
    (`~Q(created_by_id__in=in_block_with_ids(viewer))`). PostgreSQL reads the viewer's
    few blocks once into a hash, where NOT EXISTS probes the block table for each row:
    counting 6,000 upcoming events took 18 ms that way, mostly those probes."""
    pk = _pk(viewer)
    return (
        Block.objects.filter(models.Q(blocker_id=pk) | models.Q(blocked_id=pk))
        .annotate(
            other=models.Case(
                models.When(blocker_id=pk, then=models.F("blocked_id")),
                default=models.F("blocker_id"),
            )
        )
        .values("other")
    )


def blocked_between(a, b) -> bool:
    """True if either of the two people blocked the other (the access-check form of
    `User.objects.visible_to`, for one profile, message or invitation)."""
    return Block.objects.between(a, b).exists()


def no_dual_relationship_with(viewer, user_ref: str = "pk") -> models.Q:
    """Neither `viewer` nor the user at `user_ref` declared a dual relationship with the
    other (see `DualRelationship`). Use it through `User.objects.introducible_to()`."""
    return ~models.Exists(DualRelationship.objects.between(viewer, models.OuterRef(user_ref)))


def may_introduce(a, b) -> bool:
    """The pair form of `User.objects.introducible_to`: may Hive put these two in
    front of each other (suggest, pair for coffee, seat in the same new group)? Not
    when either blocked the other or declared a dual relationship with them."""
    return not (blocked_between(a, b) or DualRelationship.objects.between(a, b).exists())


# Ids per statement in `introduction_barriers`: a round asks about every opted-in member
# at once, and an IN list that long is better sent in slices.
BARRIER_BATCH = 5000


def introduction_barriers(user_ids) -> set[tuple[int, int]]:
    """The rule of `may_introduce` for many people at once: every pair among `user_ids`
    that may never be put in front of each other (a block either way, or a dual
    relationship whoever declared it), as (lower id, higher id).

    For pairing rounds, which weigh thousands of people together: two statements per
    BARRIER_BATCH ids (each row is found from its declaring side, so once), never one
    per person or per pair."""
    ids = sorted({_pk(user) for user in user_ids})
    wanted = set(ids)
    found: set[tuple[int, int]] = set()
    for start in range(0, len(ids), BARRIER_BATCH):
        batch = ids[start : start + BARRIER_BATCH]
        for rows in (
            Block.objects.filter(blocker_id__in=batch).values_list("blocker_id", "blocked_id"),
            DualRelationship.objects.filter(member_id__in=batch).values_list(
                "member_id", "other_id"
            ),
        ):
            for a, b in rows.order_by():
                if b in wanted:
                    found.add((a, b) if a < b else (b, a))
    return found


def never_introduced_ids(viewer) -> list[models.QuerySet]:
    """Everyone `viewer` may never be introduced to, as flat id querysets (blocks and
    dual relationships, each way) for a caller to UNION with its own exclusions in one
    statement; the same rule as `introducible_to`."""
    pk = _pk(viewer)
    return [
        Block.objects.filter(blocker_id=pk).values_list("blocked_id"),
        Block.objects.filter(blocked_id=pk).values_list("blocker_id"),
        DualRelationship.objects.filter(member_id=pk).values_list("other_id"),
        DualRelationship.objects.filter(other_id=pk).values_list("member_id"),
    ]


def _pk(user_or_id) -> int:
    return getattr(user_or_id, "pk", user_or_id)
