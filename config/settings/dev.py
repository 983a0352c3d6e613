import os

from .base import *  # noqa: F401,F403  (the one sanctioned star import: settings layering)

DEBUG = True

# Mail (handoff notices): printed by the worker to its console unless the environment names a mail
# server (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend, EMAIL_HOST …; docs/operations.md).
if "EMAIL_BACKEND" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
