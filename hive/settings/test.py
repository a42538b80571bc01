"""Settings for pytest. Embedded servers by default; DATABASE_URL / REDIS_URL for the
production-path pass in CI."""

from .base import *  # noqa: F403
from .base import database_settings, env, redis_settings, service_urls

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

DATABASE_URL, REDIS_URL = service_urls()

DATABASES = {"default": database_settings(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Two suites can run side by side on one server by naming their test databases apart.
DATABASES["default"]["TEST"] = {
    "NAME": env("HIVE_TEST_DATABASE", default=f"test_{DATABASES['default']['NAME']}")
}
# Tests share the Redis server with a running `make run`; their keys live apart.
CACHES = redis_settings(REDIS_URL)
# … and apart from another suite running at the same time (each clears its own keys).
CACHES["default"]["KEY_PREFIX"] = f"hive-{DATABASES['default']['TEST']['NAME']}"
CELERY_BROKER_URL = REDIS_URL

# Tasks run in-process when enqueued (after commit); tests that need a real worker
# start one against the real broker and switch this off for their duration.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
HIVE_BASE_URL = "http://testserver"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests that run real worker processes point them at a local SMTP sink with EMAIL_URL.
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
HIVE_MAIL_VIEWER = False
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
