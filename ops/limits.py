"""Limits on abuse that hold across app servers (issue 24 point 6).

- Per-user rate limits on exports, prints and imports: each POST to one of the screens that makes a
  file or starts an import counts against the user's allowance for that kind of action
  (settings.RATE_LIMITS: so many per so many seconds). The counters are in the default cache, which
  every app server shares (the database cache on one machine, Redis with REDIS_URL), so a user spread
  over several servers has one allowance. Beyond it: a Japanese 429 page with Retry-After.
- Request size: a request body larger than MAX_REQUEST_BYTES is refused (413) before anything reads
  it; Django's DATA_UPLOAD_MAX_MEMORY_SIZE / _NUMBER_FIELDS / _NUMBER_FILES limit the rest.
- Login lockout is django-axes' (its attempts are rows in the database: shared by every server).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def action_of(url_name: str) -> str | None:
    for action, rule in getattr(settings, "RATE_LIMITS", {}).items():
        if url_name in rule["urls"]:
            return action
    return None


def hit(user_id: int | str, action: str) -> int | None:
    """Count one use; None when allowed, else the seconds until the next window. `user_id`: whose
    allowance, a user's id or (the public web forms, inquiry.protection) a client's address."""
    rule = settings.RATE_LIMITS[action]
    per = int(rule["per"])
    window = int(time.time()) // per
    key = f"ratelimit:{action}:{user_id}:{window}"
    cache.add(key, 0, per + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, per + 5)
        used = 1
    if used > int(rule["limit"]):
        return per - int(time.time()) % per
    return None


def refused(request, *, status: int, title: str, message: str, retry_after: int | None = None) -> HttpResponse:
    body = render_to_string("limit.html", {"title": title, "message": message}, request=None)
    response = HttpResponse(body, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


ACTION_NAMES = {"export": "Exports", "print": "Prints", "import": "Imports"}


class LimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = getattr(settings, "MAX_REQUEST_BYTES", None)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit and length > limit:
            if request.content_type == "application/json":  # an API's client reads JSON (api.errors' shape)
                return JsonResponse({"code": "body_too_large", "message": _(
                    "The request body is too large (at most %(kb)s KB). Nothing was saved; send fewer rows per "
                    "request.") % {"kb": limit // 1024}}, status=413, json_dumps_params={"ensure_ascii": False})
            return refused(request, status=413, title=_("The data sent is too large"),
                           message=_("Nothing was saved. A request may carry at most %(mb)s MB; send a smaller "
                                     "file, or split it.") % {"mb": limit // (1024 * 1024)})
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not getattr(request, "user", None) or not request.user.is_authenticated:
            return None
        match = request.resolver_match
        action = action_of(match.url_name) if match else None
        if action is None:
            return None
        wait = hit(request.user.pk, action)
        if wait is None:
            return None
        rule = settings.RATE_LIMITS[action]
        return refused(
            request, status=429, title=_("Too many requests"), retry_after=wait,
            message=_("%(what)s are limited to %(limit)s per %(minutes)s minutes for each user. Nothing was "
                      "done this time; please try again in %(wait)s seconds.")
            % {"what": _(ACTION_NAMES[action]), "limit": rule["limit"], "minutes": max(1, int(rule["per"]) // 60),
               "wait": wait})
