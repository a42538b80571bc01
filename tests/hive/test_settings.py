"""Production settings, security headers and the Celery configuration."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from hive.celery import app

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "hive.settings.production",
    "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "hive.example.org",
    "DATABASE_URL": "postgres://hive@127.0.0.1:5432/hive",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "HIVE_BASE_URL": "https://hive.example.org",
}


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_passes_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "HIVE_BASE_URL"]
)
def test_production_refuses_to_start_without_required_setting(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_settings_values():
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
        "s.DATABASES['default']['CONN_HEALTH_CHECKS'], s.EMAIL_BACKEND, "
        "s.STORAGES['staticfiles']['BACKEND'])",
        env=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "django.core.mail.backends.smtp.EmailBackend",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


def test_there_is_no_sqlite_path():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_content_security_policy_forbids_inline_scripts(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=|<style", re.I)


@pytest.mark.parametrize(
    "url, who",
    [
        ("/", "visitor"),
        ("/about/", "visitor"),
        ("/guidelines/", "visitor"),
        ("/accounts/login/", "visitor"),
        ("/accounts/signup/", "visitor"),
        ("/accounts/password/reset/", "visitor"),
        ("/", "member"),
        ("/accounts/email/", "member"),
        ("/accounts/2fa/", "member"),
        ("/accounts/sessions/", "member"),
        ("/apply/", "applicant"),
    ],
)
def test_pages_have_no_inline_script_or_style(client, member, applicant, url, who):
    if who != "visitor":
        client.force_login(member if who == "member" else applicant)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    assert not INLINE_STYLE.search(html)
    # htmx is vendored and sends the CSRF token from <body hx-headers>.
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert re.search(r"<body[^>]*hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'", html)
    # Nothing is loaded from another origin (no CDN): scripts and styles are ours.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", html)


def test_celery_is_configured_for_safe_retries():
    conf = app.conf
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json" and conf.result_serializer == "json"
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_url == settings.REDIS_URL


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert schedule, "the beat schedule is empty"
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_every_connection_turns_jit_off_and_sorts_in_memory(db):
    """Asked per connection, so they hold on a server configured by someone else."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting, unit, source FROM pg_settings"
            " WHERE name IN ('jit', 'work_mem') ORDER BY name"
        )
        assert cursor.fetchall() == [
            ("jit", "off", None, "client"),
            ("work_mem", "32768", "kB", "client"),
        ]
