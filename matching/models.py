"""The values questionnaire and members' answers, private dual relationships, and
dismissed suggestions.

Answers are private: no member ever sees another member's answers, only reasons built
by `matching.scoring.shared_priorities`. Dual relationships are private to the member
who declares them. The scoring itself lives in `matching.scoring`, free of Django.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from matching import scoring
from members.models import User

# --- Questionnaire -----------------------------------------------------------------------


class QuestionnaireQuerySet(models.QuerySet):
    def current(self) -> Questionnaire | None:
        """The version members answer now: the highest one loaded."""
        return self.order_by("-version").first()


class Questionnaire(models.Model):
    """One version of the values questionnaire. Rows come from data migrations
    (`matching.questionnaire`); a new version adds rows, it never rewrites old ones."""

    version = models.PositiveSmallIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        ordering = ["version"]

    def __str__(self) -> str:
        return f"Values questionnaire v{self.version}"


class Statement(models.Model):
    """A statement members answer by picking one of `options` (a list of labels); an
    answer stores the option's index, so the options of a loaded statement never change."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="statements"
    )
    # Stable across versions: a later version may repeat a key for the same idea.
    key = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField()
    # A short noun phrase for reasons: "you both prioritise <topic>".
    topic = models.CharField(max_length=80)
    text = models.TextField()
    options = models.JSONField()

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "key"],
                name="%(app_label)s_%(class)s_unique_key_per_version",
                violation_error_message="This questionnaire version already has a "
                "statement with this key.",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.questionnaire.version}/{self.key}"

    @property
    def option_count(self) -> int:
        return len(self.options)


# --- Answers -----------------------------------------------------------------------------


class Answer(models.Model):
    """A member's answer to one statement: their own option (`choice`), the options they
    accept from a colleague (`accepted`, bit i set = option i), how much it matters, and
    whether a mismatch rules a colleague out altogether."""

    class Importance(models.IntegerChoices):
        # The same values as matching.scoring.Importance (a test keeps them equal);
        # spelt out so migrations hold plain numbers.
        IRRELEVANT = 0, "Irrelevant"
        A_LITTLE = 1, "A little"
        SOMEWHAT = 2, "Somewhat"
        VERY = 3, "Very"

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="value_answers")
    # PROTECT: a statement someone answered is history, not something to delete.
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="answers")
    choice = models.PositiveSmallIntegerField()
    accepted = models.PositiveSmallIntegerField()
    importance = models.PositiveSmallIntegerField(
        choices=Importance.choices, default=Importance.SOMEWHAT
    )
    dealbreaker = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The suggestion engine asks every request for answers changed since its last
            # look (matching.engine); without this that is a scan of every answer.
            models.Index(fields=["updated_at"], name="matching_answer_updated_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "statement"],
                name="%(app_label)s_%(class)s_once_per_statement",
                violation_error_message="You have already answered this statement.",
            ),
            # The database cannot see the statement's option count from this row, so it
            # enforces the bounds any statement shares (the bitmask's 8 bits); clean()
            # checks the statement's own count.
            models.CheckConstraint(
                condition=models.Q(choice__lt=scoring.MAX_OPTIONS),
                name="%(app_label)s_%(class)s_choice_in_range",
                violation_error_message="Your answer must be one of the statement's options.",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted__gte=1),
                name="%(app_label)s_%(class)s_accepts_something",
                violation_error_message="Choose at least one answer you accept from a colleague.",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted__lt=1 << scoring.MAX_OPTIONS),
                name="%(app_label)s_%(class)s_accepted_in_range",
                violation_error_message="The answers you accept must be among the "
                "statement's options.",
            ),
            models.CheckConstraint(
                condition=models.Q(importance__lte=3),
                name="%(app_label)s_%(class)s_importance_valid",
                violation_error_message="Importance must be irrelevant, a little, somewhat "
                "or very.",
            ),
            models.CheckConstraint(
                condition=models.Q(dealbreaker=False) | models.Q(importance__gt=0),
                name="%(app_label)s_%(class)s_dealbreaker_matters",
                violation_error_message="A statement that is irrelevant to you cannot be a "
                "dealbreaker.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} on {self.statement_id}"

    def clean(self) -> None:
        """Check the answer against this statement's options (the part of the range
        the database constraints cannot see)."""
        super().clean()
        if self.statement_id is None:
            return
        count = self.statement.option_count
        errors = {}
        if self.choice is not None and self.choice >= count:
            errors["choice"] = "Your answer must be one of the statement's options."
        if self.accepted is not None and self.accepted >= 1 << count:
            errors["accepted"] = "The answers you accept must be among the statement's options."
        if errors:
            raise ValidationError(errors)

    def as_response(self) -> scoring.Response:
        """This answer in the form `matching.scoring` works with."""
        return scoring.Response(
            choice=self.choice,
            accepted=self.accepted,
            importance=self.importance,
            dealbreaker=self.dealbreaker,
        )


# --- Pairs never to introduce ------------------------------------------------------------


class Purpose(models.TextChoices):
    """Why a suggestion is made; each has its own scoring on top of the values score."""

    PEER_CONSULTATION = "peer_consultation", "Peer consultation"
    MENTORSHIP = "mentorship", "Mentorship"
    INTERDISCIPLINARY = "interdisciplinary", "Interdisciplinary"
    REFERRAL = "referral", "Referrals"
    COFFEE = "coffee", "Coffee date"


class DismissalQuerySet(models.QuerySet):
    def in_force(self, at=None) -> DismissalQuerySet:
        """Dismissals that still hide someone: every "never", and "not now" until it
        lapses."""
        at = at or timezone.now()
        return self.filter(models.Q(kind=Dismissal.Kind.NEVER) | models.Q(until__gt=at))


class Dismissal(models.Model):
    """`member` dismissed `other` as a suggestion for one purpose, or for all of them
    (`purpose` = ALL). "Not now" lapses at `until`; "never" does not."""

    ALL = "all"
    NOT_NOW_DAYS = 30

    class Kind(models.TextChoices):
        NOT_NOW = "not_now", "Not now"
        NEVER = "never", "Never"

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="dismissals")
    other = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=20, choices=[*Purpose.choices, (ALL, "All suggestions")])
    kind = models.CharField(max_length=10, choices=Kind.choices)
    until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DismissalQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "other", "purpose"],
                name="%(app_label)s_%(class)s_once_per_purpose",
                violation_error_message="You have already dismissed this suggestion.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="not_now", until__isnull=False)
                | models.Q(kind="never", until__isnull=True),
                name="%(app_label)s_%(class)s_until_matches_kind",
                violation_error_message="“Not now” lasts until a date; “never” has none.",
            ),
            models.CheckConstraint(
                condition=~models.Q(member=models.F("other")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="You cannot dismiss yourself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} dismissed {self.other_id} ({self.purpose}, {self.kind})"

    @classmethod
    def not_now(cls, *, member, other, purpose: str, now=None) -> Dismissal:
        """An unsaved "not now" dismissal lasting NOT_NOW_DAYS."""
        until = (now or timezone.now()) + timedelta(days=cls.NOT_NOW_DAYS)
        return cls(member=member, other=other, purpose=purpose, kind=cls.Kind.NOT_NOW, until=until)


class SuggestionFeedback(models.Model):
    """`member`'s answer to "Good suggestion?" about `other` under one purpose: stored
    so the suggestions learn from it (matching.suggestions lowers candidates like those
    they said "not really" to) and so staff can see how often suggestions land (the
    share of "yes" per purpose, /review/matching/). One answer per pair and purpose; a
    new answer replaces the old."""

    class Verdict(models.TextChoices):
        YES = "yes", "Yes"
        NOT_REALLY = "not_really", "Not really"

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "other", "purpose"],
                name="%(app_label)s_%(class)s_once_per_purpose",
                violation_error_message="You already said whether this was a good suggestion.",
            ),
            models.CheckConstraint(
                condition=models.Q(verdict__in=["yes", "not_really"]),
                name="%(app_label)s_%(class)s_verdict_known",
                violation_error_message="Answer “yes” or “not really”.",
            ),
            models.CheckConstraint(
                condition=~models.Q(member=models.F("other")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="You cannot rate a suggestion of yourself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} on {self.other_id} ({self.purpose}): {self.verdict}"


class MatchingChange(models.Model):
    """A member whose matching data changed in a way no timestamp shows: an answer
    withdrawn (a deleted row has no `updated_at`), or anything a caller of
    `matching.services.matching_changed` knows about. Every web process reads this
    table, with the answers' and profiles' timestamps, to patch its suggestion snapshot
    (matching.engine), so one row per member is enough: the latest change wins."""

    member = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.member_id} changed at {self.changed_at:%Y-%m-%d %H:%M:%S}"


class ValuesConsent(models.Model):
    """A member's explicit agreement that their values answers may be used for
    matching (SPEC: answers are used for matching only with explicit consent).

    Answers exist only alongside this row: `matching.services.answer_save` refuses
    without it (reading it under a lock), and withdrawing it deletes the answers in the
    same transaction (`values_consent_withdraw`). So the engine, which scores whatever
    answers there are, never needs to ask."""

    member = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="values_consent"
    )
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "values consent"

    def __str__(self) -> str:
        return f"{self.member_id} agreed at {self.given_at:%Y-%m-%d %H:%M:%S}"
