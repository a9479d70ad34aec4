"""Settings for etelecom-console: one module, every value read from the environment (or `.env`).

`.env.example` documents each variable. With no environment at all the console runs on SQLite with the
django-q2 ORM broker against the local sandbox: that is what `make run` and `make test` rely on.

Near ~400 lines on purpose: Django reads one settings module, and one file read top to bottom shows every value
and its environment variable in one place; split into several, a reader would have to follow the imports to learn
what wins.
"""

import base64
import hashlib
from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Development fallback only: `manage.py check --deploy` rejects it (security.W009), and `make run` writes a
# generated key into `.env` before the first start.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-set-SECRET_KEY-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# The console's public address, for links built outside a request (eTelecom redirects from background jobs).
CONSOLE_URL = env("CONSOLE_URL", default="http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin theme: its templates and static files come before Django's admin's.
    "unfold.apps.BasicAppConfig",
    "etelecom_console.apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_q",
    "etelecom_console.apps.AxesConfig",
    "django_otp",
    "etelecom_console.apps.OtpTotpConfig",
    "etelecom_console.apps.OtpStaticConfig",
    "etelecom_console",
    "shops",
    "zalo",
    "pbx",
    "sms",
]

MIDDLEWARE = [
    "etelecom_console.middleware.RequestIdMiddleware",
    "etelecom_console.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "etelecom_console.middleware.EtelecomBudgetMiddleware",
]

AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

ROOT_URLCONF = "etelecom_console.urls"
WSGI_APPLICATION = "etelecom_console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# The django-q2 cluster polls the ORM broker; without persistent connections it reconnects on every poll.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the cluster write at the same time: WAL plus IMMEDIATE transactions avoid
    # "database is locked" (see FIELD-NOTES).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# The console's own catalogue, then Vietnamese for the admin strings of django-q2, django-axes and the theme
# (django-unfold), which ship none.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-django-q", BASE_DIR / "locale-axes", BASE_DIR / "locale-unfold"]
USE_I18N = True
# Dates, times and number grouping per language (shops.formats shows every figure through them).
FORMAT_MODULE_PATH = ["etelecom_console.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Admin theme (django-unfold) ------------------------------------------------------------------------------
# The theme's settings: titles, the console's stylesheet (its colours too, see etelecom_console/admin.py) and
# script on every page, the sign-in page included. The sidebar is built per request (etelecom_console/navigation.py).
UNFOLD = {
    "SITE_TITLE": _("eTelecom Console"),
    "SITE_HEADER": _("eTelecom Console"),
    "SITE_URL": None,
    "SITE_SYMBOL": "support_agent",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "STYLES": [lambda request: static("console/theme.css"), lambda request: static("console/console.css")],
    "SCRIPTS": [lambda request: static("console/theme.js"), lambda request: static("console/language.js")],
}

# --- HTTPS (behind a TLS-terminating proxy in production) -----------------------------------------------------
HTTPS = env.bool("HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    # The console runs on a host of its own (console.partner.vn): these cover only that host's subdomains, and
    # preload takes effect only if someone submits the domain. Turn them off for a console on a shared apex.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Login and logout land on the dashboard, also when a `next` pointing off the site is refused.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# --- Failed logins (django-axes) ---------------------------------------------------------------------------
# Five failures for one user name from one address lock that pair out for a while, not forever and not everyone
# behind the same proxy.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "console/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "etelecom_console.security.client_ip"
# Proxies in front of the console that append to X-Forwarded-For; 0 trusts no header and uses REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Two-factor sign-in (django-otp; etelecom_console/twofactor.py) -----------------------------------------------
# Superusers always sign in with a second step (an authenticator app's code or a recovery code); True: every staff
# member does. Anyone who enrolled does in any case.
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="eTelecom Console")
# The admin lists devices (delete a lost phone's authenticator so its owner enrols anew) without their secrets.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- eTelecom -------------------------------------------------------------------------------------------------
# Defaults point at the local sandbox (`python -m etelecom.sandbox --port 8100`) and its documented demo partner key.
ETELECOM_SHOP_BASE_URL = env("ETELECOM_SHOP_BASE_URL", default="http://127.0.0.1:8100/v1/shop")
ETELECOM_PARTNER_BASE_URL = env("ETELECOM_PARTNER_BASE_URL", default="http://127.0.0.1:8100/v1/partner")
ETELECOM_PARTNER_API_KEY = env("ETELECOM_PARTNER_API_KEY", default="partner1000:sandbox-demo-partner")
ETELECOM_TIMEOUT = (
    env.float("ETELECOM_CONNECT_TIMEOUT", default=5.0),
    env.float("ETELECOM_READ_TIMEOUT", default=30.0),
)
ETELECOM_MAX_RETRIES = env.int("ETELECOM_MAX_RETRIES", default=3)
# SMS Brandname's own gateway (etelecom.sms): `https://omni.incom.vn/api` in production (older accounts:
# `https://sms.etelecom.vn/api`); each shop's username and password are its own. Same timeouts and retries.
ETELECOM_SMS_BASE_URL = env("ETELECOM_SMS_BASE_URL", default="http://127.0.0.1:8100/omni/api")
# Days the API-call audit log is kept; a daily job deletes older rows.
API_CALL_RETENTION_DAYS = env.int("API_CALL_RETENTION_DAYS", default=30)
# Password `manage.py load_demo` gives the demo superuser `admin` (written to `.env` by `make run`).
DEMO_ADMIN_PASSWORD = env("DEMO_ADMIN_PASSWORD", default="")


def _development_encryption_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY, so a bare checkout runs; deploy checks refuse it (console.E001)."""
    return base64.urlsafe_b64encode(hashlib.sha256(b"field-encryption:" + secret_key.encode()).digest()).decode()


# Fernet keys, newest first: the first encrypts, every one decrypts (rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_ENCRYPTION_KEYS_FROM_ENV = bool(FIELD_ENCRYPTION_KEYS)
if not FIELD_ENCRYPTION_KEYS:
    FIELD_ENCRYPTION_KEYS = [_development_encryption_key(SECRET_KEY)]

# --- Content-Security-Policy (django-csp) ----------------------------------------------------------------------
# Scripts and styles come only from the console's static files: no inline script, handler, `javascript:` link or
# inline style runs, whatever a page shows. Recordings play from eTelecom (https, or the configured eTelecom hosts
# for the local sandbox). No `form-action`: the connect forms post here and then redirect to eTelecom's or Zalo's
# login page, which browsers would hold to it.
_ETELECOM_ORIGINS = sorted(
    {
        f"{parts.scheme}://{parts.netloc}"
        for parts in map(urlsplit, (ETELECOM_SHOP_BASE_URL, ETELECOM_PARTNER_BASE_URL))
        if parts.scheme in ("http", "https") and parts.netloc
    }
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_EVAL],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF],
        "media-src": [SELF, "https:", *_ETELECOM_ORIGINS],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# --- Zalo ---------------------------------------------------------------------------------------------------
# Minutes between OA sync cycles; each queues one run per shop, and the cluster's workers run them in parallel.
ZALO_OA_SYNC_MINUTES = env.int("ZALO_OA_SYNC_MINUTES", default=15)
# Health thresholds: quota left under this percentage of the daily quota, authorization expiring within these days.
ZALO_QUOTA_LOW_PERCENT = env.int("ZALO_QUOTA_LOW_PERCENT", default=20)
ZALO_TOKEN_EXPIRY_DAYS = env.int("ZALO_TOKEN_EXPIRY_DAYS", default=7)
# Minutes between syncs of call permission requests (webhooks bring replies at once) and of ZNS templates.
ZALO_CONSENT_SYNC_MINUTES = env.int("ZALO_CONSENT_SYNC_MINUTES", default=10)
ZALO_TEMPLATE_SYNC_MINUTES = env.int("ZALO_TEMPLATE_SYNC_MINUTES", default=60)
# Minutes between syncs of the ZNS message history (delivery also comes by webhook).
ZALO_MESSAGE_SYNC_MINUTES = env.int("ZALO_MESSAGE_SYNC_MINUTES", default=10)
ZALO_JOURNEY_SYNC_MINUTES = env.int("ZALO_JOURNEY_SYNC_MINUTES", default=60)
# Hours after a customer's last message during which the OA may send them consulting messages (Zalo's rule: 48).
ZALO_CONSULTING_WINDOW_HOURS = env.int("ZALO_CONSULTING_WINDOW_HOURS", default=48)

# --- SMS Brandname -------------------------------------------------------------------------------------------
# Minutes between status checks of the SMS still in progress, and how long a message is followed at most.
SMS_STATUS_POLL_MINUTES = env.int("SMS_STATUS_POLL_MINUTES", default=2)
SMS_STATUS_POLL_DAYS = env.int("SMS_STATUS_POLL_DAYS", default=3)

# --- Cloud PBX ------------------------------------------------------------------------------------------------
# Minutes between call-history syncs of every shop, and between syncs of tenants, hotlines, users and extensions.
PBX_CALL_SYNC_MINUTES = env.int("PBX_CALL_SYNC_MINUTES", default=5)
PBX_DIRECTORY_SYNC_MINUTES = env.int("PBX_DIRECTORY_SYNC_MINUTES", default=60)
# Each call sync re-reads this many minutes before the last one's end: calls stored late, records updated since.
PBX_CALL_SYNC_OVERLAP_MINUTES = env.int("PBX_CALL_SYNC_OVERLAP_MINUTES", default=15)
# Days of calls kept (whole local days): a daily job deletes older calls and their rollups, and syncs no longer
# fetch them. 0 keeps every call.
PBX_CALL_RETENTION_DAYS = env.int("PBX_CALL_RETENTION_DAYS", default=0)
# Seconds a call sync runs before it hands the rest of its pass to a new run behind the other shops' (a first
# sync of millions of calls does not hold a worker for a whole cycle). 0: no limit.
PBX_CALL_SYNC_RUN_SECONDS = env.float("PBX_CALL_SYNC_RUN_SECONDS", default=60.0)

# --- Background jobs (django-q2) ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
Q_CLUSTER = {
    "name": env("Q_CLUSTER_NAME", default="etelecom-console"),
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=600),
    # Redelivery must wait for longer than a task may run, or a slow task runs twice.
    "retry": env.int("Q_RETRY", default=720),
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=3),
    # Syncs fetch the latest state: replaying every slot missed during downtime only queues duplicate work.
    "catch_up": False,
    "poll": env.float("Q_POLL", default=1.0),
    "save_limit": env.int("Q_SAVE_LIMIT", default=5000),
    "ack_failures": True,
    "label": _("Background jobs"),
}
# Seconds between a running job's signs of life; a run silent for eight of them is taken for dead and reaped.
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", default=15.0)
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Production: server, health, logs, errors, metrics (issue 20, part A) ------------------------------------
# Seconds every eTelecom call of one web request may take together, retries included: a slow eTelecom then shows
# "eTelecom did not answer in time" instead of the request being cut by gunicorn (GUNICORN_TIMEOUT, 120 s in
# gunicorn.conf.py) or the proxy. Background jobs have no such budget.
ETELECOM_REQUEST_BUDGET = env.float("ETELECOM_REQUEST_BUDGET", default=45.0)
# /readyz: a job cluster counts as alive when it reported or finished a task within this many seconds, and a
# schedule more than this many seconds overdue means no scheduler runs.
CLUSTER_ALIVE_SECONDS = env.int("CLUSTER_ALIVE_SECONDS", default=180)
SCHEDULE_LAG_SECONDS = env.int("SCHEDULE_LAG_SECONDS", default=300)
# Bearer token for /metrics (Prometheus text); empty: /metrics answers 404.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# `plain` (text lines) or `json` (one JSON object a line, for a log collector). Times are UTC with an offset.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
# People mailed on every server error (500), as "Name <address>" or an address, comma-separated; from SERVER_EMAIL.
ADMINS = [(name, address) for name, address in getaddresses(env.list("ADMINS", default=[])) if address]
SERVER_EMAIL = env("SERVER_EMAIL", default="root@localhost")
# Optional error reporting to Sentry: no personal data, webhook secrets and keys scrubbed (etelecom_console/logs.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from etelecom_console.logs import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# --- Alerts by mail and retention (issue 20 part B) ---------------------------------------------------------
# Outgoing mail as a URL (django-environ): smtp+tls://user:password@host:587, or consolemail:// (the default: mails
# are printed to the log, for the demo and development).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="etelecom-console@localhost")
# Minutes between alert digests; a sync alerts once its last this many runs have failed.
ALERT_DIGEST_MINUTES = env.int("ALERT_DIGEST_MINUTES", default=15)
ALERT_SYNC_FAILURES = env.int("ALERT_SYNC_FAILURES", default=3)
# Days each kind of row is kept; a daily job (shops.retention) deletes older ones in short batches. The latest run
# of each kind for each shop, runs still going and webhook events that failed or were not handled are always kept.
RETENTION_SYNC_RUNS_DAYS = env.int("RETENTION_SYNC_RUNS_DAYS", default=30)
RETENTION_WEBHOOK_EVENTS_DAYS = env.int("RETENTION_WEBHOOK_EVENTS_DAYS", default=30)
RETENTION_AXES_DAYS = env.int("RETENTION_AXES_DAYS", default=90)
# Rows per batch (a primary-key range), each deleted in a transaction of its own.
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=2000)

# --- Logging --------------------------------------------------------------------------------------------------
# Every handler, Django's own included (its request log, runserver's request lines, the admins' error mail when
# ADMINS is set), masks webhook secrets: a shop's webhook URL is its authentication (etelecom_console/logs.py),
# and stamps the request id.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secret_paths": {"()": "etelecom_console.logs.RedactSecretPaths"},
        "request_id": {"()": "etelecom_console.logs.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {
            "()": "etelecom_console.logs.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "etelecom_console.logs.UTCJsonFormatter"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "plain"},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "django.server",
        },
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
for _handler in LOGGING["handlers"].values():
    _handler["filters"] = ["redact_secret_paths", "request_id", *_handler.get("filters", [])]
DEFAULT_EXCEPTION_REPORTER_FILTER = "etelecom_console.logs.SecretPathReporterFilter"
