from .base import *  # noqa: F401,F403

import atexit
import shutil
import tempfile

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="kokyaku-media-")
MEDIA_RESERVE_BYTES = 0  # the tests' small files on whatever disk the machine has left
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
ALLOWED_HOSTS = ["*"]

# One process per xdist worker: a local-memory cache does what the database cache does for a single
# process, without a query per lookup. tests/conftest.py clears it before each test, as a rolled-back
# transaction would have cleared the database cache.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kokyaku-tests"},
    "jobs": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
             "LOCATION": tempfile.mkdtemp(prefix="kokyaku-jobs-")},
}
atexit.register(shutil.rmtree, CACHES["jobs"]["LOCATION"], ignore_errors=True)
