"""Profiles (/members/<handle>/), one's own profile and privacy (/me/…), and the
connection and block actions taken from them."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Window
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hive.access import member_required
from hive.http import local_next
from hive.timezones import UTC
from members import services
from members.access import ProfileAccess, ProfileMoved, access_profile
from members.distances import uses_miles
from members.forms.profiles import ConnectForm, PrivacyForm, ProfileForm
from members.models import Block, Connection, DualRelationship, Profile
from members.places import MIN_QUERY_LENGTH, get_place, normalise, search_places, zone_of
from members.privacy import groups_seen_by_another, profile_display, visible_groups_for
from members.ratelimit import browsing_limit
from members.services import NotAllowed
from members.views.directory import directory_card

# --- Reading a profile ---------------------------------------------------------------------


@member_required
@browsing_limit("profile")
@require_GET
def profile_detail(request: HttpRequest, handle: str) -> HttpResponse:
    """A member's profile, as this viewer may see it, with the connection actions."""
    try:
        access = access_profile(request.user, handle)
    except ProfileMoved as moved:
        return redirect("members:profile", handle=moved.profile.handle, permanent=True)
    mutual, mutual_count = [], 0
    if access.connection_state != "self":
        mutual, mutual_count = _mutual(request.user, access.profile.user)
    return render(
        request,
        "members/profile_detail.html",
        {
            "profile": access.profile,
            "shown": profile_display(access.profile, access.groups),
            "state": access.connection_state,
            "connection": access.connection,
            "connect_form": ConnectForm(),
            "mutual": mutual,
            "mutual_count": mutual_count,
        },
    )


MUTUAL_NAMED = 3


def _mutual(viewer, other) -> tuple[list[Profile], int]:
    """The first MUTUAL_NAMED mutual connections by name, and how many there are, in one
    query (a window count beside the rows), whatever their number."""
    rows = list(
        Profile.objects.mutual_connections(viewer, other)
        .annotate(total=Window(Count("pk")))
        .only("handle", "display_name", "photo_token")
        .order_by("display_name", "pk")[:MUTUAL_NAMED]
    )
    return rows, rows[0].total if rows else 0


# --- Connection and block actions (POST only) ----------------------------------------------


def _back(request: HttpRequest, profile: Profile | None = None) -> HttpResponse:
    """Back to where the action was taken (a safe local `next`), else the profile."""
    target = local_next(request)
    if target:
        return HttpResponseRedirect(target)
    if profile is not None:
        return redirect("members:profile", handle=profile.handle)
    return redirect("members:connections")


def _target(request: HttpRequest, handle: str) -> ProfileAccess:
    # Actions go to the current handle; an old one in a stale form still works.
    return access_profile(request.user, handle, follow_moved=True)


@member_required
@require_POST
def connect(request: HttpRequest, handle: str) -> HttpResponse:
    """Ask to connect, with a short note."""
    access = _target(request, handle)
    form = ConnectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A note is at most 300 characters.")
        return _back(request, access.profile)
    try:
        connection = services.connection_request(
            sender=request.user, recipient=access.profile.user, note=form.cleaned_data["note"]
        )
    except NotAllowed as error:
        messages.error(request, str(error))
    else:
        if connection.status == Connection.Status.ACCEPTED:
            messages.success(request, f"You are now connected with {access.profile}.")
        else:
            messages.success(request, f"Request sent to {access.profile}.")
    return _back(request, access.profile)


def _connection_action(request, handle, action, done: str | None) -> HttpResponse:
    access = _target(request, handle)
    if access.connection is None:
        messages.error(request, "There is no request or connection with this member any more.")
        return _back(request, access.profile)
    try:
        action(connection=access.connection, user=request.user)
    except NotAllowed as error:
        messages.error(request, str(error))
    else:
        if done:
            messages.success(request, done.format(name=access.profile))
    return _back(request, access.profile)


@member_required
@require_POST
def withdraw(request: HttpRequest, handle: str) -> HttpResponse:
    """Take back a request I sent."""
    return _connection_action(
        request, handle, services.connection_withdraw, "Request to {name} withdrawn."
    )


@member_required
@require_POST
def accept(request: HttpRequest, handle: str) -> HttpResponse:
    """Accept a request someone sent me."""
    return _connection_action(
        request, handle, services.connection_accept, "You are now connected with {name}."
    )


@member_required
@require_POST
def decline(request: HttpRequest, handle: str) -> HttpResponse:
    """Decline a request (the sender is not told)."""
    return _connection_action(
        request, handle, services.connection_decline, "Request declined. {name} is not told."
    )


@member_required
@require_POST
def remove(request: HttpRequest, handle: str) -> HttpResponse:
    """End a connection (nobody is notified)."""
    return _connection_action(
        request, handle, services.connection_remove, "You are no longer connected with {name}."
    )


@member_required
@require_POST
def block(request: HttpRequest, handle: str) -> HttpResponse:
    """Block a member: first a confirmation page, then (with confirm=yes) the block."""
    access = _target(request, handle)
    if request.POST.get("confirm") != "yes":
        return render(request, "members/profile_block.html", {"profile": access.profile})
    try:
        services.block_create(blocker=request.user, blocked=access.profile.user)
    except NotAllowed as error:
        messages.error(request, str(error))
        return redirect("members:profile", handle=access.profile.handle)
    messages.success(request, f"You blocked {access.profile}. You will not see each other on Hive.")
    return redirect("members:connections")


@member_required
@require_POST
def unblock(request: HttpRequest, handle: str) -> HttpResponse:
    """Lift a block I made. Looked up among my own blocks only, since a blocked member's
    profile does not exist for me; anything else is a 404."""
    made = get_object_or_404(
        Block.objects.select_related("blocked__profile"),
        blocker=request.user,
        blocked__profile__handle=handle.lower(),
    )
    services.block_remove(blocker=request.user, blocked=made.blocked)
    messages.success(request, f"You unblocked {made.blocked.profile}.")
    return redirect("members:connections")


@member_required
@require_POST
def relationship(request: HttpRequest, handle: str) -> HttpResponse:
    """Privately mark (or unmark, kind "none") a relationship with this member. Only the
    viewer ever sees it; the two are then never suggested to each other."""
    access = _target(request, handle)
    if access.connection_state == "self":
        raise Http404("There is nothing to mark about yourself.")
    kind = request.POST.get("kind", "")
    other = access.profile.user
    if kind == "none":
        services.dual_relationship_remove(member=request.user, other=other)
        messages.success(request, "Removed. Only you ever saw this note.")
    elif kind in DualRelationship.Kind.values:
        services.dual_relationship_set(member=request.user, other=other, kind=kind)
        messages.success(
            request,
            f"Noted privately. We won’t suggest you and {access.profile.display_name} to "
            "each other, and they are never told.",
        )
    else:
        messages.error(request, "Choose what kind of relationship it is.")
    return redirect("members:profile", handle=access.profile.handle)


# --- My own profile, privacy and connections -----------------------------------------------


def _own_profile(request: HttpRequest) -> Profile:
    profile = Profile.objects.with_terms().filter(user=request.user).first()
    if profile is None:  # staff accounts may have no profile
        raise Http404("You have no profile.")
    return profile


def _with_place(data, geonameid: str):
    """A copy of the submitted data with the chosen place's fields filled in."""
    place = get_place(int(geonameid)) if geonameid.isascii() and geonameid.isdigit() else None
    data = data.copy()
    if place is not None:
        data.update(
            {
                "city": place.name,
                "region": place.region,
                "country": place.country_code,
                "latitude": repr(place.latitude),
                "longitude": repr(place.longitude),
            }
        )
    return data, place


SECTION_KEYS = [key for key, *_ in ProfileForm.SECTIONS]


@member_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Edit my profile, in sections that open and close (<details>). Choosing a place (a
    submit button named `place`) or searching for one re-shows the form with everything
    typed kept and the location open; each section's "Save and continue" saves it all
    and opens the next section (`?section=`, which links may use too)."""
    profile = _own_profile(request)
    query = request.POST.get("q", "").strip()[:100] if request.method == "POST" else ""
    context: dict = {"query": query, "places": [], "searched": False}
    open_section = request.GET.get("section", "")
    # The zone the picker offers when the member never chose one: their city's.
    fallback = zone_of(city=profile.city, region=profile.region, country=profile.country)
    zone = {"zone": request.user.timezone, "zone_fallback": fallback}
    if request.method == "GET":
        form = ProfileForm(instance=profile, **zone)
    elif "place" in request.POST or "find_place" in request.POST:
        data, place = _with_place(request.POST, request.POST.get("place", ""))
        open_section = "location"
        if place is not None:
            context["chosen"] = place
            if place.timezone and request.user.timezone == UTC:
                # A zone never chosen follows the city just chosen (the picker shows it).
                data["timezone"] = place.timezone
        else:
            context.update(
                places=search_places(query),
                searched=True,
                too_short=len(normalise(query)) < MIN_QUERY_LENGTH,
            )
        form = ProfileForm(data, instance=profile, **zone)
    elif "clear_place" in request.POST:
        data = request.POST.copy()
        for name in ("city", "region", "country", "latitude", "longitude"):
            data[name] = ""
        form = ProfileForm(data, instance=profile, **zone)
        open_section = "location"
    else:
        form = ProfileForm(request.POST, instance=profile, **zone)
        if form.is_valid() and _save_profile(form, request.user):
            messages.success(request, "Your profile is saved.")
            return redirect(_after_save(request.POST.get("save", "")))
    # Open: what needs a fix, what holds unsaved typing (so it is seen to be kept), and the
    # section asked for (the location after a place search), else the first.
    opened = form.sections_with_errors() | form.sections_with_changes()
    if open_section in SECTION_KEYS:
        opened.add(open_section)
    elif not opened:
        opened.add("about")
    context.update(form=form, open_sections=opened)
    return render(request, "members/profile_edit.html", context)


def _after_save(pressed: str) -> str:
    """Back to the editor with the section after the one whose button was pressed open
    (the last one stays open), so a first fill goes on section by section."""
    url = reverse("members:profile_edit")
    if pressed not in SECTION_KEYS:
        return url
    following = SECTION_KEYS[min(SECTION_KEYS.index(pressed) + 1, len(SECTION_KEYS) - 1)]
    return f"{url}?section={following}#section-{following}"


def _save_profile(form: ProfileForm, user) -> bool:
    """Save the form; the handle through profile_change_handle (its errors go on the
    field, and nothing is saved)."""
    try:
        services.profile_save(
            profile=form.save(commit=False),
            new_handle=form.cleaned_data["handle"],
            fields=ProfileForm.Meta.fields,
            term_ids=form.chosen_term_ids(),
            timezone_name=form.cleaned_data["timezone"] or None,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return False
    return True


@member_required
@require_http_methods(["GET", "POST"])
def privacy(request: HttpRequest) -> HttpResponse:
    """Who sees which part of my profile, the two switches, and previews: my directory
    card and my profile as a member and as a connection see them.

    The previews follow the form before it is saved: with htmx, every change asks for
    them again (a GET with the form's choices, answered with the previews only), built
    from those choices on a copy of the profile; nothing is saved until "Save".
    """
    profile = _own_profile(request)
    if request.method == "POST":
        form = PrivacyForm(request.POST, instance=profile)
        if form.is_valid():
            services.profile_update(profile=form.instance, fields=PrivacyForm.Meta.fields)
            messages.success(request, "Your privacy settings are saved.")
            return redirect("members:privacy")
        # The previews show the saved settings: the form holds invalid input.
        saved = Profile.objects.with_terms().get(pk=profile.pk)
        return render(request, "members/privacy.html", _privacy_context(request, form, saved))
    if request.htmx and request.GET:
        draft = PrivacyForm(request.GET, instance=copy.copy(profile))
        shown = draft.instance if draft.is_valid() else profile
        context = _privacy_context(request, PrivacyForm(instance=profile), shown, draft=True)
        return render(request, "members/privacy.html#previews", context)
    return render(
        request,
        "members/privacy.html",
        _privacy_context(request, PrivacyForm(instance=profile), profile),
    )


def _privacy_context(request, form, shown: Profile, *, draft: bool = False) -> dict:
    """The previews of `shown` (the saved profile, or a copy with unsaved choices)."""
    shown.chosen_terms = sorted(shown.terms.all(), key=lambda term: (term.position, term.label))
    as_member = groups_seen_by_another(shown, connected=False)
    return {
        "form": form,
        "draft": draft,
        "listed": shown.listed_in_directory,
        # The member's own place and zone decide the unit, as they would for their search.
        "card": directory_card(
            shown, as_member, miles=uses_miles(country=shown.country, zone=request.user.timezone)
        ),
        "previews": [
            ("How my profile looks to a member", profile_display(shown, as_member)),
            (
                "How my profile looks to a connection",
                profile_display(shown, groups_seen_by_another(shown, connected=True)),
            ),
        ],
    }


@dataclass(frozen=True)
class Person:
    """Someone on /me/connections/: their profile, and the one line about them the
    viewer may see (profession and letters, when shown to them)."""

    profile: Profile
    row: Connection | None
    credential: str = ""


def _person(profile: Profile, row: Connection | None, viewer, *, connected: bool) -> Person:
    visible = visible_groups_for(profile, viewer, connected=connected)
    credential = ""
    if "credentials" in visible:
        label = profile.profession.label if profile.profession_id else ""
        credential = ", ".join(part for part in (label, profile.credentials) if part)
    return Person(profile, row, credential)


@member_required
@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    """My connections, requests to me, requests I sent, and the people I blocked. Four
    queries, however many (the rows with both profiles and professions, then blocks)."""
    me = request.user
    rows = (
        Connection.objects.involving(me)
        .select_related("user_a__profile__profession", "user_b__profile__profession")
        .order_by("-accepted_at", "-created_at")
    )
    connected, received, sent = [], [], []
    for row in rows:
        other = row.user_b if row.user_a_id == me.pk else row.user_a
        profile = getattr(other, "profile", None)
        if profile is None or not other.is_member:
            continue  # a member no longer in good standing does not exist for others
        accepted = row.status == Connection.Status.ACCEPTED
        person = _person(profile, row, me, connected=accepted)
        if accepted:
            connected.append(person)
        elif row.requested_by_id == me.pk:
            sent.append(person)
        else:
            received.append(person)
    connected.sort(key=lambda person: person.profile.display_name.casefold())
    blocks = (
        Block.objects.filter(blocker=me, blocked__profile__isnull=False)
        .select_related("blocked__profile")
        .order_by("-created_at")
    )
    return render(
        request,
        "members/connections.html",
        {
            "connected": connected,
            "received": received,
            "sent": sent,
            "blocked": [b.blocked.profile for b in blocks],
            "here": reverse("members:connections"),
        },
    )
