from .base import *  # noqa: F401,F403

import atexit
import shutil
import tempfile

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="kokyaku-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
ALLOWED_HOSTS = ["*"]

CACHES = {**CACHES, "jobs": {**CACHES["jobs"], "LOCATION": tempfile.mkdtemp(prefix="kokyaku-jobs-")}}  # noqa: F405
atexit.register(shutil.rmtree, CACHES["jobs"]["LOCATION"], ignore_errors=True)
