"""`make run`: Kokyaku as one office runs it on its own machine: DEBUG off, a real WSGI server
(gunicorn), static files from whitenoise, the background worker beside it.

The secret key is made once and kept in var/secret-key (git-ignored, owner-readable only).
Production behind HTTPS uses config.settings.prod instead.
"""

import os
import secrets

from .base import *  # noqa: F401,F403
from .base import BASE_DIR

DEBUG = False


def _secret_key() -> str:
    if os.environ.get("DJANGO_SECRET_KEY"):
        return os.environ["DJANGO_SECRET_KEY"]
    path = BASE_DIR / "var" / "secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

# Mail (handoff notices): printed by the worker to its console unless the environment names a mail
# server (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend, EMAIL_HOST …; docs/operations.md).
if "EMAIL_BACKEND" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
