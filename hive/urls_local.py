"""Routes of local development only (ROOT_URLCONF in hive/settings/local.py): every
route of hive/urls.py, plus the viewer of mail captured under var/mail/, which holds
every reset and verification link and so never exists in production or tests."""

from django.urls import path

from hive import views
from hive.urls import handler400, handler403, handler404, handler500, urlpatterns

urlpatterns = [
    path("dev/mail/", views.dev_mail_list, name="dev_mail_list"),
    path("dev/mail/<str:name>/", views.dev_mail_detail, name="dev_mail_detail"),
    *urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
