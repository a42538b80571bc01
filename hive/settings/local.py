"""Development settings: `make run`. Embedded PostgreSQL and Valkey unless URLs are set."""

from .base import *  # noqa: F403
from .base import VAR_DIR, database_settings, env, redis_settings, service_urls

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

DATABASE_URL, REDIS_URL = service_urls()

DATABASES = {"default": database_settings(DATABASE_URL)}
CACHES = redis_settings(REDIS_URL)
CELERY_BROKER_URL = REDIS_URL

# Outgoing mail lands in var/mail/ as one .eml per message; /dev/mail/ lists them so a
# person trying the demo can follow a verification link.
EMAIL_BACKEND = "hive.mail.FileMailBackend"
EMAIL_FILE_PATH = env.path("HIVE_MAIL_DIR", default=str(VAR_DIR / "mail"))
HIVE_MAIL_VIEWER = True
# …listed at /dev/mail/, a route that exists only here, for loopback clients only.
ROOT_URLCONF = "hive.urls_local"
