"""A member's own data: download it (/me/data/) and leave Hive (/me/delete/), and the
page a member who asked to leave sees when they sign in during the grace period.

Asking for an export and deleting the account first ask for the password again
(allauth's reauthentication: the POST is kept and replayed once they have confirmed).
The work is in members/data_rights.py.
"""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateformat import format as format_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hive.access import member_required
from members import data_rights
from members.forms.data import DeletionForm
from members.models import DataExport

RECENT_EXPORTS = 5


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
@reauthentication_required(allow_get=True)
def data_export(request: HttpRequest) -> HttpResponse:
    """What Hive holds about me: ask for a download (POST, after reauthentication) and
    the recent requests, with the link of one that is ready."""
    user = request.user
    if request.method == "POST":
        data_rights.data_export_request(user=user, request=request)
        messages.success(
            request,
            "We are preparing your data. We will notify you when it is ready to download.",
        )
        return redirect("members:data_export")
    exports = list(DataExport.objects.filter(user=user)[:RECENT_EXPORTS])
    return render(
        request,
        "members/data_export.html",
        {
            "exports": exports,
            "preparing": any(e.status == DataExport.Status.PENDING for e in exports),
            "lifetime_hours": int(DataExport.LIFETIME.total_seconds() // 3600),
        },
    )


@never_cache
@require_GET
@member_required
def data_export_download(request: HttpRequest, export_id) -> HttpResponse:
    """The zip of one export: for its owner only, once, before it expires (404 for
    anyone and anything else, so nobody learns that an export exists)."""
    content = data_rights.data_export_take(user=request.user, export_id=export_id, request=request)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="hive-data.zip"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
@reauthentication_required(allow_get=True)
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete my account: a typed confirmation (POST, after reauthentication). The
    account is closed at once and erased after the grace period."""
    user = request.user
    staff = user.is_staff or user.is_superuser
    form = DeletionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not staff and form.is_valid():
        data_rights.account_deletion_request(user=user, request=request)
        due = data_rights.deletion_due_at(user)
        logout(request)
        messages.success(
            request,
            "Your account is closed and will be erased on "
            f"{format_date(due.astimezone(user.zone), 'F j, Y')}. Sign in before then if you "
            "change your mind.",
        )
        return redirect("home")
    return render(
        request,
        "members/account_delete.html",
        {
            "form": form,
            "staff": staff,
            "grace_days": data_rights.DELETION_GRACE.days,
            "confirmation": data_rights.DELETION_CONFIRMATION,
        },
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def deletion_pending(request: HttpRequest) -> HttpResponse:
    """Signed in during the grace period: when the account will be erased, and the
    button that cancels it (POST). Anyone without a pending deletion is sent home."""
    user = request.user
    if user.deletion_requested_at is None:
        return redirect("home")
    if request.method == "POST":
        data_rights.account_deletion_cancel(user=user, request=request)
        messages.success(request, "Welcome back: your account is open again, as you left it.")
        return redirect("home")
    return render(
        request,
        "members/deletion_pending.html",
        {"erase_on": data_rights.deletion_due_at(user)},
    )
