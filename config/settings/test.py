from .base import *  # noqa: F401,F403

import tempfile

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="kokyaku-media-")
ALLOWED_HOSTS = ["*"]
