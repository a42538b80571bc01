"""The member directory page (/directory/): a GET form, results as a named partial.

Without JavaScript the form is an ordinary GET; with htmx a change reloads only the
results region and the address bar follows, so the URL always holds the search.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from hive.access import member_required
from hive.http import page_link_pressed
from hive.widgets import QuickSelect
from members.directory import (
    PRACTICE_TERM_FILTERS,
    DirectoryFilters,
    directory_search,
    effective_sort,
)
from members.models import US_JURISDICTIONS, Connection, Profile, Term
from members.places import search_places
from members.privacy import visible_groups_for
from members.ratelimit import browsing_limit

RADIUS_CHOICES = [("10", "10 km"), ("25", "25 km"), ("50", "50 km"), ("100", "100 km")]
SORT_CHOICES = [("relevance", "Best match"), ("nearest", "Nearest"), ("newest", "Newest")]
MAX_QUERY_LENGTH = 200


class DirectoryForm(forms.Form):
    """The directory's search and filters (GET). A value that is not a choice is dropped
    on its own, so a stale or hand-edited URL still shows a sensible search."""

    q = forms.CharField(label="Search", max_length=MAX_QUERY_LENGTH, required=False)
    profession = forms.ChoiceField(required=False, widget=QuickSelect)
    tier = forms.ChoiceField(
        label="Credential tier",
        choices=[("", "Any tier"), *Profile.Tier.choices],
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
        choices=[("", "Any jurisdiction"), *US_JURISDICTIONS],
        required=False,
        widget=QuickSelect,
    )
    near = forms.CharField(label="Near (city)", max_length=120, required=False)
    radius = forms.ChoiceField(
        label="Within", choices=RADIUS_CHOICES, required=False, widget=QuickSelect
    )
    referrals = forms.BooleanField(label="Accepting referrals", required=False)
    sort = forms.ChoiceField(
        label="Sort by", choices=SORT_CHOICES, required=False, widget=QuickSelect
    )

    def __init__(self, data, *, terms: list[Term]):
        by_kind: dict[str, list[tuple[str, str]]] = {}
        for term in terms:
            by_kind.setdefault(term.kind, []).append((term.slug, term.label))
        choices = {
            "profession": [("", "Any profession"), *by_kind.get(Term.Kind.PROFESSION, [])],
            **{
                name: [("", "Any"), *by_kind.get(kind, [])]
                for name, kind in PRACTICE_TERM_FILTERS.items()
            },
        }
        cleaned = {"radius": "25", "sort": "relevance"}
        for name, value in data.items():
            if name not in self.base_fields:
                continue
            field_choices = choices.get(name) or getattr(self.base_fields[name], "choices", None)
            if field_choices is not None and value not in dict(field_choices):
                continue
            cleaned[name] = value[:MAX_QUERY_LENGTH]
        super().__init__(cleaned)
        for name, field_choices in choices.items():
            self.fields[name].choices = field_choices

    def values(self) -> dict:
        self.is_valid()  # always valid: the data was normalised above
        return self.cleaned_data


@dataclass(frozen=True)
class DirectoryCard:
    """What one result card may show: the profile, the field groups the viewer may see
    of it, and its specialties (the only terms a card lists)."""

    profile: Profile
    visible: set[str]
    specialties: list[Term]


def _cards(page, viewer, connected_ids: list[int]) -> list[DirectoryCard]:
    """The page's cards (no query: the search brought the terms, and the viewer's
    connections were looked up for it)."""
    connected = set(connected_ids)
    return [
        DirectoryCard(
            profile=profile,
            visible=visible_groups_for(profile, viewer, connected=profile.user_id in connected),
            specialties=[term for term in profile.chosen_terms if term.kind == Term.Kind.SPECIALTY],
        )
        for profile in page
    ]


@require_GET
@member_required
@browsing_limit("directory")
def directory(request: HttpRequest) -> HttpResponse:
    """/directory/: search and filter the members you may see, 20 a page. htmx requests
    get the results region only."""
    terms = list(Term.objects.all())
    form = DirectoryForm(request.GET, terms=terms)
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
        radius_km=float(values.get("radius") or 25),
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
        cards = _cards(page, request.user, connected_ids)
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
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "members/directory.html#results" if partial else "members/directory.html"
    response = render(request, template, context)
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
