"""Matching's "network" plug-in: the next people to meet on /network/ for what the
member's network lacks, with reasons, and never anyone matching may not suggest."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import network as matching_network
from members import network
from members import services as member_services
from members.models import Connection, ConnectionTag, User
from tests.matching.people import person
from tests.members.factories import StaffFactory

pytestmark = pytest.mark.django_db
NETWORK = reverse("members:network")


def connect(a, b, *, tag: str | None = None) -> Connection:
    row = Connection.for_pair(
        a, b, requested_by=a, status=Connection.Status.ACCEPTED, accepted_at=timezone.now()
    )
    row.save()
    if tag:
        ConnectionTag.objects.create(owner=a, connection=row, type=tag)
    return row


def mentor(name: str, **kwargs):
    """A seasoned social worker offering mentorship, with the viewer's focus."""
    return person(
        name,
        stage="seasoned",
        specialties=["anxiety"],
        looking_for=["mentorship-giving"],
        populations=["adolescents-13-17"],
        **kwargs,
    )


@pytest.fixture
def viewer():
    """An early-career social worker who wants a mentor, serving adolescents; one
    connection, tagged peer consultation: no mentor, no interdisciplinary contact."""
    user = person(
        "Vera Viewer",
        stage="early",
        specialties=["anxiety"],
        populations=["adolescents-13-17"],
        looking_for=["mentorship-receiving"],
        answers={"harm-reduction": (0, 0b11, 3)},
    )
    connect(
        user, person("Pia Peer", stage="early", specialties=["anxiety"]), tag="peer_consultation"
    )
    return user


def next_section(html: str) -> str:
    start = html.index('id="next-heading"')
    return html[start : html.index("</section>", start)]


def test_the_page_names_people_for_each_gap_with_reasons_and_links(client, viewer):
    maya = mentor("Maya Mentor", answers={"harm-reduction": (1, 0b11, 3)})
    dina = person(
        "Dina Dietitian",
        profession="registered-dietitian",
        populations=["adolescents-13-17"],
        looking_for=["interdisciplinary-collaboration"],
    )
    client.force_login(viewer)
    html = client.get(NETWORK).content.decode()
    assert "No mentor yet." in html and "No interdisciplinary contacts." in html
    section = next_section(html)
    for someone in (maya, dina):
        profile = someone.profile
        assert f'href="{reverse("members:profile", args=[profile.handle])}"' in section
        assert f">{profile.display_name}</a>" in section
    assert "For mentorship" in section and "For interdisciplinary collaboration" in section
    # Each with the reason matching gives, in plain words.
    assert "Offers mentorship" in section and "15+ years in practice" in section
    assert "also serving adolescents (13–17)" in section
    assert "Answer the values questions" not in section  # the viewer has answers


def test_never_a_connection_or_anyone_matching_may_not_suggest(client, viewer):
    connected = mentor("Connie Connected")
    connect(viewer, connected)
    pending = mentor("Pat Pending")
    member_services.connection_request(sender=viewer, recipient=pending)
    blocked = mentor("Bo Blocked")
    member_services.block_create(blocker=blocked, blocked=viewer)
    dual = mentor("Dan Dual")
    member_services.dual_relationship_set(member=dual, other=viewer, kind="clinical")
    mentor("Quinn Quiet", suggest=False)
    suspended = mentor("Sue Suspended")
    User.objects.filter(pk=suspended.pk).update(membership_status=User.Status.SUSPENDED)
    shown = mentor("Sam Shown")
    client.force_login(viewer)
    section = next_section(client.get(NETWORK).content.decode())
    assert "Sam Shown" in section
    for name in ("Connie", "Pat Pending", "Bo Blocked", "Dan Dual", "Quinn", "Sue"):
        assert name not in section, name
    assert shown.profile.handle in section


def test_at_most_three_one_per_gap_before_any_gets_two(viewer):
    mentors = [mentor(f"Mentor {n}") for n in range(4)]
    others = [
        person(f"Prescriber {n}", profession="psychiatrist", populations=["adolescents-13-17"])
        for n in range(4)
    ]
    gaps = [gap.code for gap in network.network_for(viewer).gaps]
    assert gaps == [network.GAP_MENTOR, network.GAP_INTERDISCIPLINARY]
    found = matching_network.next_to_meet(viewer, gaps, limit=3)
    ids = [p.profile.user_id for p in found.people]
    assert len(ids) == 3 == len(set(ids))
    mentor_ids = {m.pk for m in mentors}
    other_ids = {o.pk for o in others}
    assert ids[0] in mentor_ids and ids[1] in other_ids  # one of each first
    assert [p.for_what for p in found.people][:2] == [
        "Mentorship",
        "Interdisciplinary collaboration",
    ]
    assert all(p.reason for p in found.people)


def test_without_values_answers_a_kind_word_and_a_link(client):
    newcomer = person(
        "Nell Newcomer",
        stage="early",
        specialties=["anxiety"],
        populations=["adolescents-13-17"],
        looking_for=["mentorship-receiving"],
    )
    connect(newcomer, person("Pia Peer"), tag="peer_consultation")
    mentor("Maya Mentor")
    client.force_login(newcomer)
    section = next_section(client.get(NETWORK).content.decode())
    assert "Maya Mentor" in section  # still suggested, from the profile
    assert "not answered the values questions yet" in section
    assert f'href="{reverse("matching:values")}"' in section


def test_nobody_to_suggest_says_so_with_a_link_to_matches(client, viewer):
    client.force_login(viewer)
    section = next_section(client.get(NETWORK).content.decode())
    assert "Nobody new to suggest" in section
    assert f'href="{reverse("matching:matches")}"' in section


def test_nothing_missing_means_no_suggestions_asked_for(client, viewer):
    connect(viewer, person(stage="seasoned"), tag="mentor")
    connect(viewer, person(profession="registered-dietitian"), tag="interdisciplinary")
    mentor("Maya Mentor")
    client.force_login(viewer)
    html = client.get(NETWORK).content.decode()
    assert "What is missing" not in html
    assert 'id="next-heading"' not in html and "Maya Mentor" not in html


def test_no_connections_yet_suggests_peers_and_coffee(client):
    alone = person("Al Alone", stage="mid", specialties=["anxiety"], place="oakland")
    peer = person("Pete Peer", stage="mid", specialties=["anxiety"])
    near = person("Nia Near", place="berkeley", looking_for=["coffee-dates"])
    client.force_login(alone)
    section = next_section(client.get(NETWORK).content.decode())
    assert "Pete Peer" in section and "For peer consultation" in section
    assert "Nia Near" in section and "For a coffee date" in section
    assert peer.profile.handle in section and near.profile.handle in section


def test_staff_without_a_profile_get_the_page_without_suggestions(client):
    mentor("Maya Mentor")
    client.force_login(StaffFactory())
    response = client.get(NETWORK)
    assert response.status_code == 200
    assert "Maya Mentor" not in response.content.decode()


def test_the_demo_member_login_is_told_who_to_meet_next(client):
    from hive import demo
    from hive.demo import DemoContext

    context = demo.demo_seed(DemoContext(members=60, seed=2))
    client.force_login(User.objects.get(pk=context.login_ids["member"]))
    section = next_section(client.get(NETWORK).content.decode())
    assert section.count('class="panel network-item"') >= 1
    assert 'class="match-reason"' in section


@pytest.mark.parametrize(("country", "unit"), [("US", "miles away"), ("CA", "km away")])
def test_distances_in_miles_for_us_members_and_km_elsewhere(client, country, unit):
    alone = person("Al Alone", place="oakland", looking_for=["coffee-dates"])
    alone.profile.country = country
    alone.profile.save()
    person("Nia Near", place="berkeley", looking_for=["coffee-dates"])
    client.force_login(alone)
    section = next_section(client.get(NETWORK).content.decode())
    assert "Nia Near" in section and unit in section
