"""The groups list, a group's page, creating and editing a group, its agreement and its
discussion."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups import services, sessions
from groups.access import GroupAccess, access_group, access_group_content
from groups.forms import AgreementForm, GroupForm, NewGroupForm, PostForm
from groups.models import COVENANT, Agreement, Group, Membership, Post, Session
from hive.access import member_required
from members.models import User

PER_PAGE = 20
UPCOMING_SHOWN = 6
POSTS_SHOWN = 50


@member_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    """/groups/: listed groups with their public facts and open seats; never members.
    The viewer's own groups (whatever their place in them) come first."""
    active = (
        Membership.objects.filter(group=OuterRef("pk"), status=Membership.Status.ACTIVE)
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
        .annotate(seats_open=Greatest(F("capacity") - Coalesce(Subquery(active), 0), 0))
        .order_by("-created_at", "-id")
    )
    page = Paginator(groups, PER_PAGE).get_page(request.GET.get("page"))
    mine = (
        Membership.objects.filter(member=request.user)
        .exclude(status__in=[Membership.Status.LEFT, Membership.Status.REMOVED])
        .select_related("group")
        .order_by("group__name")
    )
    return render(
        request,
        "groups/group_list.html",
        {"page": page, "mine": mine},
    )


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
    access = access_group(request.user, group_slug)
    context = {"access": access, "group": access.group}
    if access.sees_content:
        context.update(_content(request, access))
    elif access.is_staff_view:
        context["staff_counts"] = {
            "active": access.active_count,
            "waitlisted": Membership.objects.filter(
                group=access.group, status="waitlisted"
            ).count(),
        }
    return render(request, "groups/group_detail.html", context)


def _content(request: HttpRequest, access: GroupAccess) -> dict:
    group = access.group
    viewer = request.user
    members = _visible_members(access, viewer)
    visible_ids = {m.member_id for m in members}
    sessions = list(
        Session.objects.filter(group=group, ends_at__gt=timezone.now())
        .select_related("presenter__profile")
        .order_by("starts_at")[:UPCOMING_SHOWN]
    )
    posts = list(
        Post.objects.filter(group=group, author__in=User.objects.visible_to(viewer))
        .select_related("author__profile")
        .order_by("-created_at")[:POSTS_SHOWN]
    )
    posts.reverse()
    context = {
        "members": members,
        "visible_ids": visible_ids,
        "sessions": sessions,
        "posts": posts,
        "post_form": PostForm(),
    }
    if access.is_organizer:
        context["pending"] = list(
            Membership.objects.filter(
                group=group,
                status__in=[
                    Membership.Status.REQUESTED,
                    Membership.Status.WAITLISTED,
                    Membership.Status.INVITED,
                ],
            )
            .filter(member__in=User.objects.visible_to(viewer))
            .select_related("member__profile")
            .order_by("status", "status_changed_at")
        )
        context["without_agreement"] = [
            m for m in members if m.accepted_version != group.agreement_version
        ]
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
    """Write in the group's discussion (members with the current agreement)."""
    access = access_group_content(request.user, group_slug)
    form = PostForm(request.POST)
    if form.is_valid():
        sessions.post_create(
            group=access.group, author=request.user, body=form.cleaned_data["body"]
        )
    else:
        messages.error(request, "Write something before sending (at most 5,000 characters).")
    return redirect(reverse("groups:detail", args=[access.group.slug]) + "#discussion")
