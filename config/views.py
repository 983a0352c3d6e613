"""Views of the deployment itself: the health check a load balancer asks, the error page of last resort."""

import errno
import sys

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.defaults import server_error as django_server_error

from .middleware import DATABASE_DOWN, database_unavailable


@never_cache
def health(request):
    """`/healthz`: 200 when this server answers and reaches the database; 503 (Japanese page) when not.
    A load balancer in front of several app servers sends traffic only to those answering 200."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def server_error(request, template_name="500.html"):
    """handler500: a database outage met outside a view (the session saved by its middleware, say)
    answers the 503 page too; a disk that filled while a file was written, a 507 page; anything else is
    the 500 page."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_DOWN):
        return database_unavailable(request)
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:  # the disk filled while a file was written
        body = render_to_string("limit.html", {
            "title": _("The server's disk is full"),
            "message": _("Nothing was saved by this request (no file was left half-written). Tell your "
                         "administrator; once there is room again, send it again."),
        })
        return HttpResponse(body, status=507)
    return django_server_error(request, template_name)


def csrf_failure(request, reason=""):
    """A refused CSRF check: on a public web form (I1) the same neutral page as any refused post (a bot
    learns nothing); elsewhere Django's page."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.namespace == "inquiry":
        from inquiry.views import refused

        return refused(request, why="csrf", status=403)
    return django_csrf_failure(request, reason=reason)
