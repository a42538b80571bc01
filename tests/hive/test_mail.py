"""The local mail capture (var/mail/) and its viewer."""

from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection

from hive import mail


@pytest.fixture
def mail_dir(settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.HIVE_MAIL_VIEWER = True
    return tmp_path / "mail"


def _send(subject="Confirm your email", body="Open http://testserver/accounts/confirm-email/abc/"):
    message = EmailMultiAlternatives(
        subject, body, "Hive <hello@hive.test>", ["new@example.com"],
        connection=get_connection("hive.mail.FileMailBackend"),
    )  # fmt: skip
    message.attach_alternative(f"<p>{body}</p>", "text/html")
    return message.send()


def test_each_message_is_written_to_its_own_file(mail_dir):
    assert _send(subject="First") == 1
    assert _send(subject="Second") == 1
    files = sorted(mail_dir.glob("*.eml"))
    assert len(files) == 2
    stored = mail.list_mail()
    assert [m.subject for m in stored] == ["Second", "First"]  # newest first
    assert stored[0].to == "new@example.com"
    assert "confirm-email/abc/" in stored[0].text
    assert stored[0].html.startswith("<p>")


@pytest.mark.urls("hive.urls_local")
def test_viewer_lists_mail_with_clickable_links(client, db, mail_dir):
    _send()
    listing = client.get("/dev/mail/")  # the test client's REMOTE_ADDR is 127.0.0.1
    assert listing.status_code == 200
    name = mail.list_mail()[0].name
    assert f"/dev/mail/{name}/" in listing.content.decode()
    detail = client.get(f"/dev/mail/{name}/").content.decode()
    assert '<a href="http://testserver/accounts/confirm-email/abc/"' in detail


@pytest.mark.urls("hive.urls_local")
@pytest.mark.parametrize("address", ["10.0.0.7", "192.168.1.20", "203.0.113.9", "::ffff:10.0.0.7"])
def test_viewer_answers_only_loopback_clients_even_staff(client, db, mail_dir, staff, address):
    _send()
    name = mail.list_mail()[0].name
    client.force_login(staff)
    assert client.get("/dev/mail/", REMOTE_ADDR=address).status_code == 404
    assert client.get(f"/dev/mail/{name}/", REMOTE_ADDR=address).status_code == 404
    assert client.get("/dev/mail/", REMOTE_ADDR="::1").status_code == 200


def test_viewer_does_not_exist_outside_local_settings(client, db, mail_dir, settings, staff):
    """The test and production URLconf (hive/urls.py) has no such route at all."""
    settings.DEBUG = True
    client.force_login(staff)
    assert client.get("/dev/mail/").status_code == 404
    # Only local settings switch to the URLconf that has it (read, not imported:
    # importing them would start servers or demand production's environment).
    settings_dir = Path(__file__).resolve().parents[2] / "hive" / "settings"
    assert 'ROOT_URLCONF = "hive.urls_local"' in (settings_dir / "local.py").read_text()
    for name in ("base.py", "production.py", "test.py"):
        assert "urls_local" not in (settings_dir / name).read_text()


@pytest.mark.urls("hive.urls_local")
def test_viewer_is_off_when_mail_is_not_captured(client, db, settings, staff):
    settings.HIVE_MAIL_VIEWER = False
    client.force_login(staff)
    assert client.get("/dev/mail/").status_code == 404


@pytest.mark.urls("hive.urls_local")
@pytest.mark.parametrize("name", ["..%2F..%2Fsettings.py", "notamail", "x.eml"])
def test_viewer_refuses_names_that_are_not_captured_mail(client, db, mail_dir, name):
    assert client.get(f"/dev/mail/{name}/").status_code == 404


@pytest.mark.urls("hive.urls_local")
def test_viewer_empty_state(client, db, mail_dir):
    assert "No mail yet" in client.get("/dev/mail/").content.decode()
