"""Making and checking API tokens. A secret is `kk_<prefix>_<random>`; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ApiError
from .models import ApiToken


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """(prefix, secret): the prefix names the token on the screens; the secret is shown once."""
    prefix = secrets.token_hex(4)
    return prefix, f"kk_{prefix}_{secrets.token_urlsafe(32)}"


def token_create(*, client, user, scopes, expires_at, name: str = "", created_by=None) -> tuple[ApiToken, str]:
    """A new token and its secret, which is shown once and never stored."""
    prefix, secret = new_secret()
    token = ApiToken.objects.create(client=client, user=user, name=name, prefix=prefix, digest=digest_of(secret),
                                    scopes=sorted(set(scopes)), expires_at=expires_at, created_by=created_by)
    return token, secret


def token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_authenticate(secret: str) -> ApiToken:
    """The live token of this secret, its last-used time updated; ApiError (401) otherwise."""
    token = (ApiToken.objects.select_related("client", "user").filter(digest=digest_of(secret or "")).first()
             if secret else None)
    if token is None:
        raise ApiError(401, "token_invalid", _("The API token is missing or wrong."))
    if token.revoked_at is not None:
        raise ApiError(401, "token_revoked", _("This API token has been revoked."))
    if token.is_expired:
        raise ApiError(401, "token_expired", _("This API token has expired."))
    if not token.user.is_active:
        raise ApiError(401, "token_user_inactive", _("The staff member this API token acts as can no longer log in."))
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # no history on tokens: a plain update
    token.last_used_at = now
    return token
