"""Staff review of applications (/review/). Placeholder views until the queue lands."""

from django.http import Http404

from members.access import staff_required


@staff_required
def queue(request):
    raise Http404


@staff_required
def detail(request, application_id: int):
    raise Http404


@staff_required
def decide(request, application_id: int):
    raise Http404


@staff_required
def verify_license(request, application_id: int):
    raise Http404
