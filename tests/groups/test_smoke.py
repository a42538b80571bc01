import pytest

from tests.groups.factories import add_member, make_group

pytestmark = pytest.mark.django_db


def test_pages_render(client):
    group = make_group()
    member = add_member(group).member
    client.force_login(member)
    assert client.get("/groups/").status_code == 200
    r = client.get(f"/groups/{group.slug}/")
    assert r.status_code == 200, r.content
    session = group.sessions.first()
    r = client.get(f"/groups/{group.slug}/sessions/{session.pk}/")
    assert r.status_code == 200
    assert client.get(f"/groups/{group.slug}/agreement/").status_code == 200
    assert client.get("/groups/new/").status_code == 200
    client.force_login(group.organizer)
    assert client.get(f"/groups/{group.slug}/edit/").status_code == 200
    assert client.get(f"/groups/{group.slug}/sessions/{session.pk}/").status_code == 200
    assert client.get("/").status_code == 200
