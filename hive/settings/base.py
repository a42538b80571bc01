"""Settings shared by every environment. Environment-specific modules import from here.

Configuration comes from the environment (django-environ); see README "Configuration".
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

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
    "allauth.usersessions",
    "django_htmx",
    "template_partials",
    "csp",
    "hive",
    "members",
    "notifications",
    "matching",
    "messaging",
    "groups",
    "events",
    # After the apps it builds on (matching's scores, messaging's conversations), so
    # its plug-ins (home card, demo, personal data) come after theirs.
    "coffee",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers the message poller's "nothing new" from Redis, before sessions and users
    # are loaded (no SQL); steps aside for every other request.
    "messaging.live.LiveCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "hive.middleware.MemberTimezoneMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's user sessions (the devices page), recorded every few minutes, not on
    # every request (allauth.usersessions.middleware.UserSessionsMiddleware).
    "hive.middleware.SessionActivityMiddleware",
]

ROOT_URLCONF = "hive.urls"
WSGI_APPLICATION = "hive.wsgi.application"

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
                "hive.context_processors.navigation",
                "notifications.context_processors.unread",
                "messaging.context_processors.messaging",
            ],
        },
    },
]

# --- Database & Redis ------------------------------------------------------------------
# Set by each environment module: DATABASES from DATABASE_URL, REDIS_URL.


def service_urls() -> tuple[str, str]:
    """DATABASE_URL and REDIS_URL from the environment; each one unset means the
    embedded server under var/ (local and test settings only: production requires both)."""
    from hive import embedded

    database = env("DATABASE_URL") if "DATABASE_URL" in env else embedded.postgres_url()
    redis = env("REDIS_URL") if "REDIS_URL" in env else embedded.redis_url()
    return database, redis


def database_settings(url: str) -> dict:
    """DATABASES["default"] for a URL, with the options every environment wants."""
    config = env.db_url_config(url)
    config["ENGINE"] = "django.db.backends.postgresql"
    config["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    # A pooled connection that died (database restart, failover) is replaced, not used.
    config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    # Set per connection, so they hold on any server (the embedded one sets them too):
    # no JIT (compiling a plan costs tens of ms, more than any of these statements
    # takes) and room for the directory's sorts in memory. Empty for a pooler that
    # refuses startup options (then set them on the role: README, "Production").
    options = env("HIVE_DATABASE_OPTIONS", default="-c jit=off -c work_mem=32MB")
    if options:
        config.setdefault("OPTIONS", {})["options"] = options
    return config


def redis_settings(url: str) -> dict:
    """CACHES for a Redis URL. A Redis outage degrades the cache to a miss, never a 500."""
    return {
        "default": {
            "BACKEND": "hive.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "hive",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }


# Log (not raise) cache failures, so an outage is visible in the logs.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "hive.cache"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "members.User"

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

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("HIVE_MEDIA_ROOT", default=str(VAR_DIR / "media"))

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Content Security Policy (django-csp) ------------------------------------------------
# No inline scripts or styles anywhere: htmx is configured through a <meta> tag and
# our own JS lives in static/. Data URIs are allowed for images only (allauth's TOTP
# QR code is an inline SVG image).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Accounts (django-allauth) ---------------------------------------------------------
# What emails call the site (with HIVE_BASE_URL's address beside it: members/adapters.py).
HIVE_SITE_NAME = env("HIVE_SITE_NAME", default="Hive")
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# Confirming the address from the browser that signed up logs the applicant in (allauth
# only does so while the sign-up is in that browser's session; elsewhere, a login).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# …and lands them on their application: a new account is always an applicant.
ACCOUNT_SIGNUP_REDIRECT_URL = "members:status"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# How long a password (or code) entered counts as fresh for a sensitive change: after
# re-entering it, and also after logging in with it (members/adapters.py), so turning on
# two-factor right after logging in does not ask for the password again.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{HIVE_SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("HIVE_HTTP_PROTOCOL", default="http")
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.accounts.SignupExtraForm"
# allauth's forms in our words; sign-up costs the same for a new and a taken address
# (members/forms/auth.py).
ACCOUNT_FORMS = {
    name: f"members.forms.auth.{form}"
    for name, form in {
        "login": "LoginForm",
        "signup": "SignupForm",
        "add_email": "AddEmailForm",
        "change_password": "ChangePasswordForm",
        "set_password": "SetPasswordForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "reauthenticate": "ReauthenticateForm",
    }.items()
}
MFA_FORMS = {
    "authenticate": "members.forms.auth.AuthenticateForm",
    "reauthenticate": "members.forms.auth.MfaReauthenticateForm",
    "activate_totp": "members.forms.auth.ActivateTOTPForm",
}
# allauth's rate limits count in the cache, which is Redis: limits hold across every web
# process. Behind N proxies, set ALLAUTH_TRUSTED_PROXY_COUNT so the client's address is
# read from X-Forwarded-For rather than the proxy's.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Hive"
# Accept the code of the neighbouring 30-second window: phone clocks drift.
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10
USERSESSIONS_TRACK_ACTIVITY = True
# How often a session's "last active" is written (hive.middleware.SessionActivityMiddleware).
HIVE_SESSION_ACTIVITY_SECONDS = 300

# Anti-scraping: pages of other members one member may open per minute.
HIVE_BROWSING_LIMITS = {
    "directory": env.int("HIVE_DIRECTORY_PAGES_PER_MINUTE", default=60),
    "profile": env.int("HIVE_PROFILE_VIEWS_PER_MINUTE", default=60),
}

# Links in emails are absolute: they point here, whatever Host a request came in on.
HIVE_BASE_URL = env("HIVE_BASE_URL", default="http://127.0.0.1:8000")
# A send claimed this long ago without an outcome was interrupted (worker killed):
# the sweep retries it. Must exceed CELERY_TASK_TIME_LIMIT.
NOTIFICATIONS_SEND_LEASE_SECONDS = 300
# At most this many nudge emails (reminders, suggestions) per member per 7 days.
NOTIFICATIONS_NUDGE_WEEKLY_CAP = env.int("NOTIFICATIONS_NUDGE_WEEKLY_CAP", default=3)

DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Hive <hello@hive.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------
# Read by hive/celery.py with namespace="CELERY". Brokers come from REDIS_URL.
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker died is redelivered instead of being marked failed: every task
# is idempotent (guarded by a key in the database), so running it again is harmless.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Must exceed the longest countdown/eta we schedule, or Redis redelivers early.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60 * 6}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(
    env.path("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))
)

# The one place periodic work is scheduled. Times are UTC; tasks that care about a
# member's local time compute it per member.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "hive.tasks.heartbeat",
        "schedule": 60.0,
    },
    "notifications-sweep": {
        "task": "notifications.sweep",
        "schedule": 60.0,
    },
    # Every 15 minutes, so 8:00 local arrives on time in zones with :30/:45 offsets.
    "notifications-digests": {
        "task": "notifications.send_digests",
        "schedule": crontab(minute="*/15"),
    },
    "two-factor-reminders": {
        "task": "members.two_factor_reminders",
        "schedule": crontab(day_of_week="tue", hour=15, minute=0),
    },
    "network-quiet-reminders": {
        "task": "members.network_quiet_reminders",
        "schedule": crontab(day_of_week="thu", hour=15, minute=30),
    },
    # Hourly: each member's due follow-ups from 8 a.m. their time (members/network.py).
    "follow-up-reminders": {
        "task": "members.follow_up_reminders",
        "schedule": crontab(minute=7),
    },
    # 12:00 UTC: morning in the Americas, the same day everywhere in the US.
    "license-expiry-check": {
        "task": "members.license_expiry_check",
        "schedule": crontab(hour=12, minute=5),
    },
    "review-queue-digest": {
        "task": "members.review_queue_digest",
        "schedule": crontab(hour=14, minute=0),
    },
    # Members who asked to leave, once their grace period is over (members/data_rights.py).
    "erase-due-accounts": {
        "task": "members.erase_due_accounts",
        "schedule": crontab(hour=4, minute=10),
    },
    # Exports whose build was never queued (broker down) or lost with Redis's memory.
    "queue-stalled-data-exports": {
        "task": "members.queue_stalled_data_exports",
        "schedule": crontab(minute="*/10"),
    },
    # Export files nobody downloaded within their 48 hours.
    "expire-data-exports": {
        "task": "members.expire_data_exports",
        "schedule": crontab(minute=40),
    },
    # Members who left messages unread 15 minutes get one email listing them.
    "messaging-unread-emails": {
        "task": "messaging.unread_emails",
        "schedule": crontab(minute="*/5"),
    },
    # Consultation groups: the next quarter's sessions, daily; presenters' reminders
    # (with the de-identification checklist) hourly, three days ahead.
    "groups-generate-sessions": {
        "task": "groups.generate_sessions",
        "schedule": crontab(hour=4, minute=40),
    },
    "groups-presenter-reminders": {
        "task": "groups.presenter_reminders",
        "schedule": crontab(minute=20),
    },
    # A seat offered from a group's waitlist is held 48 h; lapsed offers move on to the
    # next in line within 10 minutes.
    "groups-expire-seat-offers": {
        "task": "groups.expire_seat_offers",
        "schedule": crontab(minute="*/10"),
    },
    "clear-expired-sessions": {
        "task": "hive.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    # Event reminders 24 h and 1 h ahead: due ones are found every 5 minutes (each is
    # sent once, by key); follow-ups an hour or more after an event ends.
    "event-reminders": {
        "task": "events.send_reminders",
        "schedule": crontab(minute="*/5"),
    },
    "event-followups": {
        "task": "events.send_followups",
        "schedule": crontab(minute="*/15"),
    },
    # Coffee dates: the week's pairing round on Monday at 04:00 UTC (Sunday evening on
    # the US west coast, before anyone's Monday morning there); hourly, the intros and
    # "Did you meet?" check-ins of members whose morning it is, and closing rounds that
    # are over (coffee/services.py).
    "coffee-round": {
        "task": "coffee.run_round",
        "schedule": crontab(day_of_week="mon", hour=4, minute=0),
    },
    "coffee-morning-notes": {
        "task": "coffee.morning_notes",
        "schedule": crontab(minute=10),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django_redis": {"level": "WARNING"},
    },
}
