"""Keyset pages for the lists that grow: the groups list, a group's past sessions and
its discussion. Walking the pages shows every row once, in order; a deep page costs the
same number of queries as the first; a malformed cursor is the first page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups import sessions
from groups.models import Group, Post, Session
from groups.paging import parse_cursor
from tests.groups.factories import add_member, make_group
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

NEXT = re.compile(r'href="(/groups/[^"]*\?after=[^"]+)"')


def _groups(n: int) -> list[Group]:
    made = [make_group(name=f"Circle {i:02d}") for i in range(n)]
    # Several share a creation moment, so the id has to break the tie.
    moment = timezone.now() - timedelta(days=1)
    Group.objects.filter(pk__in=[g.pk for g in made[:5]]).update(created_at=moment)
    return made


def _names(html: str) -> list[str]:
    return re.findall(r">(Circle \d\d)</a></h3>", html)


def test_walking_the_groups_list_shows_each_group_once_newest_first(client):
    _groups(45)
    client.force_login(MemberFactory())
    seen, url, pages = [], "/groups/", 0
    while url:
        html = client.get(url.replace("&amp;", "&")).content.decode()
        seen += _names(html)
        found = NEXT.search(html)
        url = found.group(1) if found else ""
        pages += 1
    expected = list(
        Group.objects.listed().order_by("-created_at", "-id").values_list("name", flat=True)
    )
    assert pages == 3 and seen == expected and len(set(seen)) == 45


def test_the_htmx_page_is_the_rows_fragment(client):
    _groups(25)
    client.force_login(MemberFactory())
    first = client.get("/groups/").content.decode()
    url = NEXT.search(first).group(1)
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and len(_names(fragment)) == 5
    assert "More groups" not in fragment


@pytest.mark.parametrize(
    "cursor",
    ["", "nan", "-1", "x" * 3000, "2026-01-01T00:00:00_abc", "2026-13-45T00:00:00+00:00_1",
     "2026-01-01T00:00:00_1", "2026-01-01T00:00:00+00:00_99999999999999999999999"],
)  # fmt: skip
def test_malformed_cursors_are_the_first_page(client, cursor):
    assert parse_cursor(cursor) is None
    make_group()
    client.force_login(MemberFactory())
    response = client.get("/groups/", {"after": cursor})
    assert response.status_code == 200 and "Thursday trauma consult" in response.content.decode()


def test_a_deep_page_costs_what_the_first_does(client):
    _groups(45)
    viewer = MemberFactory()
    client.force_login(viewer)
    client.get("/groups/")  # warm the session and the badges
    first = client.get("/groups/").content.decode()
    with CaptureQueriesContext(connection) as on_first:
        client.get("/groups/")
    deep = NEXT.search(first).group(1)
    with CaptureQueriesContext(connection) as on_deep:
        client.get(deep)
    assert len(on_deep) <= len(on_first)
    assert not any("OFFSET" in q["sql"] for q in on_deep.captured_queries)


def test_past_sessions_page_back_to_the_first(client):
    group = make_group()
    viewer = add_member(group).member
    start = timezone.now() - timedelta(days=30)
    Session.objects.bulk_create(
        [
            Session(
                group=group,
                occurrence=(start - timedelta(days=7 * i)).date(),
                starts_at=start - timedelta(days=7 * i),
                ends_at=start - timedelta(days=7 * i) + timedelta(hours=1),
            )
            for i in range(45)
        ]
    )
    past = list(
        Session.objects.filter(group=group, ends_at__lte=timezone.now())
        .order_by("-starts_at", "-id")
        .values_list("pk", flat=True)
    )
    client.force_login(viewer)
    seen, url = [], f"/groups/{group.slug}/sessions/"
    link = re.compile(rf'href="(/groups/{group.slug}/sessions/\?after=[^"]+)"')
    while url:
        html = client.get(url).content.decode()
        section = html[html.index('id="past-title"') :]
        seen += re.findall(rf"/groups/{group.slug}/sessions/([0-9a-f-]{{36}})/", section)
        found = link.search(html)
        url = found.group(1) if found else ""
    assert seen == [str(pk) for pk in past]
    # The group's page links there and shows the latest few.
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert f"/groups/{group.slug}/sessions/" in page and "Recent sessions" in page


def test_past_sessions_are_for_members_with_the_current_agreement(client):
    group = make_group()
    stale = add_member(group, accept=False).member
    client.force_login(stale)
    assert client.get(f"/groups/{group.slug}/sessions/").status_code == 404
    client.force_login(MemberFactory())
    assert client.get(f"/groups/{group.slug}/sessions/").status_code == 404


def test_earlier_messages_of_the_discussion(client):
    group = make_group()
    member = add_member(group).member
    for n in range(55):
        sessions.post_create(group=group, author=member, body=f"message number {n:02d}")
    client.force_login(member)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "message number 54" in page and "message number 05" in page
    assert "message number 04" not in page
    oldest_shown = Post.objects.get(body="message number 05").pk
    assert f"?posts_before={oldest_shown}" in page
    earlier = client.get(f"/groups/{group.slug}/", {"posts_before": oldest_shown}).content.decode()
    assert "message number 04" in earlier and "message number 00" in earlier
    assert "message number 05" not in earlier and "Earlier messages" not in earlier
    assert "Back to the newest messages" in earlier


def test_list_and_group_page_queries_do_not_grow_with_rows(client):
    """The same budget for 1 group and 30, for 1 post and 60 (the page shows a page)."""
    viewer = MemberFactory()
    group = make_group()
    add_member(group, viewer)
    client.force_login(viewer)
    client.get("/groups/")
    with CaptureQueriesContext(connection) as few_groups:
        client.get("/groups/")
    with CaptureQueriesContext(connection) as few_posts:
        client.get(f"/groups/{group.slug}/")
    _groups(30)
    for n in range(60):
        sessions.post_create(group=group, author=viewer, body=f"post {n}")
    with CaptureQueriesContext(connection) as many_groups:
        client.get("/groups/")
    with CaptureQueriesContext(connection) as many_posts:
        client.get(f"/groups/{group.slug}/")
    assert len(many_groups) == len(few_groups)
    assert len(many_posts) == len(few_posts)
