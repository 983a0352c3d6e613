import logging
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 300


class SlidingSessionMiddleware:
    """Idle timeout: the session's expiry moves forward with use, but is written at most
    every few minutes, not on every request (SESSION_SAVE_EVERY_REQUEST would add a write
    to every page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get("_touched", 0) >= REFRESH_SECONDS:
                session["_touched"] = now
        return self.get_response(request)


# --- the database unavailable (issue 24 point 4) ------------------------------------------------

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable(request) -> HttpResponse:
    """The Japanese 503 page: rendered without the request's context (the user, the session and the
    menu all need the database), with Retry-After."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A request inside a database outage (PostgreSQL restarting, the connection dropped) answers 503 in
    Japanese, not a generic 500; the broken connection is closed at the end of the request (Django
    checks its connections, CONN_HEALTH_CHECKS), so the next request after the outage is served again,
    without a restart. config.views.server_error does the same for errors raised in other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
            logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
            return database_unavailable(request)
        return None
