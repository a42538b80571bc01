"""The member directory: the search document, and the one query behind /directory/.

Visibility is enforced in the query, never afterwards in Python: only approved members
in good standing who chose to be listed, nobody in a block with the viewer, and text or a
filter on a field group matches only where the owner shows that group to the viewer (to
every member, or to connections and the viewer is one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

from members.models import Block, Connection, Profile, Term, User
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

# Each profile has two documents. `search_vector` holds what every member may see: the
# display name always, the about group (headline, bio) and the practice terms only when
# their owner shows them to all members; otherwise a text search would reveal a hidden
# bio word by word. `search_vector_connections` adds what is shown to connections, and
# is searched only for the viewer's own connections. "Only me" text is in neither.
# Changing a visibility setting therefore calls profile_refresh_search too.
_DOCUMENT_SQL = """
    setweight(to_tsvector('english', p.display_name), 'A')
    || setweight(to_tsvector('english', CASE WHEN p.about_visibility IN ({audience})
                                             THEN p.headline ELSE '' END), 'B')
    || setweight(to_tsvector('english', CASE WHEN p.about_visibility IN ({audience})
                                             THEN p.bio ELSE '' END), 'C')
    || setweight(to_tsvector('english', CASE WHEN p.practice_visibility IN ({audience})
                                             THEN coalesce(labels.text, '') ELSE '' END), 'B')
"""
# The f-string only joins the constant document above: values travel as parameters.
_REFRESH_SQL = f"""
UPDATE members_profile AS p
SET search_vector = {_DOCUMENT_SQL.format(audience="%(members)s")},
    search_vector_connections = {_DOCUMENT_SQL.format(audience="%(members)s, %(connections)s")}
FROM (
    SELECT profile.id, string_agg(term.label, ' ' ORDER BY term.id) AS text
    FROM members_profile AS profile
    LEFT JOIN members_profile_terms AS chosen ON chosen.profile_id = profile.id
    LEFT JOIN members_term AS term ON term.id = chosen.term_id
    WHERE profile.id = ANY(%(ids)s)
    GROUP BY profile.id
) AS labels
WHERE p.id = labels.id
"""  # noqa: S608


def profile_refresh_search(profile_ids: Iterable[int]) -> int:
    """Rebuild the directory's search document of these profiles in one UPDATE.

    Call it after any write that changes a profile's name, about text, terms or
    visibility (profile editing, seeding). Returns the number of profiles updated.
    """
    ids = [int(pk) for pk in profile_ids]
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            _REFRESH_SQL, {"ids": ids, "members": V.MEMBERS, "connections": V.CONNECTIONS}
        )
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


def _shown(group: str, connected_ids: list[int]) -> Q:
    """Profiles whose `group` the viewer may see: shown to all members, or to connections
    and the viewer is one. A filter on a group matches only where the group is shown,
    so filtering can never reveal a hidden field."""
    shown = Q(**{f"{group}_visibility": V.MEMBERS})
    if connected_ids:
        shown |= Q(**{f"{group}_visibility": V.CONNECTIONS, "user_id__in": connected_ids})
    return shown


def _apply_filters(
    rows: QuerySet[Profile], filters: DirectoryFilters, connected_ids: list[int]
) -> QuerySet[Profile]:
    practice = _shown("practice", connected_ids)
    location = _shown("location", connected_ids)
    credentials = _shown("credentials", connected_ids)

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
    *,
    viewer: User,
    q: str,
    filters: DirectoryFilters,
    sort: str,
    page: int | str | None,
    connected_ids: list[int] | None = None,
) -> Page:
    """One page (20 profiles) of the directory as `viewer` may see it.

    Full-text search with websearch syntax ranked by ts_rank, the filters, and a sort
    (relevance / nearest / newest) with the id as a stable tiebreak. Profession and
    terms are loaded with the page: a fixed number of queries for any page size.
    """
    rows = directory_queryset(viewer=viewer)
    # The viewer's connections, as a list of ids: the query then narrows by the primary
    # key rather than joining connections for every candidate row.
    # (Pass them in when the caller has them already.)
    if connected_ids is None:
        connected_ids = list(Connection.objects.accepted_ids_of(viewer))
    q = (q or "").strip()
    if q:
        query = SearchQuery(q, search_type="websearch", config="english")
        if connected_ids:
            connected = Q(user_id__in=connected_ids)
            rows = rows.filter(
                Q(search_vector=query) | (connected & Q(search_vector_connections=query))
            ).annotate(
                rank=Case(
                    When(connected, then=SearchRank(F("search_vector_connections"), query)),
                    default=SearchRank(F("search_vector"), query),
                )
            )
        else:
            rows = rows.filter(search_vector=query).annotate(
                rank=SearchRank(F("search_vector"), query)
            )
    rows = _apply_filters(rows, filters, connected_ids)
    order = {
        "relevance": ("-rank", "-created_at", "id"),
        "nearest": ("distance_km", "id"),
        "newest": ("-created_at", "-id"),
    }[effective_sort(q=q, filters=filters, sort=sort)]
    rows = (
        rows.order_by(*order)
        .defer("search_vector", "search_vector_connections")
        .select_related("profession")
        .prefetch_related(Prefetch("terms", queryset=Term.objects.order_by("position", "label")))
    )
    return Paginator(rows, PAGE_SIZE).get_page(page)
