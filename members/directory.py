"""The member directory: the search document, and the one query behind /directory/.

Visibility is enforced in the query, never afterwards in Python: only approved members
in good standing who chose to be listed, nobody in a block with the viewer, and a filter
on a field group matches only profiles whose owner shows that group to every member.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, F, FloatField, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

from members.models import Block, Profile, Term, User
from members.places import Place

PAGE_SIZE = 20
EARTH_RADIUS_KM = 6371.0088
V = Profile.Visibility

# Term kinds a directory filter can use, as DirectoryFilters field → Term.Kind.
PRACTICE_TERM_FILTERS = {
    "specialty": Term.Kind.SPECIALTY,
    "modality": Term.Kind.MODALITY,
    "population": Term.Kind.POPULATION,
    "language": Term.Kind.LANGUAGE,
    "looking_for": Term.Kind.LOOKING_FOR,
}
SORTS = ("relevance", "nearest", "newest")


# --- The search document --------------------------------------------------------------

# Only what every member may see goes into the document: the display name always, the
# about group (headline, bio) and the practice terms only when their owner shows them to
# all members. Otherwise a text search would reveal a hidden bio word by word. Changing
# a visibility setting therefore calls profile_refresh_search too.
_REFRESH_SQL = """
UPDATE members_profile AS p
SET search_vector =
    setweight(to_tsvector('english', p.display_name), 'A')
    || setweight(to_tsvector('english', CASE WHEN p.about_visibility = %(members)s
                                             THEN p.headline ELSE '' END), 'B')
    || setweight(to_tsvector('english', CASE WHEN p.about_visibility = %(members)s
                                             THEN p.bio ELSE '' END), 'C')
    || setweight(to_tsvector('english', CASE WHEN p.practice_visibility = %(members)s
                                             THEN coalesce(labels.text, '') ELSE '' END), 'B')
FROM (
    SELECT profile.id, string_agg(term.label, ' ' ORDER BY term.id) AS text
    FROM members_profile AS profile
    LEFT JOIN members_profile_terms AS chosen ON chosen.profile_id = profile.id
    LEFT JOIN members_term AS term ON term.id = chosen.term_id
    WHERE profile.id = ANY(%(ids)s)
    GROUP BY profile.id
) AS labels
WHERE p.id = labels.id
"""


def profile_refresh_search(profile_ids: Iterable[int]) -> int:
    """Rebuild the directory's search document of these profiles in one UPDATE.

    Call it after any write that changes a profile's name, about text, terms or
    visibility (profile editing, seeding). Returns the number of profiles updated.
    """
    ids = [int(pk) for pk in profile_ids]
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH_SQL, {"ids": ids, "members": V.MEMBERS})
        return cursor.rowcount


# --- The search -----------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryFilters:
    """What the directory narrows to. Term filters take slugs; within one kind any of
    the given slugs matches, and different filters all apply."""

    profession: str = ""  # a profession Term's id or slug
    tier: str = ""
    specialty: tuple[str, ...] = ()
    modality: tuple[str, ...] = ()
    population: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    looking_for: tuple[str, ...] = ()
    accepting_referrals: bool = False
    telehealth: str = ""  # a jurisdiction code, e.g. "CA"
    place: Place | None = None
    radius_km: float = 25.0


def directory_queryset(*, viewer: User) -> QuerySet[Profile]:
    """Every profile `viewer` may find in the directory, before search and filters."""
    return (
        Profile.objects.filter(
            user__membership_status=User.Status.MEMBER,
            user__is_active=True,
            listed_in_directory=True,
        )
        .exclude(user_id=viewer.pk)
        .filter(~Exists(Block.objects.between(viewer, OuterRef("user_id"))))
    )


def _bounding_box(place: Place, radius_km: float) -> Q:
    """A latitude/longitude box around the place that holds the whole circle: cheap on
    the (latitude, longitude) index, and the exact distance then runs on few rows."""
    angle = radius_km / EARTH_RADIUS_KM  # the radius as an angle at the centre, radians
    dlat = math.degrees(angle)
    box = Q(latitude__range=(place.latitude - dlat, place.latitude + dlat))
    cos_lat = math.cos(math.radians(place.latitude))
    if math.sin(angle) < cos_lat:  # else the circle reaches a pole: every longitude
        # The widest longitude the circle reaches (wider than radius / cos(latitude)).
        dlon = math.degrees(math.asin(math.sin(angle) / cos_lat))
        west, east = place.longitude - dlon, place.longitude + dlon
        if west >= -180 and east <= 180:
            box &= Q(longitude__range=(west, east))
        else:  # the box crosses the antimeridian: two ranges
            box &= Q(longitude__gte=(west + 540) % 360 - 180) | Q(
                longitude__lte=(east + 540) % 360 - 180
            )
    return box


def _distance_km(place: Place):
    """The haversine distance from the place to the profile's coordinates, in SQL."""
    lat1 = Value(math.radians(place.latitude), output_field=FloatField())
    lon1 = Value(math.radians(place.longitude), output_field=FloatField())
    lat2, lon2 = Radians("latitude"), Radians("longitude")
    a = Power(Sin((lat2 - lat1) / 2), 2) + Cos(lat1) * Cos(lat2) * Power(Sin((lon2 - lon1) / 2), 2)
    # Least() keeps rounding from pushing asin's argument past 1.
    return Value(2 * EARTH_RADIUS_KM) * ASin(Least(Sqrt(a), Value(1.0)))


def _apply_filters(rows: QuerySet[Profile], filters: DirectoryFilters) -> QuerySet[Profile]:
    # First version: a filter on a field group matches only profiles that show the
    # group to all members. Profiles showing it to connections only could match for a
    # connected viewer too; that needs the viewer's connections in the query (later).
    practice = Q(practice_visibility=V.MEMBERS)
    location = Q(location_visibility=V.MEMBERS)
    credentials = Q(credentials_visibility=V.MEMBERS)

    if filters.profession:
        value = str(filters.profession)
        by = Q(profession_id=int(value)) if value.isdigit() else Q(profession__slug=value)
        rows = rows.filter(by, credentials)
    if filters.tier:
        rows = rows.filter(credentials, credential_tier=filters.tier)
    for name, kind in PRACTICE_TERM_FILTERS.items():
        slugs = list(getattr(filters, name))
        if slugs:
            chosen = Profile.terms.through.objects.filter(
                profile_id=OuterRef("pk"), term__kind=kind, term__slug__in=slugs
            )
            rows = rows.filter(practice, Exists(chosen))
    if filters.accepting_referrals:
        rows = rows.filter(practice, accepting_referrals=Profile.Referrals.YES)
    if filters.telehealth:
        rows = rows.filter(location, telehealth_jurisdictions__contains=[filters.telehealth])
    if filters.place is not None:
        rows = (
            rows.filter(location, _bounding_box(filters.place, filters.radius_km))
            .annotate(distance_km=_distance_km(filters.place))
            .filter(distance_km__lte=filters.radius_km)
        )
    return rows


def effective_sort(*, q: str, filters: DirectoryFilters, sort: str) -> str:
    """The sort actually used: relevance needs a query, nearest needs a place."""
    if sort == "relevance" and q:
        return "relevance"
    if sort == "nearest" and filters.place is not None:
        return "nearest"
    if sort == "newest":
        return "newest"
    if q:
        return "relevance"
    return "nearest" if filters.place is not None else "newest"


def directory_search(
    *, viewer: User, q: str, filters: DirectoryFilters, sort: str, page: int | str | None
) -> Page:
    """One page (20 profiles) of the directory as `viewer` may see it.

    Full-text search with websearch syntax ranked by ts_rank, the filters, and a sort
    (relevance / nearest / newest) with the id as a stable tiebreak. Profession and
    terms are loaded with the page: a fixed number of queries for any page size.
    """
    rows = directory_queryset(viewer=viewer)
    q = (q or "").strip()
    if q:
        query = SearchQuery(q, search_type="websearch", config="english")
        rows = rows.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
    rows = _apply_filters(rows, filters)
    order = {
        "relevance": ("-rank", "-created_at", "id"),
        "nearest": ("distance_km", "id"),
        "newest": ("-created_at", "-id"),
    }[effective_sort(q=q, filters=filters, sort=sort)]
    rows = (
        rows.order_by(*order)
        .defer("search_vector")
        .select_related("profession")
        .prefetch_related(Prefetch("terms", queryset=Term.objects.order_by("position", "label")))
    )
    return Paginator(rows, PAGE_SIZE).get_page(page)
