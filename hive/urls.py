"""Top-level routes. The public paths are fixed by SPEC.md ("Public routes")."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from hive import views

# The admin logs in through allauth: same rate limits, 2FA and audit as everyone else.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Hive administration"

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
    path("dev/mail/", views.dev_mail_list, name="dev_mail_list"),
    path("dev/mail/<str:name>/", views.dev_mail_detail, name="dev_mail_detail"),
    path("admin/", admin.site.urls),
]

handler404 = "hive.errors.not_found"
handler403 = "hive.errors.forbidden"
handler500 = "hive.errors.server_error"
handler400 = "hive.errors.bad_request"
