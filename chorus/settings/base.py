"""Settings for every environment, read from the environment (django-environ).

Real environment variables win over `.env`. Nothing secret has a default: the process refuses to
start without DJANGO_SECRET_KEY (only manage.py's keyless commands, such as makemigrations, run
with a throw-away random key on a fresh clone). `chorus.settings.test` overrides only what tests
need.
"""

import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from chorus import limits

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=True) and (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

# GENERAL
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not env.bool("CHORUS_THROWAWAY_SECRET_KEY", default=False):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY manquant : `make run` crée un fichier .env avec une clé générée ; "
            "en production, définissez la variable d'environnement DJANGO_SECRET_KEY."
        )
    # Only for manage.py commands that use no secret (makemigrations…): random, never a default.
    SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "chorus.urls"
WSGI_APPLICATION = "chorus.wsgi.application"
VAR_DIR = Path(env("CHORUS_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # embedded SQLite, media and mail files live here

# DATABASES — empty DATABASE_URL means the embedded SQLite file.
_database_url = env("DATABASE_URL", default="")
DATABASES = {
    "default": env.db_url_config(_database_url)
    if _database_url
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "db.sqlite3"}
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # Concurrent requests on the embedded file (issue 14 item 8): every transaction takes the
    # write lock at BEGIN IMMEDIATE, so a reader never has to upgrade to a writer (which SQLite
    # refuses at once with « database is locked », whatever the timeout) and the writers queue for
    # up to `timeout` seconds; that also makes select_for_update (a no-op on SQLite) serialise.
    # WAL lets reads go on beside the writer; synchronous=NORMAL is durable enough under WAL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# APPS
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_fsm",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "structures",
    "invoices",
    "api",
    "support",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Strict Content-Security-Policy (SECURE_CSP below); the inner one allows, by hash, the
    # inline blocks of the few third-party pages listed in CHORUS_CSP_HASHED_PATHS.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "chorus.security.InlineHashCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    # Integrator sandbox controls (issue 8): request log (outer), then injected faults.
    "api.requestlog.RequestLogMiddleware",
    "api.faults.FaultInjectionMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chorus.context_processors.chorus",
            ],
        },
    },
]

# AUTHENTICATION — e-mail login through django-allauth.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int("CHORUS_ACTIVATION_DAYS", default=3)
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# The login e-mail is fixed (one address, never changed); notifications go to contact_email.
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[chorus] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# The caller's address behind reverse proxies (chorus.security.client_address, allauth's limits):
# how many proxies in front of Django append to X-Forwarded-For. 0: REMOTE_ADDR (make run);
# docker-compose.yml sets 1 (Caddy, the only way in). More than there are lets callers forge it.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("CHORUS_TRUSTED_PROXY_COUNT", default=0)
# Login throttling (allauth rate limits, kept in the cache).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("CHORUS_LOGIN_RATE", default="10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "chorus (émulation)"
CHORUS_MFA_REQUIRED = env.bool("CHORUS_MFA_REQUIRED", default=False)

# SANDBOX
# Public address of the portal, used for links in e-mails.
CHORUS_SITE_URL = env("CHORUS_SITE_URL", default="http://127.0.0.1:8000")
CHORUS_SANDBOX = env.bool("CHORUS_SANDBOX", default=True)
# Secret of POST /sandbox/api/v1/sandboxes (X-Sandbox-Secret header); empty: superusers only.
CHORUS_SANDBOX_BOOTSTRAP_SECRET = env("CHORUS_SANDBOX_BOOTSTRAP_SECRET", default="")
# Current versions of the documents a user must accept before depositing invoices.
CHORUS_CGU_VERSION = "2026-01"
CHORUS_MANDATE_VERSION = "2026-01"

# API (PISTE) — OAuth2 client credentials + `cpro-account` technical account on every call.
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "api.authentication.PisteOAuth2Validator",
    "OAUTH2_BACKEND_CLASS": "api.oauth_backend.PisteOAuthLibCore",
    "SCOPES": {"openid": "Accès à l'API Chorus Pro"},
    "DEFAULT_SCOPES": ["openid"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("CHORUS_API_TOKEN_SECONDS", default=3600),
    # Only client credentials are used: adopt every RFC 9700 (OAuth security BCP) behaviour.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOW_URI_WILDCARDS": False,
    "PKCE_REQUIRED": True,
}
# Files travel base64 in API JSON: the largest body is a 50 MB flux (chorus/limits.py); each view
# checks its own kind's limit after decoding (413 naming it).
DATA_UPLOAD_MAX_MEMORY_SIZE = limits.API_BODY_MAX_BYTES
# Processes validating a large flux batch (0: one per core; 1: in the calling process only).
CHORUS_VALIDATION_WORKERS = env.int("CHORUS_VALIDATION_WORKERS", default=0)
# Integrator request log: entries kept per application and structure, body bytes kept per entry.
CHORUS_REQUEST_LOG_SIZE = env.int("CHORUS_REQUEST_LOG_SIZE", default=200)
CHORUS_REQUEST_LOG_BODY_MAX = env.int("CHORUS_REQUEST_LOG_BODY_MAX", default=4096)
CHORUS_TECHNICAL_PASSWORD_DAYS = env.int("CHORUS_TECHNICAL_PASSWORD_DAYS", default=180)
# A checked technical-account password is remembered this long (PBKDF2 is slow by design).
CHORUS_TECHNICAL_PASSWORD_CACHE_SECONDS = env.int(
    "CHORUS_TECHNICAL_PASSWORD_CACHE_SECONDS", default=300
)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.PisteAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.ChorusJSONParser"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApplicationRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "piste": env("CHORUS_API_RATE", default="1200/min"),
        # Failed client secrets / technical passwords, per client id, login and address.
        "credentials": env("CHORUS_API_CREDENTIAL_FAILURES", default="10/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Chorus Pro — émulation (chorus)",
    "DESCRIPTION": "Émulation hors ligne de l'API Chorus Pro exposée par PISTE. "
    "Ceci n'est pas Chorus Pro.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# EMAIL — console by default; in sandbox mode every message is also kept in the database.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# The console backend prints the text as written (not quoted-printable): accounts.mail.
CHORUS_INNER_EMAIL_BACKEND = {
    "django.core.mail.backends.console.EmailBackend": "accounts.mail.ReadableConsoleBackend",
}.get(_email["EMAIL_BACKEND"], _email["EMAIL_BACKEND"])
EMAIL_BACKEND = (
    "accounts.mail.SandboxEmailBackend" if CHORUS_SANDBOX else CHORUS_INNER_EMAIL_BACKEND
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="chorus <ne-pas-repondre@chorus.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# CACHE AND CELERY — without REDIS_URL, tasks run in-process when the transaction commits.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Memory cap: a worker process that grew past this (KiB) after a task is replaced (hostile files).
# Above the saxonche processor's own footprint, or every flux task would restart its process.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=1_500_000
)
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection before and after every task unless this is
# set (celery#4116, #10554): a new PostgreSQL connection per task halves the routing throughput
# (reliability-perf.md §0.3). Connections are kept; chorus/celery.py closes the unusable or
# obsolete ones (CONN_MAX_AGE) before each task, as Django does around each request.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TIMEZONE = TIME_ZONE
# The database outbox is the guarantee (reliability-perf.md §2.2): beat re-enqueues routing that was
# lost between COMMIT and the broker.
CELERY_BEAT_SCHEDULE = {
    "invoices-outbox-sweep": {"task": "invoices.tasks.outbox_sweep", "schedule": 30.0},
    "api-webhooks-dispatch": {"task": "api.tasks.webhooks_dispatch", "schedule": 10.0},
    "sandbox-robots": {"task": "sandbox.tasks.run_robots", "schedule": 60.0},
}
CHORUS_OUTBOX_GRACE_SECONDS = env.int("CHORUS_OUTBOX_GRACE_SECONDS", default=60)
CHORUS_ROUTING_MAX_ATTEMPTS = env.int("CHORUS_ROUTING_MAX_ATTEMPTS", default=10)
# A worker that holds nothing while its queues hold messages, and has received nothing for this
# many seconds, has stopped consuming (Celery/Kombu reconnection bug): it exits with code 75 for its
# supervisor to restart it (chorus/watchdog.py). 0 turns the watchdog off.
CHORUS_WORKER_WATCHDOG_SECONDS = env.int("CHORUS_WORKER_WATCHDOG_SECONDS", default=120)
# Webhooks to loopback/private addresses (server-side request forgery, api/webhooks.py): refused
# unless the operator of a single-user emulator allows them (an integrator receiving on localhost).
# Link-local and cloud metadata addresses are refused whatever this says.
CHORUS_WEBHOOKS_ALLOW_PRIVATE = env.bool("CHORUS_WEBHOOKS_ALLOW_PRIVATE", default=False)

# STATIC AND MEDIA — files go through Django's storage API.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves static files in every mode, DEBUG off included (`make run`): from the
# finders (no collectstatic needed) unless CHORUS_STATIC_FINDERS=false (an image that ran
# collectstatic, docker-compose); re-scanned on each request only in DEBUG.
WHITENOISE_USE_FINDERS = env.bool("CHORUS_STATIC_FINDERS", default=True)
WHITENOISE_AUTOREFRESH = DEBUG
# Nothing is served under MEDIA_URL (no route): stored files go through permission-checked views.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("CHORUS_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "CHORUS_STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# SECURITY — secure by default outside DEBUG; see `manage.py check --deploy`.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script, style or event handler anywhere (htmx and our JS are static files; htmx's own
# indicator <style> is turned off in base.html). ASVS 5.0 V3.4.3: object-src and base-uri 'none'.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Third-party pages whose inline <script>/<style> blocks are allowed by their SHA-256 hash only
# (drf-spectacular's Swagger UI starts itself with an inline script): see chorus/security.py.
CHORUS_CSP_HASHED_PATHS = ["/api/docs/"]

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # PDF libraries log every rendering step at INFO.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "pikepdf")},
}
