"""Test settings: base settings with fast hashing, captured e-mail and a throwaway media root."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_READ_DOT_ENV_FILE", "false")
os.environ.setdefault("EMAIL_URL", "consolemail://")

from chorus.settings.base import *  # noqa: F403
from chorus.settings.base import DATABASES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHORUS_SANDBOX = True
CHORUS_INNER_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_BACKEND = "accounts.mail.SandboxEmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="chorus-test-media-")
# WhiteNoise looks static files up when asked instead of scanning them all for each test client
# (tests/security/test_stored_files.py checks the non-DEBUG scan that `make run` uses).
WHITENOISE_AUTOREFRESH = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["OPTIONS"] = {}
# Tasks run in the test process; tests that need a real worker start one as a subprocess.
CELERY_TASK_ALWAYS_EAGER = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # One test database per process, so two suites on one server cannot drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": f"test_chorus_{os.getpid()}"}
