"""The member directory page (/directory/): a GET form, results as a named partial.

Without JavaScript the form is an ordinary GET; with htmx a change reloads only the
results region and the address bar follows, so the URL always holds the search. The
filters sit in a <details> ("Filters (n)"), closed on a phone and opened by hive.js on a
wide screen; the count of results goes to a live region of its own, so a screen reader
hears "12 members found", not the whole list again.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django import forms
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.autoreload import file_changed
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from hive.access import member_required
from hive.http import page_link_pressed, page_numbers
from hive.widgets import FixedChoices, QuickSelect
from members import photos
from members.directory import (
    MARK_START,
    MARK_STOP,
    PRACTICE_TERM_FILTERS,
    DirectoryFilters,
    directory_search,
    effective_sort,
    marked_html,
)
from members.distances import KM_PER_MILE, distance_phrase, viewer_uses_miles
from members.models import US_JURISDICTIONS, Connection, Profile, Term
from members.places import search_places
from members.privacy import visible_groups_for
from members.ratelimit import browsing_limit
from members.taxonomy import all_terms

RADIUSES = ("10", "25", "50", "100")  # in the viewer's unit: miles or km
SORT_CHOICES = [("relevance", "Best match"), ("nearest", "Nearest"), ("newest", "Newest")]
MAX_QUERY_LENGTH = 200


class DirectoryForm(forms.Form):
    """The directory's search and filters (GET). A value that is not a choice is dropped
    on its own, so a stale or hand-edited URL still shows a sensible search."""

    q = forms.CharField(label="Search", max_length=MAX_QUERY_LENGTH, required=False)
    profession = forms.ChoiceField(required=False, widget=QuickSelect)
    tier = forms.ChoiceField(
        label="Credential tier",
        choices=FixedChoices([("", "Any tier"), *Profile.Tier.choices]),
        required=False,
        widget=QuickSelect,
    )
    specialty = forms.ChoiceField(required=False, widget=QuickSelect)
    modality = forms.ChoiceField(required=False, widget=QuickSelect)
    population = forms.ChoiceField(label="Population served", required=False, widget=QuickSelect)
    language = forms.ChoiceField(required=False, widget=QuickSelect)
    looking_for = forms.ChoiceField(label="Looking for", required=False, widget=QuickSelect)
    telehealth = forms.ChoiceField(
        label="Telehealth in",
        choices=FixedChoices([("", "Any jurisdiction"), *US_JURISDICTIONS]),
        required=False,
        widget=QuickSelect,
    )
    near = forms.CharField(label="Near (city)", max_length=120, required=False)
    radius = forms.ChoiceField(label="Within", required=False, widget=QuickSelect)
    referrals = forms.BooleanField(label="Accepting referrals", required=False)
    sort = forms.ChoiceField(
        label="Sort by", choices=FixedChoices(SORT_CHOICES), required=False, widget=QuickSelect
    )

    # What "Filters (n)" counts: everything but the words, the sort and the radius.
    FILTERS = (
        "profession",
        "tier",
        "specialty",
        "modality",
        "population",
        "language",
        "looking_for",
        "telehealth",
        "near",
        "referrals",
    )

    def __init__(self, data, *, terms: list[Term], miles: bool = True):
        self.base_fields = {**self.base_fields}  # this instance's radius choices only
        self.base_fields["radius"] = forms.ChoiceField(
            label="Within", choices=_radius_choices(miles), required=False, widget=QuickSelect
        )
        choices = _term_choices(tuple((term.kind, term.slug, term.label) for term in terms))
        cleaned = {"radius": "25", "sort": "relevance"}
        for name, value in data.items():
            if name not in self.base_fields:
                continue
            field_choices = choices.get(name) or getattr(self.base_fields[name], "choices", None)
            if field_choices is not None and value not in field_choices.values:
                continue
            cleaned[name] = value[:MAX_QUERY_LENGTH]
        super().__init__(cleaned)
        for name, field_choices in choices.items():
            self.fields[name].choices = field_choices

    def values(self) -> dict:
        self.is_valid()  # always valid: the data was normalised above
        return self.cleaned_data

    def filter_count(self) -> int:
        """How many filters narrow the search now (the "n" of "Filters (n)")."""
        values = self.values()
        return sum(1 for name in self.FILTERS if values.get(name))


# The form's choices, built once per taxonomy (its terms' kind, slug and label, in
# order: an edited term makes a new key) and per unit, not on every request.
@functools.lru_cache(maxsize=8)
def _term_choices(terms: tuple[tuple[str, str, str], ...]) -> dict[str, FixedChoices]:
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for kind, slug, label in terms:
        by_kind.setdefault(kind, []).append((slug, label))
    return {
        "profession": FixedChoices(
            [("", "Any profession"), *by_kind.get(Term.Kind.PROFESSION, [])]
        ),
        **{
            name: FixedChoices([("", "Any"), *by_kind.get(kind, [])])
            for name, kind in PRACTICE_TERM_FILTERS.items()
        },
    }


@functools.lru_cache(maxsize=2)
def _radius_choices(miles: bool) -> FixedChoices:
    unit = "miles" if miles else "km"
    return FixedChoices([(value, f"{value} {unit}") for value in RADIUSES])


MAX_TAGS = 5


@dataclass(frozen=True)
class Tag:
    label: str
    matched: bool = False  # the search's words or a filter found this term


@dataclass(frozen=True)
class DirectoryCard:
    """What one result card shows, only from the field groups the viewer may see of the
    profile: the name and the headline with the search's words marked, the credential
    once, the place and distance, a passage of the bio where the words matched, and up
    to MAX_TAGS terms, those that matched first (so a card says why it is here).

    Everything the card's template prints is a field here, already chosen for the
    viewer, so equal cards print the same HTML: `html` is kept for the next equal card
    (see `_card_html`)."""

    handle: str
    name: SafeString
    photo: SafeString  # the thumbnail, or the initials in its place
    pronouns: str = ""
    credential: str = ""
    headline: SafeString = SafeString("")
    snippet: SafeString = SafeString("")
    place: str = ""
    distance: str = ""
    tags: tuple[Tag, ...] = ()
    more_tags: int = 0
    accepting_referrals: bool = False

    @property
    def html(self) -> SafeString:
        return _card_html(self)


@functools.lru_cache(maxsize=4096)
def _card_html(card: DirectoryCard) -> SafeString:
    """The card's HTML from its partial (members/directory.html#card). A card holds
    everything its template reads, so an equal card is the same HTML: each process
    keeps the last 4,096 (a few MB), which spares the template on the pages members
    open most (the first pages of the directory, common filters). A changed profile
    makes a different card, never a stale one. Only this process's memory holds them;
    nothing is written anywhere."""
    return SafeString(get_template("members/directory.html#card").render({"card": card}))


@receiver(file_changed)
def _forget_cards_when_a_template_changes(sender, file_path, **kwargs) -> None:
    """In development, an edited template shows at once: Django's autoreloader empties
    its template cache on this signal, and the kept cards go with it. (Returns None, so
    the autoreloader still decides for itself whether to restart.)"""
    if file_path.suffix == ".html":
        _card_html.cache_clear()


def _without_credential(headline: str, credentials: str) -> str:
    """The headline without a leading copy of the letters the card shows already:
    "LCSW · Anxiety care" under "Licensed Clinical Social Worker, LCSW" is "Anxiety care".
    Only before a separator, so "LCSW working with teens" keeps its sentence. The
    headline may carry the search's marks around the letters."""
    if not credentials:
        return headline
    mark = f"[{MARK_START}{MARK_STOP}]?"
    lead = re.compile(rf"{mark}{re.escape(credentials)}{mark}\s*[·•|,:;–—-]\s*")
    stripped = lead.sub("", headline, count=1) if lead.match(headline) else headline
    return stripped[:1].upper() + stripped[1:] if stripped != headline else headline


_MARKDOWN = [
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](link) -> text
    (re.compile(r"(\*\*|__|\*|`)"), ""),  # emphasis and code marks
    (re.compile(r"(^|\n)\s*(#+|>|[-*+]|\d+\.)\s+"), r"\1"),  # headings, quotes, list marks
    (re.compile(r"\s+"), " "),
]


def _snippet(marked: str | None, bio: str) -> SafeString:
    """The passage of the bio around the search's words, as plain words (the bio is
    Markdown), with an ellipsis where it was cut; nothing when the bio did not match."""
    if not marked or MARK_START not in marked:
        return SafeString("")
    text = marked
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    text = text.strip()
    plain = text.replace(MARK_START, "").replace(MARK_STOP, "")
    whole = bio
    for pattern, replacement in _MARKDOWN:
        whole = pattern.sub(replacement, whole)
    whole = whole.strip()
    before = "" if whole.startswith(plain) else "…"
    after = "" if whole.endswith(plain) else "…"
    return SafeString(f"{before}{marked_html(text)}{after}")


def _tags(profile: Profile, matched_ids: set[int]) -> tuple[tuple[Tag, ...], int]:
    """The terms a card lists: those the search or a filter matched (any kind), then
    the specialties, up to MAX_TAGS; and how many specialties are left out."""
    matched = [term for term in profile.chosen_terms if term.pk in matched_ids]
    specialties = [
        term
        for term in profile.chosen_terms
        if term.kind == Term.Kind.SPECIALTY and term.pk not in matched_ids
    ]
    tags = [Tag(term.label, True) for term in matched]
    room = max(0, MAX_TAGS - len(tags))
    tags += [Tag(term.label) for term in specialties[:room]]
    return tuple(tags), max(0, len(specialties) - room)


def directory_card(
    profile: Profile, visible: set[str], *, miles: bool, filtered_ids: frozenset[int] = frozenset()
) -> DirectoryCard:
    """One result card from the field groups `visible` to its viewer (and the marks a
    search put on the profile, if any). `profile.chosen_terms` must be set (the search
    sets it; the privacy page's preview too). Runs no query."""
    card: dict = {
        "handle": profile.handle,
        "name": marked_html(getattr(profile, "name_marked", None) or profile.display_name),
        # The photo belongs to no field group: whoever may see the person sees it.
        "photo": photos.photo_html(profile, photos.SMALL, "directory-avatar"),
    }
    credentials = ""
    if "credentials" in visible:
        credentials = profile.credentials
        label = profile.profession.label if profile.profession_id else ""
        card["credential"] = ", ".join(part for part in (label, credentials) if part)
    if "about" in visible:
        card["pronouns"] = profile.pronouns
        if profile.headline:
            marked = getattr(profile, "headline_marked", None) or profile.headline
            card["headline"] = marked_html(_without_credential(marked, credentials))
            card["snippet"] = _snippet(getattr(profile, "bio_marked", None), profile.bio)
    if "location" in visible:
        card["place"] = ", ".join(part for part in (profile.city, profile.region) if part)
        if getattr(profile, "distance_km", None) is not None:
            card["distance"] = distance_phrase(profile.distance_km, miles=miles)
    if "practice" in visible:
        matched = set(getattr(profile, "matched_term_ids", None) or ()) | filtered_ids
        card["tags"], card["more_tags"] = _tags(profile, matched)
        card["accepting_referrals"] = profile.accepting_referrals == Profile.Referrals.YES
    return DirectoryCard(**card)


def _cards(
    page, viewer, connected_ids: list[int], *, filtered_ids: set[int], miles: bool
) -> list[DirectoryCard]:
    """The page's cards (no query: the search brought the terms and the marks, and the
    viewer's connections were looked up for it). `filtered_ids` are the terms the filters
    asked for, which a card marks as matched too."""
    connected = set(connected_ids)
    return [
        directory_card(
            profile,
            visible_groups_for(profile, viewer, connected=profile.user_id in connected),
            miles=miles,
            filtered_ids=frozenset(filtered_ids),
        )
        for profile in page
    ]


@require_GET
@member_required
@browsing_limit("directory")
def directory(request: HttpRequest) -> HttpResponse:
    """/directory/: search and filter the members you may see, 20 a page. htmx requests
    get the results region only."""
    terms = all_terms()
    miles = viewer_uses_miles(request.user)
    form = DirectoryForm(request.GET, terms=terms, miles=miles)
    values = form.values()
    place, place_error = None, ""
    near = (values.get("near") or "").strip()
    if near:
        found = search_places(near, limit=1)
        if found:
            place = found[0]
        else:
            place_error = (
                f"We couldn’t find a city called “{near}”. Try a city name, like “Oakland, CA”."
            )
    filters = DirectoryFilters(
        profession=values.get("profession") or "",
        tier=values.get("tier") or "",
        accepting_referrals=bool(values.get("referrals")),
        telehealth=values.get("telehealth") or "",
        place=place,
        radius_km=float(values.get("radius") or 25) * (KM_PER_MILE if miles else 1),
        **{name: (values[name],) if values.get(name) else () for name in PRACTICE_TERM_FILTERS},
    )
    q = values.get("q") or ""
    page = None
    cards: list[DirectoryCard] = []
    if not place_error:
        connected_ids = list(Connection.objects.accepted_ids_of(request.user))
        page = directory_search(
            viewer=request.user,
            q=q,
            filters=filters,
            sort=values.get("sort") or "",
            page=request.GET.get("page"),
            connected_ids=connected_ids,
            taxonomy=terms,
        )
        filtered_ids = {
            term.pk
            for term in terms
            for name, kind in PRACTICE_TERM_FILTERS.items()
            if term.kind == kind and term.slug == values.get(name)
        }
        cards = _cards(page, request.user, connected_ids, filtered_ids=filtered_ids, miles=miles)
    searched = any(
        request.GET.get(name) for name in form.base_fields if name not in ("sort", "radius")
    )
    context = {
        "form": form,
        "page": page,
        "cards": cards,
        "place": place,
        "place_error": place_error,
        "searched": searched,
        "sort": effective_sort(q=q, filters=filters, sort=values.get("sort") or ""),
        "focus_results": page_link_pressed(request),
        "filter_count": form.filter_count(),
        "unit": "miles" if miles else "km",
        "page_numbers": (
            page_numbers(page.number, page.paginator.num_pages, known_last=page.paginator.exact)
            if page is not None
            else []
        ),
    }
    partial = bool(request.htmx and not request.htmx.history_restore_request)
    context["htmx"] = partial  # the fragment brings the live region's line out of band
    template = "members/directory.html#results" if partial else "members/directory.html"
    response = render(request, template, context)
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
