"""The member directory: the search document, and the one query behind /directory/.

Visibility is enforced in the query, never afterwards in Python: only approved members
in good standing who chose to be listed, nobody in a block with the viewer, and text or a
filter on a field group matches only where the owner shows that group to the viewer (to
every member, or to connections and the viewer is one).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils.safestring import SafeString

from members.models import Connection, Profile, Term, User
from members.places import Place

PAGE_SIZE = 20
# Counting stops here: a broader search says "1,000+ found" (see DirectoryPaginator).
COUNT_CAP = 1000
EARTH_RADIUS_KM = 6371.0088
Visibility = Profile.Visibility

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
            _REFRESH_SQL,
            {"ids": ids, "members": Visibility.MEMBERS, "connections": Visibility.CONNECTIONS},
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
        Profile.objects.in_good_standing()
        .visible_to(viewer)
        .filter(listed_in_directory=True)
        .exclude(user_id=viewer.pk)
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
    shown = Q(**{f"{group}_visibility": Visibility.MEMBERS})
    if connected_ids:
        shown |= Q(**{f"{group}_visibility": Visibility.CONNECTIONS, "user_id__in": connected_ids})
    return shown


def _apply_filters(
    rows: QuerySet[Profile],
    filters: DirectoryFilters,
    connected_ids: list[int],
    term_ids: dict[tuple[str, str], int],
) -> QuerySet[Profile]:
    practice = _shown("practice", connected_ids)
    location = _shown("location", connected_ids)
    credentials = _shown("credentials", connected_ids)

    if filters.profession:
        value = str(filters.profession)
        if value.isdigit():
            profession_id = int(value)
        else:  # an unknown slug finds nobody, as a join on the slug would
            profession_id = term_ids.get((Term.Kind.PROFESSION, value), 0)
        rows = rows.filter(credentials, profession_id=profession_id)
    if filters.tier:
        rows = rows.filter(credentials, credential_tier=filters.tier)
    for name, kind in PRACTICE_TERM_FILTERS.items():
        slugs = getattr(filters, name)
        if slugs:
            # By the terms' ids, so each candidate costs one probe of the
            # (profile_id, term_id) index and no join to the terms table.
            ids = [term_ids.get((kind, slug), 0) for slug in slugs]
            chosen = Profile.terms.through.objects.filter(
                profile_id=OuterRef("pk"), term_id__in=ids
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


def _term_ids(filters: DirectoryFilters, taxonomy: Iterable[Term] | None) -> dict:
    """(kind, slug) -> id for the terms the filters name, from the taxonomy the caller
    loaded already, else from one small query."""
    wanted = {
        (kind, slug)
        for name, kind in PRACTICE_TERM_FILTERS.items()
        for slug in getattr(filters, name)
    }
    if filters.profession and not str(filters.profession).isdigit():
        wanted.add((Term.Kind.PROFESSION, str(filters.profession)))
    if not wanted:
        return {}
    if taxonomy is None:
        taxonomy = Term.objects.filter(slug__in={slug for _, slug in wanted})
    return {(t.kind, t.slug): t.pk for t in taxonomy if (t.kind, t.slug) in wanted}


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


class DirectoryPaginator(Paginator):
    """The pages of one search, counted only up to a cap.

    Counting every match costs as much as finding them all (93,000 rows for the whole
    directory), so the search counts at most a little past the page asked for, and
    never less than COUNT_CAP: `count` is exact when `exact`, else the page says
    "1,000+ found". `count` is what can be paged through."""

    def __init__(self, *, count: int, exact: bool, more: bool = False) -> None:
        super().__init__((), PAGE_SIZE)
        self.count = count  # shadows the cached property: nothing left to count
        self.exact = exact
        self.cap = f"{COUNT_CAP:,}"  # as the page prints it: "1,000"
        # A broad relevance search ranks only its first COUNT_CAP matches: say so on
        # the last page rather than end the list silently.
        self.more = more


# No directory has this many pages (2 million members); a larger number in the URL would
# overflow the statement's OFFSET (a bigint) and is read as this one, i.e. the last page.
MAX_PAGE = 100_000


def _page_number(page: int | str | None) -> int:
    """The page asked for: 1 when it is not a whole number or is below 1. (A page past
    the end is the last; Paginator.get_page also sends 0 there, but the last page of
    a count that stopped at the cap is not known without counting everything.)"""
    try:
        return min(MAX_PAGE, max(1, int(page))) if page is not None else 1
    except (TypeError, ValueError):
        return 1


# What a directory card may use: every column but the two search documents.
_CARD_COLUMNS = [
    field.column
    for field in Profile._meta.concrete_fields
    if field.name not in ("search_vector", "search_vector_connections")
]


# Highlighting: Postgres marks the words a search matched (ts_headline, with the same
# parser and stemming as the search, so "therapists" marks "therapist") between these
# two control characters, which no one types; `marked_html` escapes the text and only
# then turns each marked run into <mark>.
MARK_START, MARK_STOP = "\x02", "\x03"
_MARK_OPTIONS = "'StartSel=' || chr(2) || ', StopSel=' || chr(3)"
_MARK_ALL = f"'HighlightAll=true, ' || {_MARK_OPTIONS}"
# One passage of the bio around the best match, about a sentence long.
_MARK_SNIPPET = f"'MaxFragments=1, MaxWords=22, MinWords=10, ' || {_MARK_OPTIONS}"
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_STOP}]*){MARK_STOP}")


_WORD = re.compile(r"(?<![\w-])(-?)([\w'’]+)")


def highlight_words(q: str) -> list[str]:
    """The words of a search to mark: each word it asked for, on its own (websearch's
    quotes and "or" aside, and without the words it excluded with a minus). The search
    itself wants every word; a passage of a bio or a term's label is marked for any."""
    return [word for minus, word in _WORD.findall(q or "") if not minus and word.casefold() != "or"]


def marked_html(text: str | None) -> SafeString:
    """Text from ts_headline as HTML: escaped, each matched run in <mark>, and any marker
    left unpaired dropped."""
    escaped = _MARKED.sub(r"<mark>\1</mark>", html.escape(text or "", quote=False))
    # Every character of the text went through html.escape; only <mark> tags were added.
    return SafeString(escaped.replace(MARK_START, "").replace(MARK_STOP, ""))


def _find(
    parts: list[QuerySet[Profile]], sort: str, number: int, q: str = ""
) -> tuple[list[Profile], int, int]:
    """Page `number` of the candidates, in order, with how many candidates were found
    and the most there could have been (so "found < limit" means the count is exact).

    One statement. The candidates are ids and sort keys only, so the wide profile
    rows are read for as few as possible (newest walks a covering index), taken once,
    counted and sorted; only the page's 20 profiles are then read whole, each with
    its term ids. Relevance takes the first COUNT_CAP + 1 matches in the order the
    search index hands them over and ranks those, so ts_rank never runs over tens of
    thousands of rows (below the cap the ranking is over every match, as before);
    newest and nearest walk their order just far enough for this page.

    With a text query `q`, the page's profiles also bring what the search matched, in
    the same statement: their name, headline and a passage of their bio marked
    (`name_marked`, `headline_marked`, `bio_marked`; see `marked_html`) and the ids of
    their terms whose label matched (`matched_term_ids`), each for any of the query's
    words (`highlight_words`). Which of these a card may
    show is the card's business (the viewer's visible groups), as for the fields.

    The candidates are the union of `parts`, which must not overlap (a text search
    splits the viewer's connections from everyone else): each part yields its first
    candidates in the sort's order (relevance: as its index hands them over), and the
    union keeps the first of all of them, the earlier parts' first for relevance.
    """
    offset = end = (number - 1) * PAGE_SIZE
    end += PAGE_SIZE
    # Each candidate: its id and sort keys, named as the statement below reads them.
    ordering: tuple[str, ...] = ()
    if sort == "relevance":
        limit = COUNT_CAP + 1
        end = min(end, COUNT_CAP)  # the one past the cap only says there are more
        keys, order = ["rank", "created_at", "id"], '"rank" DESC, "created_at" DESC, "id"'
    elif sort == "nearest":
        limit = max(COUNT_CAP, end) + 1
        keys, order = ["distance_km", "id"], '"distance_km", "id"'
        ordering = ("distance_km", "id")
    else:
        limit = max(COUNT_CAP, end) + 1
        keys, order = ["created_at", "id"], '"created_at" DESC, "id" DESC'
        ordering = ("-created_at", "-id")
    distance = "distance_km" in parts[0].query.annotations
    if distance and "distance_km" not in keys:
        keys.append("distance_km")  # the cards say how far each member is
    selects, params = [], []
    for rows in parts:
        if ordering:
            rows = rows.order_by(*ordering)
        try:
            sql, part_params = rows.values_list(*keys)[:limit].query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing (an unknown term)
            continue
        selects.append(f"({sql})")
        params.extend(part_params)
    if not selects:
        return [], 0, limit
    if len(selects) == 1:
        inner = selects[0][1:-1]
    else:  # the first `limit` of the parts together (relevance: the earlier parts' first)
        # Django's compiled parts, and the sort's constant order: no input is spliced.
        inner = f"SELECT * FROM ({' UNION ALL '.join(selects)}) AS parts"  # noqa: S608
        inner += "" if sort == "relevance" else f" ORDER BY {order}"
        inner += " LIMIT %s"
        params.append(limit)
    profile, through = Profile._meta.db_table, Profile.terms.through._meta.db_table
    columns = ", ".join(f'p."{column}"' for column in _CARD_COLUMNS)
    if distance:
        columns += ', page."distance_km"'
    term_table = Term._meta.db_table
    words = highlight_words(q)
    if words:
        search = "search AS (SELECT websearch_to_tsquery('english', %s) AS \"query\"),"
        search_params: tuple = (" or ".join(words),)
        columns += f""",
            ts_headline('english', p."display_name", search."query", {_MARK_ALL})
                AS "name_marked",
            ts_headline('english', p."headline", search."query", {_MARK_ALL})
                AS "headline_marked",
            ts_headline('english', p."bio", search."query", {_MARK_SNIPPET}) AS "bio_marked",
            ARRAY(
                SELECT t."term_id" FROM "{through}" AS t
                JOIN "{term_table}" AS term ON term."id" = t."term_id"
                WHERE t."profile_id" = p."id"
                    AND to_tsvector('english', term."label") @@ search."query"
            ) AS "matched_term_ids"
        """  # noqa: S608 - constants and the model's table names; the query is a parameter
        join_search = "LEFT JOIN search ON true"
    else:
        search, search_params, join_search = "", (), ""
    # `inner` is Django's compiled SQL with its own placeholders, and the names are
    # the model's: only the page's bounds are added here, as parameters. One row
    # even when the page is empty, for the count.
    sql = f"""
        WITH candidates AS MATERIALIZED ({inner}),
        page AS (
            SELECT * FROM (
                SELECT *, row_number() OVER (ORDER BY {order}) AS "position" FROM candidates
            ) AS ordered
            WHERE "position" > %s AND "position" <= %s
        ),
        {search}
        counted AS (SELECT count(*) AS "count" FROM candidates)
        SELECT found."count" AS "found", page."position", {columns},
            ARRAY(SELECT t."term_id" FROM "{through}" AS t WHERE t."profile_id" = p."id")
                AS "term_ids"
        FROM counted AS found
        LEFT JOIN page ON true
        LEFT JOIN "{profile}" AS p ON p."id" = page."id"
        {join_search}
        ORDER BY page."position"
    """  # noqa: S608
    found, page = 0, []
    for row in Profile.objects.raw(sql, (*params, offset, end, *search_params)):
        found = row.found
        if row.position is not None:
            page.append(row)
    return page, found, limit


def _with_terms(page: list[Profile], taxonomy: Iterable[Term] | None) -> None:
    """Give each profile its profession and `chosen_terms` (in the taxonomy's order)
    from the taxonomy the caller loaded, so the page needs no query of its own."""
    wanted = {pk for profile in page for pk in profile.term_ids}
    wanted |= {profile.profession_id for profile in page if profile.profession_id}
    if taxonomy is None:
        taxonomy = Term.objects.filter(pk__in=wanted) if wanted else []
    by_id = {term.pk: term for term in taxonomy if term.pk in wanted}
    for profile in page:
        if profile.profession_id in by_id:
            profile.profession = by_id[profile.profession_id]
        chosen = [by_id[pk] for pk in profile.term_ids if pk in by_id]
        profile.chosen_terms = sorted(chosen, key=lambda term: (term.position, term.label))


def directory_search(
    *,
    viewer: User,
    q: str,
    filters: DirectoryFilters,
    sort: str,
    page: int | str | None,
    connected_ids: list[int] | None = None,
    taxonomy: Iterable[Term] | None = None,
) -> Page:
    """One page (20 profiles) of the directory as `viewer` may see it.

    Full-text search with websearch syntax ranked by ts_rank, the filters, and a sort
    (relevance / nearest / newest) with the id as a stable tiebreak. A page that is
    not a whole number, or is below 1, is the first; one past the end is the last.
    Counts stop at COUNT_CAP (see DirectoryPaginator), and a relevance search ranks
    its first COUNT_CAP + 1 matches. One statement finds the page, its count and its
    profiles' terms, whatever the page size (see _find); each profile has its
    profession and `chosen_terms`. Pass `connected_ids` and `taxonomy` (every Term)
    when the caller has them, or they cost a query each.
    """
    rows = directory_queryset(viewer=viewer)
    # The viewer's connections, as a list of ids: the query then narrows by the primary
    # key rather than joining connections for every candidate row.
    # (Pass them in when the caller has them already.)
    if connected_ids is None:
        connected_ids = list(Connection.objects.accepted_ids_of(viewer))
    q = (q or "").strip()
    rows = _apply_filters(rows, filters, connected_ids, _term_ids(filters, taxonomy))
    if q:
        query = SearchQuery(q, search_type="websearch", config="english")
        if connected_ids:
            # A connection matches on either document and is ranked on the one with
            # what they show connections; everyone else on the members' document. Two
            # disjoint parts, so each is one index's exact answer: in one condition
            # (document OR connection's document) the search index and the ids could
            # only hand over candidates, and every one of them (tens of thousands for
            # a broad word) had its document matched again, row by row.
            connected = Q(user_id__in=connected_ids)
            parts = [
                rows.filter(
                    connected, Q(search_vector_connections=query) | Q(search_vector=query)
                ).annotate(rank=SearchRank(F("search_vector_connections"), query)),
                rows.filter(search_vector=query)
                .exclude(connected)
                .annotate(rank=SearchRank(F("search_vector"), query)),
            ]
        else:
            parts = [
                rows.filter(search_vector=query).annotate(
                    rank=SearchRank(F("search_vector"), query)
                )
            ]
    else:
        parts = [rows]
    sort = effective_sort(q=q, filters=filters, sort=sort)

    number = _page_number(page)
    profiles, found, limit = _find(parts, sort, number, q)
    exact = found < limit
    # Relevance pages through its ranked candidates only, so its count stops at the cap.
    count = min(found, COUNT_CAP) if sort == "relevance" else found
    last = max(1, math.ceil(count / PAGE_SIZE))
    if number > last:
        number = last  # past the end: the last page, as Paginator.get_page does
        profiles, found, limit = _find(parts, sort, number, q)
    _with_terms(profiles, taxonomy)
    paginator = DirectoryPaginator(
        count=count, exact=exact, more=sort == "relevance" and found > COUNT_CAP
    )
    return Page(profiles, number, paginator)
