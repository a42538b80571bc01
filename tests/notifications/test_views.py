"""The notification centre, the badge, settings and unsubscribe pages."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.delivery import unsubscribe_token
from notifications.models import Notification, Preference
from notifications.models import Settings as NotificationSettings
from tests.members.factories import MemberFactory, UserFactory
from tests.notifications.factories import NotificationFactory
from tests.notifications.test_registry import KIND_ORDER

LIST = reverse("notifications:list")
PREFS = reverse("notifications:preferences")


@pytest.mark.parametrize("url", [LIST, PREFS, reverse("notifications:badge")])
def test_member_pages_turn_away_visitors_and_applicants(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    client.force_login(UserFactory())
    assert client.get(url).url == reverse("members:status")


def test_centre_lists_newest_first_with_unread_badge(member_client, member):
    NotificationFactory(recipient=member, created_at=timezone.now() - timedelta(days=2))
    NotificationFactory(recipient=member, kind="two_factor_reminder")
    NotificationFactory(
        recipient=member,
        kind="account_security",
        context={"summary": "Password changed"},
        created_at=timezone.now() - timedelta(days=5),
        read_at=timezone.now(),
    )
    html = member_client.get(LIST).content.decode()
    newest, older, oldest = (
        html.index("two-factor sign-in"),
        html.index("Your next step is your application"),
        html.index("Password changed"),
    )
    assert newest < older < oldest
    assert 'aria-label="2 unread"' in html


def test_centre_shows_only_my_notifications(member_client, member):
    NotificationFactory(recipient=MemberFactory(), kind="two_factor_reminder")
    NotificationFactory(recipient=member)
    html = member_client.get(LIST).content.decode()
    assert "two-factor sign-in" not in html


def test_centre_query_count_does_not_grow_with_rows(
    member_client, member, django_assert_max_num_queries
):
    NotificationFactory(recipient=member)
    with django_assert_max_num_queries(12) as few:
        member_client.get(LIST)
    NotificationFactory.create_batch(30, recipient=member)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = member_client.get(LIST)
    assert response.context["page"].paginator.num_pages == 2


def test_open_marks_read_and_goes_to_the_target(member_client, member):
    item = NotificationFactory(recipient=member, url="/guidelines/")
    response = member_client.post(reverse("notifications:read", args=[item.pk]), {"open": "1"})
    assert response.status_code == 302 and response.url == "/guidelines/"
    item.refresh_from_db()
    assert item.read_at is not None


def test_someone_elses_notification_is_a_404(member_client):
    other = NotificationFactory(recipient=MemberFactory())
    response = member_client.post(reverse("notifications:read", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_reading_is_post_only(member_client, member):
    item = NotificationFactory(recipient=member)
    assert member_client.get(reverse("notifications:read", args=[item.pk])).status_code == 405
    assert member_client.get(reverse("notifications:read_all")).status_code == 405


def test_mark_all_read(member_client, member):
    NotificationFactory.create_batch(3, recipient=member)
    mine_elsewhere = NotificationFactory(recipient=MemberFactory())
    member_client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    mine_elsewhere.refresh_from_db()
    assert mine_elsewhere.read_at is None


@pytest.mark.parametrize(
    "target, lands_on",
    [
        ("/directory/?q=trauma", "/directory/?q=trauma"),
        ("https://evil.example/", "/notifications/"),
        ("//evil.example/", "/notifications/"),
        ("ü", "/notifications/"),  # a bare word is not taken for a view name (was a 500)
        ("nan", "/notifications/"),
    ],
)
def test_mark_all_read_goes_back_only_to_a_page_of_this_site(member_client, target, lands_on):
    response = member_client.post(reverse("notifications:read_all"), {"next": target})
    assert response.status_code == 302 and response.url == lands_on


def test_badge_fragment_for_htmx_polling(member_client, member):
    NotificationFactory.create_batch(2, recipient=member)
    response = member_client.get(reverse("notifications:badge"), HTTP_HX_REQUEST="true")
    html = response.content.decode().strip()
    assert html.startswith('<a href="/notifications/" id="notification-badge"')
    assert 'hx-trigger="every 60s"' in html and ">2<" in html
    assert "<html" not in html


def test_nav_shows_unread_count_on_every_member_page(member_client, member):
    NotificationFactory(recipient=member)
    assert 'aria-label="1 unread"' in member_client.get("/").content.decode()


# --- Settings ------------------------------------------------------------------------------


def _form(**overrides):
    data = {
        "timezone": "America/Chicago",
        "kind_welcome": "digest",
        "kind_two_factor_reminder": "off",
        "quiet_start": "21:30",
        "quiet_end": "07:00",
        "digest_frequency": "weekly",
        "paused_until": "",
    }
    data.update(overrides)
    return data


def test_settings_save(member_client, member):
    response = member_client.post(PREFS, _form())
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.timezone == "America/Chicago"
    prefs = NotificationSettings.objects.get(user=member)
    assert prefs.quiet_start.hour == 21 and prefs.digest_frequency == "weekly"
    assert dict(Preference.objects.filter(user=member).values_list("kind", "channel")) == {
        "welcome": "digest",
        "two_factor_reminder": "off",
    }
    page = member_client.get(PREFS).content.decode()
    assert 'value="21:30"' in page and "cannot be turned off" in page


def test_the_time_zone_picker_is_grouped_and_keeps_a_chosen_zone(member_client, member):
    member.timezone = "US/Central"  # an alias, as older rows may hold
    member.save(update_fields=["timezone"])
    html = member_client.get(PREFS).content.decode()
    picker = html.split('name="timezone"', 1)[1].split("</select>", 1)[0]
    assert '<optgroup label="United States">' in picker and '<optgroup label="Europe">' in picker
    assert '<option value="America/Chicago" selected>Central Time — Chicago</option>' in picker
    assert "US/Central" not in picker and "Etc/GMT" not in picker
    assert "data-browser-timezone" not in picker  # chosen: the browser does not override it


def test_an_unset_time_zone_is_left_for_the_browser_to_fill(member_client, member):
    assert member.timezone == "UTC"  # every account starts there
    html = member_client.get(PREFS).content.decode()
    tag = html.split('name="timezone"', 1)[1].split(">", 1)[0]
    assert "data-browser-timezone" in tag and "data-zone-aliases" in tag


@pytest.mark.parametrize("role", ["member", "staff"])
def test_settings_list_the_kinds_in_registry_order(client, request, role):
    """Kinds come from each app's notifications.py; the page keeps one order for them
    (review_queue is for staff only)."""
    client.force_login(request.getfixturevalue(role))
    html = client.get(PREFS).content.decode()
    expected = [k for k in KIND_ORDER if role == "staff" or k != "review_queue"]
    shown = sorted(expected, key=lambda name: html.index(f'name="kind_{name}"'))
    assert shown == expected
    assert ('name="kind_review_queue"' in html) == (role == "staff")


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"quiet_end": "21:30"}, "quiet_end", "different time"),
        ({"quiet_end": ""}, None, "both a start and an end"),
        ({"paused_until": "2020-01-01"}, "paused_until", "already passed"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Select a valid choice"),
        ({"kind_welcome": "carrier-pigeon"}, "kind_welcome", "Select a valid choice"),
    ],
)
def test_settings_reject_nonsense_and_keep_what_was_typed(
    member_client, member, overrides, field, message
):
    response = member_client.post(PREFS, _form(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors[field] if field else form.non_field_errors()
    assert any(message in e for e in errors), form.errors
    html = response.content.decode()
    assert 'value="21:30"' in html or overrides.get("quiet_start")  # typed values kept
    assert not NotificationSettings.objects.filter(user=member).exists()


def test_mandatory_kind_cannot_be_turned_off_by_a_forged_post(member_client, member):
    member_client.post(PREFS, _form(kind_account_security="off"))
    assert not Preference.objects.filter(user=member, kind="account_security").exists()


def test_pause_today_is_allowed(member_client, member):
    today = timezone.localdate(timezone=member.zone)
    assert member_client.post(PREFS, _form(paused_until=today.isoformat())).status_code == 302
    assert NotificationSettings.objects.get(user=member).paused_until == today


# --- Unsubscribe -----------------------------------------------------------------------------


def test_unsubscribe_needs_a_click_not_a_visit(client, member):
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(member, "welcome")])
    page = client.get(url)
    assert page.status_code == 200 and "Unsubscribe" in page.content.decode()
    assert not Preference.objects.exists()  # link scanners do not unsubscribe anyone
    done = client.post(url)
    assert done.status_code == 200
    assert Preference.objects.get(user=member, kind="welcome").channel == "off"


@pytest.mark.parametrize("token", ["garbage", "eyJ1IjoxfQ:1abc:def"])
def test_unsubscribe_with_a_bad_token_is_a_404(client, db, token):
    assert client.post(reverse("notifications:unsubscribe", args=[token])).status_code == 404


def test_security_emails_cannot_be_unsubscribed(client, member):
    token = unsubscribe_token(member, "account_security")
    response = client.post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 404


def test_paused_member_sees_pause_in_settings(member_client, member):
    NotificationSettings.objects.create(user=member, paused_until=date.today() + timedelta(days=5))
    page = member_client.get(PREFS).content.decode()
    assert (date.today() + timedelta(days=5)).isoformat() in page


def test_times_read_the_american_way_in_the_members_zone(member_client, member):
    """Month before day, 12-hour clock, in the member's own zone: 15:30 UTC on July 1,
    2026 is Wed, Jul 1, 11:30 AM in New York."""
    from datetime import UTC, datetime

    member.timezone = "America/New_York"
    member.save(update_fields=["timezone"])
    NotificationFactory(recipient=member, created_at=datetime(2026, 7, 1, 15, 30, tzinfo=UTC))
    assert "Wed, Jul 1, 11:30 AM" in member_client.get(LIST).content.decode()
