"""Top-level routes. The public paths are fixed by SPEC.md ("Public routes")."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from hive import views

# The admin logs in through allauth: same rate limits, 2FA and audit as everyone else.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Hive administration"


def _admin_has_permission(request) -> bool:
    """Only superusers who sign in with two-factor: the admin can change membership
    status and staff roles, which outside it need staff with two-factor; ordinary staff
    do their work on the review pages, where those rules are enforced."""
    user = request.user
    return bool(user.is_active and user.is_superuser and user.has_two_factor)


admin.site.has_permission = _admin_has_permission

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("guidelines/", views.guidelines, name="guidelines"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("notifications.urls")),
    path("", include("matching.urls")),
    path("", include("messaging.urls")),
    path("", include("groups.urls")),
    path("", include("events.urls")),
    path("", include("coffee.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "hive.errors.not_found"
handler403 = "hive.errors.forbidden"
handler500 = "hive.errors.server_error"
handler400 = "hive.errors.bad_request"
