"""Views of the deployment itself: the health check a load balancer asks, the error page of last resort."""

import sys

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
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
    answers the 503 page too; anything else is the 500 page."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return database_unavailable(request)
    return django_server_error(request, template_name)
