"""A URLconf for tests of the shared access decorators (no real member page exists yet
that uses them in every role)."""

from django.http import HttpResponse
from django.urls import include, path

from hive.access import member_required, staff_required


@member_required
def members_only(request):
    return HttpResponse("the community")


@staff_required
def staff_only(request):
    return HttpResponse("the back office")


urlpatterns = [
    path("members-only/", members_only),
    path("staff-only/", staff_only),
    path("", include("hive.urls")),
]
