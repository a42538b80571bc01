"""Writes in matching: members' answers to the values questionnaire.

Every change that can alter who is suggested to whom ends by calling
`matching_changed(member_id)`, the one place the suggestion engine hooks into.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from matching.models import (
    Answer,
    Dismissal,
    MatchingChange,
    Purpose,
    Questionnaire,
    Statement,
    SuggestionFeedback,
    ValuesConsent,
)
from members.models import User


def matching_changed(member_id: int) -> None:
    """Called after anything that may change `member_id`'s suggestions, inside the
    writing transaction.

    The suggestion engine (matching.engine) already sees changes that leave a timestamp
    (`Answer.updated_at`, `Profile.updated_at`); this records the ones that do not, such
    as a cleared answer (a deleted row), in `MatchingChange`, which every web process
    reads with those timestamps. One upsert of one row: cheap enough for every autosave,
    and it commits or rolls back with the change it reports.
    """
    MatchingChange.objects.bulk_create(
        [MatchingChange(member_id=member_id, changed_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["member"],
        update_fields=["changed_at"],
    )


# --- Consent -----------------------------------------------------------------------------

CONSENT_MESSAGE = (
    "Nothing was saved: first agree that we may use your answers to suggest colleagues, "
    "at the top of this page."
)


def has_values_consent(*, member: User) -> bool:
    return ValuesConsent.objects.filter(member=member).exists()


@transaction.atomic
def values_consent_give(*, member: User, now=None) -> ValuesConsent:
    """Record that `member` agrees to their answers being used for matching (kept as
    first given when they agree again)."""
    consent, _ = ValuesConsent.objects.get_or_create(
        member=member, defaults={"given_at": now or timezone.now()}
    )
    return consent


@transaction.atomic
def values_consent_withdraw(*, member: User) -> int:
    """Withdraw consent: the consent and every answer of `member` (all versions) are
    deleted together, so nothing of theirs counts for or against anyone from the next
    request on. Returns how many answers were deleted."""
    # The consent row first, under its lock: an autosave racing with this waits for it
    # (answer_save reads the row FOR UPDATE), then finds no consent and saves nothing.
    locked = ValuesConsent.objects.select_for_update().filter(member=member)
    had_consent = locked.exists()
    locked.delete()
    deleted, _ = Answer.objects.filter(member=member).delete()
    if had_consent or deleted:
        matching_changed(member.pk)
    return deleted


def _require_consent(member: User) -> None:
    if not ValuesConsent.objects.select_for_update().filter(member=member).exists():
        raise ValidationError(CONSENT_MESSAGE, code="no_consent")


# --- Answers -----------------------------------------------------------------------------

OLD_VERSION_MESSAGE = (
    "This statement has changed since you opened the page, so nothing was saved. "
    "Reload the page to answer the current version."
)


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a member is through the current questionnaire."""

    answered: int
    total: int
    # The first statement still unanswered, for a "next" link; None when all are done.
    next_key: str | None = None

    @property
    def at_least_half(self) -> bool:
        return self.total > 0 and 2 * self.answered >= self.total

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.answered >= self.total


def current_questionnaire_id():
    """The current version's id as a subquery, so callers need no query of their own."""
    return Subquery(Questionnaire.objects.order_by("-version").values("pk")[:1])


def values_progress(*, member: User) -> Progress:
    """Answered and total statements of the current questionnaire, and the first one
    left, in one query (a row per statement: there are about twenty)."""
    rows = (
        Statement.objects.filter(questionnaire_id=current_questionnaire_id())
        .annotate(mine=Exists(Answer.objects.filter(member=member, statement=OuterRef("pk"))))
        .order_by("position")
        .values_list("key", "mine")
    )
    return progress_from([(key, answered) for key, answered in rows])


def progress_from(rows: list[tuple[str, bool]]) -> Progress:
    """Progress from (statement key, answered) pairs in questionnaire order."""
    return Progress(
        answered=sum(1 for _, answered in rows if answered),
        total=len(rows),
        next_key=next((key for key, answered in rows if not answered), None),
    )


def current_statements() -> list[Statement]:
    """The current questionnaire's statements in order (one query)."""
    return list(
        Statement.objects.filter(questionnaire_id=current_questionnaire_id()).order_by("position")
    )


def answers_by_statement(*, member: User, statements: list[Statement]) -> dict[int, Answer]:
    """`member`'s answers to `statements`, keyed by statement id (one query)."""
    rows = Answer.objects.filter(member=member, statement__in=[s.pk for s in statements])
    return {answer.statement_id: answer for answer in rows}


def _require_current(statement: Statement) -> None:
    """Answers are only taken for the version members answer now: an answer to a
    replaced statement would never be scored, so saving it would mislead."""
    current = Questionnaire.objects.current()
    if current is None or statement.questionnaire_id != current.pk:
        raise ValidationError(OLD_VERSION_MESSAGE, code="old_version")


@transaction.atomic
def answer_save(
    *,
    member: User,
    statement: Statement,
    choice: int,
    accepted: int,
    importance: int,
    dealbreaker: bool,
) -> Answer:
    """Create or update `member`'s answer to `statement` (of the current questionnaire).

    `accepted` is a bitmask over option indexes. Raises ValidationError (with the
    model's messages) when the answer is out of range, accepts nothing, or makes an
    irrelevant statement a dealbreaker, and (code "no_consent") when the member has not
    agreed to their answers being used for matching.
    """
    _require_current(statement)
    _require_consent(member)
    # Two autosaves of a first answer can race (a double click): the loser's INSERT hits
    # the unique constraint, and then updates the row the winner made.
    for attempt in range(2):
        answer = Answer.objects.select_for_update().filter(
            member=member, statement=statement
        ).first() or Answer(member=member, statement=statement)
        answer.choice = choice
        answer.accepted = accepted
        answer.importance = importance
        answer.dealbreaker = dealbreaker
        # Member and statement are rows we hold, and the answer row is locked or known
        # missing: checking them again would cost three queries on every autosave.
        answer.full_clean(exclude=["member", "statement"])
        try:
            with transaction.atomic():
                answer.save()
        except IntegrityError:
            if answer.pk is not None or attempt:
                raise
            continue
        break
    matching_changed(member.pk)
    return answer


@transaction.atomic
def answer_clear(*, member: User, statement: Statement) -> bool:
    """Forget `member`'s answer to `statement` (of the current questionnaire), as if it
    were never answered: it stops counting for or against anyone. Returns whether there
    was an answer to forget."""
    _require_current(statement)
    deleted, _ = Answer.objects.filter(member=member, statement=statement).delete()
    if deleted:
        matching_changed(member.pk)
    return bool(deleted)


@dataclass(frozen=True, slots=True)
class AnswerValues:
    """What an answer holds, without its row: for saving several at once and undoing."""

    choice: int
    accepted: int  # bitmask over option indexes
    importance: int
    dealbreaker: bool

    @classmethod
    def of(cls, answer: Answer | None) -> AnswerValues | None:
        if answer is None:
            return None
        return cls(answer.choice, answer.accepted, answer.importance, answer.dealbreaker)

    def as_list(self) -> list:
        """For a session (JSON)."""
        return [self.choice, self.accepted, self.importance, self.dealbreaker]


@transaction.atomic
def answers_save(
    *, member: User, changes: list[tuple[Statement, AnswerValues | None]]
) -> dict[int, AnswerValues | None]:
    """Save several answers at once (None clears one), all or nothing: a screen of the
    questionnaire saved with one press. Answers that would not change are left alone.

    Returns, for each statement whose answer changed, its values before (None: it was
    unanswered), which is what an undo needs. Raises what `answer_save` and
    `answer_clear` raise (an old version, no consent, out-of-range values), and then
    nothing is saved."""
    existing = answers_by_statement(member=member, statements=[s for s, _ in changes])
    before: dict[int, AnswerValues | None] = {}
    for statement, values in changes:
        previous = AnswerValues.of(existing.get(statement.pk))
        if previous == values:
            continue
        if values is None:
            answer_clear(member=member, statement=statement)
        else:
            answer_save(
                member=member,
                statement=statement,
                choice=values.choice,
                accepted=values.accepted,
                importance=values.importance,
                dealbreaker=values.dealbreaker,
            )
        before[statement.pk] = previous
    return before


# --- Dismissals and dual relationships ---------------------------------------------------
#
# Both are private to the member who makes them. Neither touches the snapshot: the
# suggestion pages read them fresh on every request (matching.suggestions.excluded_ids).


@transaction.atomic
def dismissal_create(*, member: User, other: User, purpose: str, kind: str, now=None) -> Dismissal:
    """`member` dismisses `other` as a suggestion for `purpose` (a Purpose value, or
    Dismissal.ALL): "not now" hides them for Dismissal.NOT_NOW_DAYS, "never" for good.
    Dismissing again replaces the earlier dismissal for that purpose (so "never" after
    "not now" sticks, and "not now" again restarts the clock)."""
    if purpose not in {*Purpose.values, Dismissal.ALL}:
        raise ValidationError({"purpose": "Unknown purpose."})
    if kind == Dismissal.Kind.NOT_NOW:
        dismissal = Dismissal.not_now(member=member, other=other, purpose=purpose, now=now)
    elif kind == Dismissal.Kind.NEVER:
        dismissal = Dismissal(member=member, other=other, purpose=purpose, kind=kind)
    else:
        raise ValidationError({"kind": "Choose “not now” or “never”."})
    dismissal.created_at = now or timezone.now()
    # The earlier dismissal goes first so validation does not report it as a clash; the
    # upsert then absorbs a concurrent double click instead of tripping the constraint.
    Dismissal.objects.filter(member=member, other=other, purpose=purpose).delete()
    dismissal.full_clean()
    Dismissal.objects.bulk_create(
        [dismissal],
        update_conflicts=True,
        unique_fields=["member", "other", "purpose"],
        update_fields=["kind", "until", "created_at"],
    )
    return dismissal


@transaction.atomic
def suggestion_feedback_record(
    *, member: User, other: User, purpose: str, verdict: str, now=None
) -> SuggestionFeedback:
    """`member` says whether suggesting `other` for `purpose` was good ("yes" / "not
    really"); a second answer replaces the first (an upsert, so a double click is one
    row). Private to `member`: `other` never learns of it."""
    feedback = SuggestionFeedback(
        member=member,
        other=other,
        purpose=purpose,
        verdict=verdict,
        created_at=now or timezone.now(),
    )
    if member.pk == other.pk:
        raise ValidationError("You cannot rate a suggestion of yourself.")
    # The upsert below is the uniqueness rule: an earlier answer is replaced, not a clash.
    feedback.full_clean(validate_unique=False, validate_constraints=False)
    SuggestionFeedback.objects.bulk_create(
        [feedback],
        update_conflicts=True,
        unique_fields=["member", "other", "purpose"],
        update_fields=["verdict", "created_at"],
    )
    return feedback
