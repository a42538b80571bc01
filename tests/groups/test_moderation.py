"""Staff see a group's metadata and reports about it, never its notes or discussion
(issue 14): members report a group; moderators (staff with two-factor) see the groups
with open reports under /review/groups/ and act; every action is audited.

The leak checks read the HTML actually sent to staff: the group's session notes, its
discussion, its agreement's own clauses and its members' names never appear."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from groups import moderation, services, sessions
from groups.models import Group, GroupReport
from members.models import AuditEvent
from notifications.models import Notification
from tests.groups.factories import add_member, make_group
from tests.members.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

NOTES = "Notes-marker-7f3: the case turned on attachment."
POST = "Post-marker-7f3: see you all next month."
CLAUSE = "Clause-marker-7f3: phones in the other room."
REPORT_NOTE = "The organizer advertises a paid course in the group."


@pytest.fixture
def moderator():
    staff = StaffFactory()
    Authenticator.objects.create(
        user=staff, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return staff


@pytest.fixture
def world():
    organizer = MemberFactory(profile__display_name="Orla Organizer")
    group = make_group(organizer=organizer, name="Reported circle", clauses=CLAUSE)
    member = add_member(group, MemberFactory(profile__display_name="Mina Member")).member
    presenter = add_member(group, MemberFactory(profile__display_name="Pavel Presenter")).member
    session = group.sessions.order_by("starts_at").first()
    session.presenter = presenter
    session.save()
    sessions.notes_save(session=session, by=presenter, notes=NOTES)
    sessions.post_create(group=group, author=member, body=POST)
    reporter = add_member(group, MemberFactory(profile__display_name="Rita Reporter")).member
    return {"group": group, "member": member, "reporter": reporter, "session": session}


def _report(world, client=None):
    return moderation.group_report(
        group=world["group"], reporter=world["reporter"], reason="misleading", note=REPORT_NOTE
    )


def _no_content(html: str) -> None:
    for secret in (NOTES, POST, CLAUSE, "Mina Member", "Pavel Presenter"):
        assert secret not in html, secret


def test_a_member_reports_a_group_from_its_page(client, world):
    group = world["group"]
    client.force_login(world["reporter"])
    assert "Report this group" in client.get(f"/groups/{group.slug}/").content.decode()
    response = client.post(
        f"/groups/{group.slug}/report/", {"reason": "misleading", "note": REPORT_NOTE}
    )
    assert response.status_code == 302
    report = GroupReport.objects.get()
    assert (report.reporter, report.reason, report.note) == (
        world["reporter"],
        "misleading",
        REPORT_NOTE,
    )
    # Once open, again is refused on the form (nothing typed lost).
    again = client.post(f"/groups/{group.slug}/report/", {"reason": "other", "note": "More"})
    assert again.status_code == 400 and "reported this group already" in again.content.decode()
    assert "More" in again.content.decode()
    assert GroupReport.objects.count() == 1
    # A bad form keeps the note.
    client.force_login(world["member"])
    bad = client.post(f"/groups/{group.slug}/report/", {"reason": "nonsense", "note": "Kept"})
    assert bad.status_code == 400 and "Kept" in bad.content.decode()


def test_the_organizer_cannot_report_their_own_group_and_outsiders_of_unlisted_ones_404(
    client, world
):
    group = world["group"]
    client.force_login(group.organizer)
    assert client.get(f"/groups/{group.slug}/report/").status_code == 404
    hidden = make_group(name="Hidden circle", listed=False)
    client.force_login(MemberFactory())
    assert client.get(f"/groups/{hidden.slug}/report/").status_code == 404


def test_staff_without_two_factor_are_refused(client, world):
    _report(world)
    client.force_login(StaffFactory())
    for url in ("/review/groups/", f"/review/groups/{world['group'].slug}/"):
        response = client.get(url)
        assert response.status_code == 403 and "two-factor" in response.content.decode()
        assert REPORT_NOTE not in response.content.decode()
    response = client.post(
        f"/review/groups/{world['group'].slug}/", {"outcome": "dismissed", "note": ""}
    )
    assert response.status_code == 403
    assert GroupReport.objects.get().is_open
    with pytest.raises(moderation.ModeratorsOnly):
        moderation.group_reports_handle(
            group=world["group"], moderator=StaffFactory(), outcome="dismissed"
        )


def test_moderators_see_metadata_and_reports_never_content(client, world, moderator):
    group = world["group"]
    _report(world)
    client.force_login(moderator)
    queue = client.get("/review/groups/")
    html = queue.content.decode()
    assert queue.status_code == 200
    assert "Reported circle" in html and "Orla Organizer" in html and "1 from 1 member" in html
    _no_content(html)
    page = client.get(f"/review/groups/{group.slug}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert REPORT_NOTE in html and "Rita Reporter" in html
    assert group.focus in html and "Active members" in html
    _no_content(html)
    # The group's own page, for staff who are not in it: facts and counts only.
    html = client.get(f"/groups/{group.slug}/").content.decode()
    assert "For staff" in html
    _no_content(html)
    assert client.get(f"/groups/{group.slug}/sessions/{world['session'].pk}/").status_code == 404
    assert client.get(f"/groups/{group.slug}/sessions/").status_code == 404
    assert client.get(f"/groups/{group.slug}/agreement/").status_code == 404


def test_dismissing_closes_the_reports_audits_and_tells_the_reporters(client, world, moderator):
    group = world["group"]
    _report(world)
    moderation.group_report(group=group, reporter=world["member"], reason="other")
    client.force_login(moderator)
    response = client.post(
        f"/review/groups/{group.slug}/", {"outcome": "dismissed", "note": "Not a course."}
    )
    assert response.status_code == 302
    assert not GroupReport.objects.filter(outcome="").exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_REPORT_DISMISSED)
    assert (event.actor, event.subject, event.reason) == (
        moderator,
        group.organizer,
        "Not a course.",
    )
    assert len(event.data["reports"]) == 2
    told = set(
        Notification.objects.filter(kind="group_report_handled").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {world["reporter"].pk, world["member"].pk}
    assert not Notification.objects.filter(recipient=group.organizer).filter(
        kind="group_moderators"
    )
    assert "No open reports about groups" in client.get("/review/groups/").content.decode()
    # Acting again finds nothing open.
    again = client.post(f"/review/groups/{group.slug}/", {"outcome": "dismissed"})
    assert again.status_code == 400 and "already been handled" in again.content.decode()


def test_a_warning_needs_words_and_reaches_the_organizer(client, world, moderator):
    group = world["group"]
    _report(world)
    client.force_login(moderator)
    empty = client.post(f"/review/groups/{group.slug}/", {"outcome": "warned", "note": ""})
    assert empty.status_code == 400 and GroupReport.objects.get().is_open
    client.post(
        f"/review/groups/{group.slug}/",
        {"outcome": "warned", "note": "Please do not advertise courses in groups."},
    )
    note = Notification.objects.get(recipient=group.organizer, kind="group_moderators")
    assert note.context["text"] == "Please do not advertise courses in groups."
    assert AuditEvent.objects.filter(action=AuditEvent.Action.GROUP_ORGANIZER_WARNED).exists()


def test_unlisting_takes_the_group_off_the_list_for_good(client, world, moderator):
    group = world["group"]
    _report(world)
    moderation.group_reports_handle(
        group=group, moderator=moderator, outcome="unlisted", note="Selling courses."
    )
    group.refresh_from_db()
    assert (group.listed, group.unlisted_by_staff) == (False, True)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.GROUP_UNLISTED).exists()
    client.force_login(MemberFactory())
    assert "Reported circle" not in client.get("/groups/").content.decode()
    # The organizer cannot list it again by editing it.
    services.group_update(group=group, by=group.organizer, listed=True)
    group.refresh_from_db()
    assert group.listed is False
    client.force_login(group.organizer)
    form = client.get(f"/groups/{group.slug}/edit/").content.decode()
    assert "The moderators took this group off the list." in form
    # Its members keep it.
    client.force_login(world["member"])
    assert client.get(f"/groups/{group.slug}/").status_code == 200


def test_awkward_decisions_never_fail(client, world, moderator):
    _report(world)
    client.force_login(moderator)
    for value in ("", "nan", "-1", "x" * 3000, "ü%00\u202e"):
        response = client.post(
            f"/review/groups/{world['group'].slug}/", {"outcome": value, "note": value}
        )
        assert response.status_code in (302, 400), value
    assert client.get("/review/groups/nope/").status_code == 404


def test_a_handled_group_keeps_its_history_for_the_next_report(client, world, moderator):
    group = world["group"]
    _report(world)
    moderation.group_reports_handle(group=group, moderator=moderator, outcome="dismissed")
    _report(world)  # the same member may report again once the first was handled
    client.force_login(moderator)
    html = client.get(f"/review/groups/{group.slug}/").content.decode()
    assert "Handled before" in html and "Dismissed" in html
    assert Group.objects.get(pk=group.pk).listed
