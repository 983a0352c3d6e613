"""Spam protection of the public forms (I1), without outside services.

- A honeypot: a text box a person never sees (moved off the screen, not display:none, which bots skip)
  and leaves empty.
- A signed render time (django.core.signing): the page carries when it was made; a post sooner than
  INQUIRY_MIN_SECONDS after it (no person types that fast), later than INQUIRY_MAX_AGE_SECONDS, for
  another form, or with a token altered or missing is refused.
- A rate limit per client address, counted in the shared cache with ops.limits (every app server sees
  one count): INQUIRY_RATE_LIMIT posts per INQUIRY_RATE_PER seconds (settings.RATE_LIMITS["inquiry"]).
  The address is REMOTE_ADDR; behind proxies, X-Forwarded-For is read only when
  INQUIRY_TRUSTED_PROXY_COUNT says how many trusted proxies append to it (else anyone could claim any
  address, or everyone behind one proxy would share one allowance).
- A small body limit (INQUIRY_MAX_BODY_BYTES), checked before anything reads the body.

A refused post gets the same neutral page whatever the reason (views.refused): a bot learns nothing.
"""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings
from django.core import signing

from ops import limits

SALT = "inquiry.render-time"
TOKEN_FIELD = "form_token"
HONEYPOT_FIELD = "extra_homepage"  # a name bots like to fill; a person never sees the box

# Why a post was refused: for the server's log and the tests, never for the visitor.
HONEYPOT, TOO_FAST, TOO_OLD, BAD_TOKEN, MISSING_TOKEN, RATE_LIMITED, TOO_LARGE = (
    "honeypot", "too_fast", "too_old", "bad_token", "missing_token", "rate_limited", "too_large")


def render_token(form_key: str, *, at: float | None = None) -> str:
    """The signed time the page for `form_key` was made."""
    return signing.dumps({"f": form_key, "t": round(time.time() if at is None else at, 3)}, salt=SALT, compress=False)


def token_problem(value: str | None, form_key: str, *, now: float | None = None) -> str | None:
    """None when the token is this form's and its age is a person's; else why not."""
    if not value:
        return MISSING_TOKEN
    now = time.time() if now is None else now
    try:
        data = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return BAD_TOKEN
    if not isinstance(data, dict) or data.get("f") != form_key or not isinstance(data.get("t"), (int, float)):
        return BAD_TOKEN
    age = now - data["t"]
    if age < -5:  # made in the future: not by this server
        return BAD_TOKEN
    if age < settings.INQUIRY_MIN_SECONDS:
        return TOO_FAST
    if age > settings.INQUIRY_MAX_AGE_SECONDS:
        return TOO_OLD
    return None


def honeypot_filled(data) -> bool:
    return bool((data.get(HONEYPOT_FIELD) or "").strip())


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str:
    """The visitor's address: REMOTE_ADDR, or with N trusted proxies in front (each appending the
    address it received from to X-Forwarded-For) the N-th entry from the right of that header."""
    remote = request.META.get("REMOTE_ADDR") or ""
    trusted = int(getattr(settings, "INQUIRY_TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted > 0:
        hops = [h for h in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
        if len(hops) >= trusted:
            found = _valid_ip(hops[-trusted])
            if found:
                return found
    return _valid_ip(remote) or remote or "unknown"


def rate_limited(request) -> bool:
    """Count this post against its address's allowance; True beyond it."""
    return limits.hit(client_address(request), "inquiry") is not None


def body_too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.INQUIRY_MAX_BODY_BYTES
