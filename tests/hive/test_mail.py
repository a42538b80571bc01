"""The local mail capture (var/mail/) and its viewer."""

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


def test_viewer_lists_mail_with_clickable_links_when_debug(client, db, mail_dir, settings):
    settings.DEBUG = True
    _send()
    listing = client.get("/dev/mail/")
    assert listing.status_code == 200
    name = mail.list_mail()[0].name
    assert f"/dev/mail/{name}/" in listing.content.decode()
    detail = client.get(f"/dev/mail/{name}/").content.decode()
    assert '<a href="http://testserver/accounts/confirm-email/abc/"' in detail


def test_viewer_is_hidden_without_debug_except_for_staff(client, db, mail_dir, settings, staff):
    settings.DEBUG = False
    assert client.get("/dev/mail/").status_code == 404
    client.force_login(staff)
    assert client.get("/dev/mail/").status_code == 200


def test_viewer_is_off_when_mail_is_not_captured(client, db, settings, staff):
    settings.HIVE_MAIL_VIEWER = False
    settings.DEBUG = True
    client.force_login(staff)
    assert client.get("/dev/mail/").status_code == 404


@pytest.mark.parametrize("name", ["..%2F..%2Fsettings.py", "notamail", "x.eml"])
def test_viewer_refuses_names_that_are_not_captured_mail(client, db, mail_dir, settings, name):
    settings.DEBUG = True
    assert client.get(f"/dev/mail/{name}/").status_code == 404


def test_viewer_empty_state(client, db, mail_dir, settings):
    settings.DEBUG = True
    assert "No mail yet" in client.get("/dev/mail/").content.decode()
