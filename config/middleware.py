import time

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
