"""Error pages in Hive's layout. The 500 and 503 pages render without a request context
so they cannot fail for the same reason the request did."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def forbidden(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


# Seconds a browser or a client is asked to wait when the database is unreachable (a
# restart takes a few).
RETRY_AFTER = 10


def server_error(request: HttpRequest) -> HttpResponse:
    """The page for an uncaught exception (Django calls it while handling it). The
    database being unreachable (restarting, a failover, no connection left) is not a bug:
    a 503 says so and when to try again."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(loader.get_template("errors/503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
