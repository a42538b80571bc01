"""The notification centre, the badge, settings and one-click unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hive.access import member_required
from hive.http import local_next
from notifications import registry, services
from notifications.delivery import unsubscribe_target
from notifications.forms import SettingsForm
from notifications.models import Notification
from notifications.preferences import settings_for

PAGE_SIZE = 20


def access_notification(user, notification_id: int) -> Notification:
    """A notification of the viewer's own, or 404 (never someone else's)."""
    return get_object_or_404(Notification, pk=notification_id, recipient=user)


@member_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """Newest first, 20 a page; two queries whatever the page holds."""
    rows = Notification.objects.filter(recipient=request.user).only(
        "id", "kind", "key", "context", "url", "created_at", "read_at"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    _attach_actions(request.user, list(page))
    return render(request, "notifications/notification_list.html", {"page": page})


def _attach_actions(user, items: list[Notification]) -> None:
    """Give each notification its kind's buttons (`item.actions`, `item.actions_template`)
    when the kind offers some and the thing is still open to act on: one call, so one
    query, per kind on the page (registry.Kind.actions)."""
    by_kind: dict[str, list[Notification]] = {}
    for item in items:
        item.actions = None
        by_kind.setdefault(item.kind, []).append(item)
    for name, group in by_kind.items():
        kind = registry.KINDS.get(name)
        if kind is None or kind.actions is None:
            continue
        found = kind.actions(user, group)
        for item in group:
            item.actions = found.get(item.pk)
            item.actions_template = kind.template("actions.html")


@member_required
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count alone, polled by htmx from the navigation."""
    return render(request, "notifications/notification_list.html#badge")


def _back(request: HttpRequest, fallback: str) -> str:
    """A safe local `next` (a path), else the URL of the view named `fallback`."""
    return local_next(request) or reverse(fallback)


@member_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read; with open=1, go on to the thing it is about."""
    notification = access_notification(request.user, notification_id)
    services.notification_mark_read(notification=notification)
    if request.POST.get("open") and notification.url:
        return redirect(notification.url)
    return redirect(_back(request, "notifications:list"))


@member_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect(_back(request, "notifications:list"))


@member_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """/me/notifications/: channels per kind, pause, quiet hours, digest, time zone."""
    current = settings_for(request.user)
    form = SettingsForm(request.POST or None, instance=current, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.notification_settings_update(
            user=request.user,
            settings_obj=form.save(commit=False),
            timezone_name=form.cleaned_data["timezone"],
            channels=form.channels(),
        )
        messages.success(request, "Your notification settings are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # RFC 8058: mail providers POST here without a session or CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe from one kind of email, without logging in.

    GET shows a confirmation button (link scanners must not unsubscribe anyone);
    POST, from that button or from the mail provider's one-click, turns the kind off.
    """
    target = unsubscribe_target(token)
    if target is None:
        raise Http404
    user, kind = target
    if kind.mandatory:
        raise Http404
    if request.method == "POST":
        services.preference_set(user=user, kind=kind, channel="off")
        return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": True})
    return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": False})
