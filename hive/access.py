"""Who may open a page, by role: the decorators every app's views wear. Views use these;
they never check roles by hand. (Which *object* a member may see is each app's
`access.py`: `access_profile`, `access_conversation`, …)

They read only `User.is_member` and `is_staff` and send people to URL names, so they
live in the project package, usable by `notifications` as well as the feature apps.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


def member_required(view):
    """Allow approved members in good standing (and staff).

    A visitor is sent to log in and brought back; an applicant, a lapsed or a suspended
    member is sent to their status page, which tells them where they stand.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_member or user.is_staff):
            return redirect("members:status")
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """Allow staff only; logged-in non-staff get 403, visitors go to log in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
