"""One viewer's suggestions for one purpose: exclusions, the engine's ranking, the
database's final word, and the reasons, in a fixed number of queries whatever the
number of suggestions.

The steps, and the queries each costs:
1. The viewer's profile with its term ids (1), and the snapshot brought up to date (1
   when nothing changed; matching.engine).
2. Everyone the viewer must not be offered, in one query: blocks either way, dual
   relationships declared by either side (neither learns why), dismissals by the viewer
   still in force for this purpose or for all, existing connections and pending
   requests. The engine masks them, the dealbreaker-excluded and the viewer, in numpy,
   before taking the top k: exact, not a filter after the fact that could leave a page
   short.
3. The viewer's answers (1), then the ranking (no query).
4. The best LIMIT + MARGIN candidates loaded in ranked order (1), filtered again in SQL
   by `User.objects.visible_to(viewer)`, membership status and the matches switch: the
   database is the final authority, the snapshot only ranks. Anyone the database drops
   is queued for the engine to recheck; the margin keeps the page full meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, F, Value, When
from django.utils import timezone

from matching import engine, features, purposes, reasons, scoring
from matching.models import Dismissal, Purpose, SuggestionFeedback
from members.distances import uses_miles
from members.models import Connection, Profile, User, never_introduced_ids
from members.privacy import ALL_GROUPS, visible_groups_for

LIMIT = 20
# Learning from the viewer: each dismissal or "not really" (net of "yes") about a
# candidate of some profession multiplies that profession's scores for this viewer and
# purpose by (1 - LEARNING_STEP), down to LEARNING_FLOOR: after three dismissed
# dietitians, dietitians rank about a third lower under that tab.
LEARNING_STEP = 0.15
LEARNING_FLOOR = 0.4
MARGIN = 10
# Fewer answers than this and the values part of the ranking is mostly the prior: the
# page asks the member to answer a few more.
FEW_ANSWERS = 5


@dataclass(frozen=True)
class Suggestion:
    profile: Profile
    reason: str
    groups: frozenset[str]  # the profile's field groups the viewer may see
    profession_label: str  # the profession's label, shown only with its group
    feedback: str = ""  # the viewer's "Good suggestion?" answer, if any

    @property
    def profession(self) -> str:
        return self.profession_label if "credentials" in self.groups else ""

    @property
    def headline(self) -> str:
        return self.profile.headline if "about" in self.groups else ""


@dataclass(frozen=True)
class Suggestions:
    purpose: str
    items: list[Suggestion]
    answered: int  # statements of the current questionnaire the viewer answered
    profile: Profile | None
    # What the viewer could share with members to get (better) suggestions here.
    hints: list[str] = field(default_factory=list)

    @property
    def few_answers(self) -> bool:
        return self.answered < FEW_ANSWERS


def excluded_ids(viewer: User, purpose: str) -> set[int]:
    """Everyone never to suggest to `viewer` for `purpose`, in one query (a UNION): those
    Hive may never introduce them to (members' rule: blocks and dual relationships,
    whoever declared them; the reason is never shown), dismissals, and connections.

    This set only steers the ranking; the final filter is
    `User.objects.introducible_to`, the same rule in SQL."""
    pk = viewer.pk
    other_of_connection = Case(When(user_a_id=pk, then=F("user_b_id")), default=F("user_a_id"))
    sources = [
        *never_introduced_ids(viewer),
        Dismissal.objects.in_force(timezone.now())
        .filter(member_id=pk, purpose__in=[purpose, Dismissal.ALL])
        .values_list("other_id"),
        Connection.objects.involving(pk).annotate(other=other_of_connection).values_list("other"),
    ]
    first, *rest = (source.order_by() for source in sources)
    return {other for (other,) in first.union(*rest, all=True)}


# What features, cards and privacy need of a profile; nothing large (bio, the search
# documents), so loading thirty candidates stays cheap.
_CARD_FIELDS = (
    "user_id",
    "handle",
    "display_name",
    "photo_token",
    "headline",
    "suggest_in_matches",
    "country",
    *(f"{group}_visibility" for group in ALL_GROUPS),
    *features.PROFILE_COLUMNS,
)


def _profiles():
    """Profiles with their term ids, and only the columns matching reads."""
    return Profile.objects.only(*dict.fromkeys(_CARD_FIELDS)).annotate(term_ids=features.term_ids())


def hints_for(purpose: str, me: purposes.Member) -> list[str]:
    """What the viewer could add to their profile, shown to all members, to get (better)
    suggestions for this purpose: the ranking uses only what a member shows to all
    members, theirs included, and each purpose needs its own facts."""
    hints = []
    if purpose in (Purpose.MENTORSHIP, Purpose.PEER_CONSULTATION) and me.stage == purposes.UNKNOWN:
        hints.append("your career stage")
    if purpose == Purpose.MENTORSHIP and not (
        me.wants(purposes.GIVING) or me.wants(purposes.RECEIVING)
    ):
        hints.append("“Mentorship” (giving or receiving) under what you are looking for")
    if purpose == Purpose.INTERDISCIPLINARY:
        if me.profession == purposes.UNKNOWN:
            hints.append("your profession")
        if not me.populations:
            hints.append("the populations you serve")
    if purpose == Purpose.PEER_CONSULTATION and not (me.specialties or me.modalities):
        hints.append("your specialties or modalities")
    if purpose == Purpose.REFERRAL:
        if not me.specialties:
            hints.append("the specialties you offer (so we suggest those you don’t)")
        if not (me.located or me.telehealth):
            hints.append("your practice location or telehealth jurisdictions")
    if purpose == Purpose.COFFEE:
        if not me.located:
            hints.append("your practice location")
        if not me.wants(purposes.COFFEE):
            hints.append("“Coffee dates” under what you are looking for")
    return hints


def lessons(viewer: User, purpose: str) -> tuple[dict[int, str], list[int], list[int]]:
    """What the viewer told us under `purpose`, in one query: their "Good suggestion?"
    answers (other id -> verdict), and the ids of everyone they dismissed or said "not
    really" to here (or dismissed everywhere), whatever the date: lapsed "not now"s
    still teach."""
    dismissed = (
        Dismissal.objects.filter(member=viewer, purpose__in=[purpose, Dismissal.ALL])
        .annotate(verdict=Value("dismissed"))
        .values_list("other_id", "verdict")
    )
    rated = SuggestionFeedback.objects.filter(member=viewer, purpose=purpose).values_list(
        "other_id", "verdict"
    )
    verdicts: dict[int, str] = {}
    disliked = []
    for other, verdict in rated.order_by().union(dismissed.order_by(), all=True):
        if verdict != "dismissed":
            verdicts[other] = verdict
        if verdict != SuggestionFeedback.Verdict.YES:
            disliked.append(other)
    liked = [other for other, verdict in verdicts.items() if verdict == "yes"]
    return verdicts, disliked, liked


def damping(snap, disliked: list[int], liked: list[int]) -> dict[int, float]:
    """Profession id -> score factor, from the professions (as members see them) of the
    candidates the viewer disliked and liked (see LEARNING_STEP)."""
    net: dict[int, int] = {}
    for ids, step in ((disliked, 1), (liked, -1)):
        for uid in ids:
            row = snap.row_of.get(uid)
            profession = int(snap.features.profession[row]) if row is not None else -1
            if profession != purposes.UNKNOWN:
                net[profession] = net.get(profession, 0) + step
    return {
        profession: max(LEARNING_FLOOR, 1 - LEARNING_STEP * count)
        for profession, count in net.items()
        if count > 0
    }


def suggest(viewer: User, purpose: str, *, limit: int = LIMIT) -> Suggestions:
    """`viewer`'s best `limit` suggestions for `purpose` (a Purpose value), best first,
    each with its reason (module docstring)."""
    profile = _profiles().filter(user=viewer).first()
    if profile is None:  # a staff account without a member profile: nothing to match on
        return Suggestions(purpose=purpose, items=[], answered=0, profile=None)
    snap = engine.snapshot()
    exclude = excluded_ids(viewer, purpose)
    me = engine.viewer_for(viewer, profile, snap)
    verdicts, disliked, liked = lessons(viewer, purpose)
    ranked = engine.rank(
        snap,
        me,
        purpose,
        exclude=exclude,
        k=limit + MARGIN,
        damp=damping(snap, disliked, liked),
    )
    allowed = User.objects.introducible_to(viewer).in_good_standing().filter(pk__in=ranked.user_ids)
    found = {p.user_id: p for p in _profiles().filter(user__in=allowed, suggest_in_matches=True)}
    dropped = [uid for uid in ranked.user_ids if uid not in found]
    if dropped:
        engine.recheck(dropped)
    shown = [found[uid] for uid in ranked.user_ids if uid in found][:limit]
    members = features.many_features(shown, snap.vocabulary)
    topics = [
        [
            snap.topics[key]
            for key in scoring.shared_priorities(me.answers, ranked.answers_of(c.user_id))
            if key in snap.topics
        ]
        for c in shown
    ]
    # Weighed against each other: what distinguishes each among the viewer's candidates.
    texts = reasons.reasons_for(
        purpose,
        me.member,
        members,
        topics=topics,
        vocabulary=snap.vocabulary,
        miles=uses_miles(country=profile.country, zone=viewer.timezone),
    )
    items = []
    for candidate, reason in zip(shown, texts, strict=True):
        # Never a connection (they are excluded), so "connected" is False: the viewer
        # sees what its owner shows to all members, exactly what the features hold.
        groups = frozenset(visible_groups_for(candidate, viewer, connected=False))
        label = snap.vocabulary.professions.get(candidate.profession_id, "")
        verdict = verdicts.get(candidate.user_id, "")
        items.append(Suggestion(candidate, reason, groups, label, verdict))
    return Suggestions(
        purpose=purpose,
        items=items,
        answered=me.answered_count,
        profile=profile,
        hints=hints_for(purpose, me.member),
    )
