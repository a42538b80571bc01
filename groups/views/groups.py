"""The groups list, a group's page, creating and editing a group, its agreement and its
discussion."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups import services, sessions
from groups.access import GroupAccess, access_group, access_group_content
from groups.forms import (
    AgreementForm,
    GroupForm,
    HandoverForm,
    IntroProposalForm,
    NewGroupForm,
    PostForm,
)
from groups.models import COVENANT, Agreement, Group, Membership, Post, Session
from groups.paging import before, cursor_for, parse_cursor
from hive.access import member_required
from hive.client_identifiers import find_client_identifiers
from members.models import User

PER_PAGE = 20
UPCOMING_SHOWN = 6
PAST_SHOWN = 3
POSTS_SHOWN = 50
REMOVED_SHOWN = 20


@member_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    """/groups/: listed groups with their public facts and open seats, newest first;
    never members. Keyset pages (`?after=<cursor>` of the last group shown), so a deep
    page reads its 20 rows from the index like the first. The viewer's own groups
    (whatever their place in them) come first, on the first page."""
    taken = (
        Membership.objects.filter(group=OuterRef("pk"), status__in=Membership.HOLDING_SEAT)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    groups = (
        Group.objects.listed()
        .visible_to(request.user)
        .select_related("organizer__profile")
        # A correlated count per row shown (20), not a GROUP BY over every group's
        # memberships: the page reads the newest 20 from the index and stops.
        .annotate(seats_open=Greatest(F("capacity") - Coalesce(Subquery(taken), 0), 0))
        .order_by("-created_at", "-id")
    )
    cursor = parse_cursor(request.GET.get("after"))
    if cursor is not None:
        groups = groups.filter(before("created_at", cursor))
    rows = list(groups[: PER_PAGE + 1])
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    context = {
        "groups": rows,
        "next_cursor": cursor_for(rows[-1].created_at, rows[-1].pk) if more else "",
        "first_page": cursor is None,
    }
    if request.htmx and cursor is not None:
        return render(request, "groups/group_list.html#rows", context)
    context["mine"] = (
        Membership.objects.filter(member=request.user)
        .exclude(status__in=[Membership.Status.LEFT, Membership.Status.REMOVED])
        .select_related("group")
        .order_by("group__name")
        if cursor is None
        else []
    )
    return render(request, "groups/group_list.html", context)


def _visible_members(access: GroupAccess, viewer) -> list[Membership]:
    """The active members the viewer may see (the block rule hides either from the
    other), organizer first."""
    return list(
        Membership.objects.filter(group=access.group)
        .active()
        .filter(member__in=User.objects.visible_to(viewer))
        .select_related("member__profile")
        .order_by("-role", "status_changed_at")
    )


@member_required
@require_GET
def group_detail(request: HttpRequest, group_slug: str) -> HttpResponse:
    """A group's page. Everyone who may know of the group sees its public facts and
    what they can do (join, request, accept an invitation). Members who accepted the
    current agreement also see the sessions with the rota, the members and the
    discussion; the organizer sees requests, the waitlist and who ticked what."""
    return group_page(request, access_group(request.user, group_slug))


def group_page(request: HttpRequest, access: GroupAccess, *, status: int = 200, **forms):
    """The group's page for `access`; `forms` are bound forms to show again with their
    errors (post_form, post_findings, intro_forms by membership id)."""
    context = {"access": access, "group": access.group}
    if access.sees_content:
        context.update(_content(request, access, **forms))
    elif access.is_staff_view:
        context["staff_counts"] = staff_counts(access.group)
    if access.asked_to_organize:
        context["handover_from"] = access.group.organizer
    return render(request, "groups/group_detail.html", context, status=status)


def staff_counts(group: Group) -> dict:
    """What staff may know of a group's people: how many, never who (one query)."""
    counts = dict(
        Membership.objects.filter(group=group)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    active = counts.get(Membership.Status.ACTIVE, 0)
    offered = counts.get(Membership.Status.OFFERED, 0)
    return {
        "active": active,
        "waitlisted": counts.get(Membership.Status.WAITLISTED, 0) + offered,
        "requested": counts.get(Membership.Status.REQUESTED, 0),
        "seats_open": max(group.capacity - active - offered, 0),
    }


def _content(
    request: HttpRequest,
    access: GroupAccess,
    *,
    post_form: PostForm | None = None,
    post_findings=(),
    intro_forms: dict | None = None,
) -> dict:
    group = access.group
    viewer = request.user
    members = _visible_members(access, viewer)
    visible_ids = {m.member_id for m in members}
    now = timezone.now()
    sessions = list(
        Session.objects.filter(group=group, ends_at__gt=now)
        .select_related("presenter__profile")
        .order_by("starts_at")[:UPCOMING_SHOWN]
    )
    past = list(
        Session.objects.filter(group=group, ends_at__lte=now).order_by("-starts_at", "-id")[
            : PAST_SHOWN + 1
        ]
    )
    # The discussion, newest page first; "Earlier messages" pages back by id
    # (`?posts_before=<id>`), oldest of a page at the top.
    posts_before = request.GET.get("posts_before", "")
    rows = Post.objects.filter(group=group, author__in=User.objects.visible_to(viewer))
    if posts_before.isdigit() and len(posts_before) < 19:
        rows = rows.filter(id__lt=int(posts_before))
    posts = list(rows.select_related("author__profile").order_by("-id")[: POSTS_SHOWN + 1])
    earlier = posts[POSTS_SHOWN - 1].pk if len(posts) > POSTS_SHOWN else None
    posts = posts[:POSTS_SHOWN]
    posts.reverse()
    context = {
        "members": members,
        "visible_ids": visible_ids,
        "sessions": sessions,
        "past_sessions": past[:PAST_SHOWN],
        "more_past": len(past) > PAST_SHOWN,
        "posts": posts,
        "earlier_posts": earlier,
        "posts_paged": bool(posts_before),
        "post_form": post_form or PostForm(),
        "post_findings": post_findings,
    }
    if access.is_organizer:
        pending = context["pending"] = list(
            Membership.objects.filter(
                group=group,
                status__in=[
                    Membership.Status.REQUESTED,
                    Membership.Status.WAITLISTED,
                    Membership.Status.OFFERED,
                    Membership.Status.INVITED,
                ],
            )
            .filter(member__in=User.objects.visible_to(viewer))
            .select_related("member__profile")
            .order_by("status", "status_changed_at")
        )
        # Whom they removed and why: the private note is for organizers' eyes only.
        context["removed"] = list(
            Membership.objects.filter(group=group, status=Membership.Status.REMOVED)
            .filter(member__in=User.objects.visible_to(viewer))
            .select_related("member__profile")
            .order_by("-status_changed_at")[:REMOVED_SHOWN]
        )
        context["without_agreement"] = [
            m for m in members if m.accepted_version != group.agreement_version
        ]
        candidates = [
            m
            for m in members
            if m.member_id != viewer.pk and m.accepted_version == group.agreement_version
        ]
        context["handover_form"] = HandoverForm(candidates=candidates) if candidates else None
        context["handover_to"] = next(
            (m for m in members if m.member_id == group.handover_to_id), None
        )
        for membership in pending:
            if membership.status == Membership.Status.REQUESTED:
                membership.intro_form = (intro_forms or {}).get(membership.pk) or IntroProposalForm(
                    auto_id=f"id_intro_{membership.pk}_%s"
                )
    return context


def _form_page(request, form, template, extra):
    return render(request, template, {"form": form, **extra})


@member_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    """Create a group: its facts, cadence and first agreement. The creator organizes it."""
    if not request.user.is_member:
        raise PermissionDenied
    form = NewGroupForm(request.POST or None, organizer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(
                organizer=request.user,
                cadence=form.cadence(),
                clauses=form.cleaned_data["clauses"],
                **form.service_fields(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your group is ready. Invite colleagues or share its page.")
            return redirect("groups:detail", group.slug)
    return _form_page(request, form, "groups/group_form.html", {"covenant": COVENANT})


@member_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, group_slug: str) -> HttpResponse:
    """Edit a group's facts and cadence (organizer). A new cadence regenerates the
    future sessions nobody has touched."""
    access = access_group(request.user, group_slug)
    if not access.is_organizer:
        raise Http404("No such group.")
    form = GroupForm(request.POST or None, instance=access.group, organizer=request.user)
    if request.method == "POST" and form.is_valid():
        group = Group.objects.get(pk=access.group.pk)
        try:
            services.group_update(
                group=group, by=request.user, cadence=form.cadence(), **form.service_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Saved.")
            return redirect("groups:detail", group.slug)
    return _form_page(request, form, "groups/group_form.html", {"group": access.group})


@member_required
@require_http_methods(["GET", "POST"])
def agreement(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The group's current agreement. An active member accepts the version they read;
    the organizer publishes a new version (which withdraws everyone's access until
    they accept it)."""
    access = access_group(request.user, group_slug)
    if not access.is_active:
        raise Http404("No such group.")
    group = access.group
    current = Agreement.objects.filter(group=group, version=group.agreement_version).first()
    if current is None:
        raise Http404("No agreement yet.")
    form = AgreementForm(initial={"clauses": current.clauses}) if access.is_organizer else None
    if request.method == "POST":
        if request.POST.get("action") == "publish" and access.is_organizer:
            form = AgreementForm(request.POST)
            if form.is_valid():
                services.agreement_publish(
                    group=group, by=request.user, clauses=form.cleaned_data["clauses"]
                )
                messages.success(
                    request, "New version published. Members must accept it to keep access."
                )
                return redirect("groups:agreement", group.slug)
        else:
            try:
                version = int(request.POST.get("version", ""))
            except ValueError:
                version = -1
            try:
                services.agreement_accept(group=group, member=request.user, version=version)
            except ValidationError as error:
                messages.error(request, error.messages[0])
                return redirect("groups:agreement", group.slug)
            messages.success(request, "Thank you. You now see the group’s sessions and discussion.")
            return redirect("groups:detail", group.slug)
    return render(
        request,
        "groups/agreement.html",
        {
            "access": access,
            "group": group,
            "agreement": current,
            "covenant": COVENANT,
            "form": form,
        },
    )


@member_required
@require_POST
def post_create(request: HttpRequest, group_slug: str) -> HttpResponse:
    """Write in the group's discussion (members with the current agreement). Text that
    looks like it identifies a client comes back with a warning first, as session
    notes do; posting it anyway is the writer's choice. Nothing typed is lost."""
    access = access_group_content(request.user, group_slug)
    form = PostForm(request.POST)
    findings = []
    if form.is_valid():
        findings = find_client_identifiers(form.cleaned_data["body"])
        if not findings or request.POST.get("confirm") == "1":
            sessions.post_create(
                group=access.group, author=request.user, body=form.cleaned_data["body"]
            )
            return redirect(reverse("groups:detail", args=[access.group.slug]) + "#discussion")
    return group_page(
        request,
        access,
        status=400 if form.errors else 200,
        post_form=form,
        post_findings=findings,
    )
