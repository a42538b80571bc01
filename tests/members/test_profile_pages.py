"""Profile pages (members/views/profiles.py): who may open a profile, which fields each
viewer sees on the rendered page, the connection and block actions, the query budget,
editing one's own profile and privacy."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import services
from members.models import Block, Connection, HandleRedirect, Profile, Term, User
from tests.members.factories import ApplicantFactory, MemberFactory

pytestmark = pytest.mark.django_db

SECRETS = {
    "about": ("bio", "Bio-secret-words"),
    "practice": ("office_space", "Offering office space"),
    "location": ("city", "Secretville"),
    "credentials": ("credentials", "LCSW-SECRET"),
}


@pytest.fixture
def owner():
    user = MemberFactory()
    Profile.objects.filter(user=user).update(
        handle="dana-owner",
        display_name="Dana Owner",
        bio="Bio-secret-words",
        office_space="offering",
        city="Secretville",
        credentials="LCSW-SECRET",
        pronouns="she/her",
    )
    user.refresh_from_db()
    return user


def url(handle="dana-owner", action=None):
    if action:
        return reverse(f"members:{action}", args=[handle])
    return reverse("members:profile", args=[handle])


def login(client, user):
    client.force_login(user)
    return client


def connect(a, b):
    services.connection_accept(
        connection=services.connection_request(sender=a, recipient=b), user=b
    )


# --- Access matrix --------------------------------------------------------------------------


def test_visitor_goes_to_login(client, owner):
    response = client.get(url())
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_applicant_goes_to_status_page(client, owner):
    response = login(client, ApplicantFactory()).get(url())
    assert response.status_code == 302
    assert response.url == reverse("members:status")


@pytest.mark.parametrize("who", ["self", "member", "connection"])
def test_may_see(client, owner, who):
    viewer = owner if who == "self" else MemberFactory()
    if who == "connection":
        connect(viewer, owner)
    response = login(client, viewer).get(url())
    assert response.status_code == 200
    assert "Dana Owner" in response.content.decode()


@pytest.mark.parametrize("direction", ["viewer_blocked", "owner_blocked"])
def test_blocked_either_way_is_404(client, owner, direction):
    viewer = MemberFactory()
    if direction == "viewer_blocked":
        services.block_create(blocker=viewer, blocked=owner)
    else:
        services.block_create(blocker=owner, blocked=viewer)
    assert login(client, viewer).get(url()).status_code == 404


@pytest.mark.parametrize("status", [User.Status.LAPSED, User.Status.SUSPENDED])
def test_owner_not_in_good_standing_is_404(client, owner, status):
    User.objects.filter(pk=owner.pk).update(membership_status=status)
    assert login(client, MemberFactory()).get(url()).status_code == 404


def test_unknown_handle_is_404(client, member):
    assert login(client, member).get(url("nobody-here")).status_code == 404


def test_old_handle_redirects_permanently(client, owner):
    services.profile_change_handle(profile=owner.profile, new_handle="dana-new")
    response = login(client, MemberFactory()).get(url("dana-owner"))
    assert response.status_code == 301
    assert response.url == url("dana-new")


def test_old_handle_of_a_blocked_member_does_not_redirect(client, owner):
    viewer = MemberFactory()
    services.profile_change_handle(profile=owner.profile, new_handle="dana-new")
    services.block_create(blocker=owner, blocked=viewer)
    assert login(client, viewer).get(url("dana-owner")).status_code == 404


# --- Privacy matrix on the rendered page ----------------------------------------------------


@pytest.mark.parametrize("group", SECRETS)
@pytest.mark.parametrize("visibility", Profile.Visibility.values)
@pytest.mark.parametrize("relation", ["member", "connection", "self"])
def test_privacy_matrix(client, owner, group, visibility, relation):
    Profile.objects.filter(user=owner).update(**{f"{group}_visibility": visibility})
    viewer = owner if relation == "self" else MemberFactory()
    if relation == "connection":
        connect(viewer, owner)
    html = login(client, viewer).get(url()).content.decode()
    expected = {
        "self": True,
        "member": visibility == "members",
        "connection": visibility in ("members", "connections"),
    }[relation]
    assert (SECRETS[group][1] in html) is expected
    # The other groups stay visible (their visibility is "members").
    for other, (_, text) in SECRETS.items():
        if other != group:
            assert text in html


def test_email_never_shown(client, owner):
    html = login(client, MemberFactory()).get(url()).content.decode()
    assert owner.email not in html


def test_bio_is_escaped_with_line_breaks(client, owner):
    Profile.objects.filter(user=owner).update(bio="<script>x</script>\n\nSecond")
    html = login(client, MemberFactory()).get(url()).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<p>Second</p>" in html


# --- Actions: POST only, and their effect ---------------------------------------------------


@pytest.mark.parametrize(
    "action", ["connect", "withdraw", "accept", "decline", "remove", "block", "unblock"]
)
def test_actions_refuse_get(client, owner, action):
    assert login(client, MemberFactory()).get(url(action=action)).status_code == 405


def test_connect_with_note_then_withdraw(client, owner):
    viewer = MemberFactory()
    login(client, viewer)
    response = client.post(url(action="connect"), {"note": "Hello from the clinic"})
    assert response.status_code == 302
    row = Connection.objects.between(viewer, owner).get()
    assert (row.status, row.note, row.requested_by_id) == (
        "requested",
        "Hello from the clinic",
        viewer.pk,
    )
    assert "Withdraw request" in client.get(url()).content.decode()
    client.post(url(action="withdraw"))
    assert not Connection.objects.between(viewer, owner).exists()


def test_accept_and_remove(client, owner):
    viewer = MemberFactory()
    services.connection_request(sender=owner, recipient=viewer, note="Let us talk")
    login(client, viewer)
    assert "Let us talk" in client.get(url()).content.decode()
    client.post(url(action="accept"))
    assert Connection.objects.between(viewer, owner).get().status == "accepted"
    client.post(url(action="remove"))
    assert not Connection.objects.between(viewer, owner).exists()


def test_decline_from_connections_page_goes_back_there(client, owner):
    viewer = MemberFactory()
    services.connection_request(sender=owner, recipient=viewer)
    login(client, viewer)
    here = reverse("members:connections")
    assert "Dana Owner" in client.get(here).content.decode()
    response = client.post(url(action="decline"), {"next": here})
    assert response.url == here
    assert not Connection.objects.between(viewer, owner).exists()


@pytest.mark.parametrize(
    "target",
    # Other sites, then bare words that redirect() would look up as view names (a 500).
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "nan", "-1", "ü", ""],
)
def test_unsafe_next_is_ignored(client, owner, target):
    viewer = MemberFactory()
    response = login(client, viewer).post(url(action="connect"), {"next": target})
    assert response.status_code == 302 and response.url == url()


def test_block_confirms_first_then_blocks_and_unblocks(client, owner):
    viewer = MemberFactory()
    connect(viewer, owner)
    login(client, viewer)
    response = client.post(url(action="block"))
    assert response.status_code == 200
    assert "Block Dana Owner?" in response.content.decode()
    assert not Block.objects.exists()
    response = client.post(url(action="block"), {"confirm": "yes"})
    assert response.url == reverse("members:connections")
    assert Block.objects.filter(blocker=viewer, blocked=owner).exists()
    assert not Connection.objects.between(viewer, owner).exists()
    assert client.get(url()).status_code == 404
    assert "Dana Owner" in client.get(reverse("members:connections")).content.decode()
    client.post(url(action="unblock"))
    assert not Block.objects.exists()
    assert client.get(url()).status_code == 200


def test_cannot_unblock_someone_elses_block(client, owner):
    viewer = MemberFactory()
    services.block_create(blocker=owner, blocked=viewer)
    assert login(client, viewer).post(url(action="unblock")).status_code == 404
    assert Block.objects.exists()


def test_blocked_member_cannot_act(client, owner):
    viewer = MemberFactory()
    services.block_create(blocker=owner, blocked=viewer)
    assert login(client, viewer).post(url(action="connect")).status_code == 404
    assert not Connection.objects.exists()


def test_connections_page_lists(client, owner):
    me = MemberFactory()
    friend, asker, asked = MemberFactory(), MemberFactory(), MemberFactory()
    connect(me, friend)
    services.connection_request(sender=asker, recipient=me)
    services.connection_request(sender=me, recipient=asked)
    services.block_create(blocker=me, blocked=owner)
    html = login(client, me).get(reverse("members:connections")).content.decode()
    for user in (friend, asker, asked, owner):
        assert user.profile.display_name in html


# --- Query budget ---------------------------------------------------------------------------


def page_queries(client, path):
    """The queries of one page view, without allauth's user-session bookkeeping (it
    updates "last seen" now and then, whatever the page)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return response, [
        q["sql"] for q in captured if "usersession" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]


def test_profile_query_budget_does_not_grow_with_terms(client, owner):
    """session, user (twice: once more for allauth's user session), profile (with user
    and profession), terms, connection, block, the viewer's private relationship mark
    (matching), mutual connections (names and count together), notification badge: 10,
    with 2 terms or 20."""
    terms = list(Term.objects.exclude(kind=Term.Kind.PROFESSION)[:20])
    assert len(terms) == 20
    login(client, MemberFactory())
    client.get(url())  # the first request also creates allauth's user-session row
    owner.profile.terms.set(terms[:2])
    _, few = page_queries(client, url())
    owner.profile.terms.set(terms)
    response, many = page_queries(client, url())
    assert len(few) == len(many) <= 10, many
    assert terms[-1].label in response.content.decode()


# --- Mutual connections and the actions at the top ------------------------------------------


def test_ask_to_connect_comes_before_the_profile_and_the_rest_after(client, owner):
    html = login(client, MemberFactory()).get(url()).content.decode()
    ask = html.index(">Ask to connect</button>")
    assert html.index('<h1 class="profile-name">') < ask < html.index("Bio-secret-words")
    # The note is optional and folded; block and report come after the profile.
    assert '<details class="connect-note">' in html and 'name="note"' in html
    assert html.index("Bio-secret-words") < html.index("Block Dana Owner…")


def test_mutual_connections_are_named_as_the_viewer_may_see_them(client, owner):
    viewer = MemberFactory()
    shared = []
    for name in ("Ana Alvarez", "Ben Brooks", "Cy Chen", "Di Diaz", "Ed Evans"):
        person = MemberFactory(profile__display_name=name)
        Profile.objects.filter(user=person).update(display_name=name)
        connect(viewer, person)
        connect(owner, person)
        shared.append(person)
    only_mine, only_theirs = MemberFactory(), MemberFactory()
    connect(viewer, only_mine)
    connect(owner, only_theirs)
    services.block_create(blocker=shared[1], blocked=viewer)  # Ben and the viewer: gone
    shared[2].membership_status = User.Status.SUSPENDED  # Cy: not in good standing
    shared[2].save()
    html = login(client, viewer).get(url()).content.decode()
    mutual = html.split('class="profile-mutual"', 1)[1].split("</p>", 1)[0]
    assert "3 mutual connections:" in mutual
    for name in ("Ana Alvarez", "Di Diaz", "Ed Evans"):
        assert name in mutual
    for absent in ("Ben Brooks", "Cy Chen", only_mine.profile.display_name):
        assert absent not in mutual
    assert only_theirs.profile.display_name not in html  # never someone the viewer does not know
    assert "Ana Alvarez</a>, <a" in mutual and "Di Diaz</a> and <a" in mutual
    # Nobody in common: nothing said; on one's own profile: nothing either.
    assert "profile-mutual" not in login(client, only_theirs).get(url()).content.decode()
    assert "profile-mutual" not in login(client, owner).get(url()).content.decode()


def test_mutual_connections_cost_one_query_however_many(client, owner):
    viewer = MemberFactory()
    login(client, viewer).get(url())
    people = [MemberFactory() for _ in range(6)]
    connect(viewer, people[0])
    connect(owner, people[0])
    _, one = page_queries(client, url())
    for person in people[1:]:
        connect(viewer, person)
        connect(owner, person)
    response, six = page_queries(client, url())
    assert len(one) == len(six)
    assert "6 mutual connections:" in response.content.decode()
    assert "and 3 more" in response.content.decode()


# --- Editing my profile ---------------------------------------------------------------------


def edit_data(profile, **changes):
    data = {
        "display_name": profile.display_name,
        "handle": profile.handle,
        "pronouns": "",
        "headline": "",
        "bio": "",
        "credentials": "",
        "telehealth_jurisdictions": [],
    }
    data.update(changes)
    return data


def test_edit_profile_saves(client, owner):
    specialty = Term.objects.filter(kind=Term.Kind.SPECIALTY).first()
    language = Term.objects.filter(kind=Term.Kind.LANGUAGE).first()
    login(client, owner)
    assert client.get(reverse("members:profile_edit")).status_code == 200
    response = client.post(
        reverse("members:profile_edit"),
        edit_data(
            owner.profile,
            handle="dana-renamed",
            headline="Trauma-informed care",
            telehealth_jurisdictions=["CA", "NY"],
            specialties=[specialty.pk],
            languages=[language.pk],
            save="",
        ),
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=owner)
    assert profile.handle == "dana-renamed"
    assert profile.headline == "Trauma-informed care"
    assert profile.telehealth_jurisdictions == ["CA", "NY"]
    assert set(profile.terms.all()) == {specialty, language}
    assert HandleRedirect.objects.filter(old_handle="dana-owner", profile=profile).exists()


def test_bad_handle_error_keeps_everything_typed(client, owner):
    taken = Profile.objects.exclude(user=owner).first() or MemberFactory().profile
    login(client, owner)
    response = client.post(
        reverse("members:profile_edit"),
        edit_data(owner.profile, handle=taken.handle, headline="Typed headline", bio="Typed bio"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "That handle is taken" in html
    assert "Typed headline" in html and "Typed bio" in html
    profile = Profile.objects.get(user=owner)
    assert profile.handle == "dana-owner" and profile.headline == ""


def test_reserved_handle_error(client, owner):
    response = login(client, owner).post(
        reverse("members:profile_edit"), edit_data(owner.profile, handle="admin")
    )
    assert "reserved" in response.content.decode()


def test_choosing_a_place_fills_fields_without_saving(client, owner):
    from members.places import search_places

    oakland = search_places("Oakland, CA")[0]
    login(client, owner)
    found = client.post(
        reverse("members:profile_edit"),
        edit_data(owner.profile, q="Oakland, CA", find_place="1", headline="Kept"),
    )
    assert f'value="{oakland.geonameid}"' in found.content.decode()
    chosen = client.post(
        reverse("members:profile_edit"),
        edit_data(owner.profile, place=str(oakland.geonameid), headline="Kept"),
    )
    html = chosen.content.decode()
    assert "Oakland, CA, US" in html and "Kept" in html
    assert Profile.objects.get(user=owner).city == "Secretville"  # not saved yet
    data = edit_data(owner.profile, headline="Kept", save="")
    data.update(
        city="Oakland",
        region="CA",
        country="US",
        latitude=str(oakland.latitude),
        longitude=str(oakland.longitude),
    )
    client.post(reverse("members:profile_edit"), data)
    profile = Profile.objects.get(user=owner)
    assert (profile.city, profile.region, profile.country) == ("Oakland", "CA", "US")
    assert profile.latitude == pytest.approx(oakland.latitude)


# --- Privacy settings -----------------------------------------------------------------------


def test_privacy_save_and_preview(client, owner):
    login(client, owner)
    response = client.post(
        reverse("members:privacy"),
        {
            "about_visibility": "connections",
            "practice_visibility": "only_me",
            "location_visibility": "members",
            "credentials_visibility": "members",
            "listed_in_directory": "on",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=owner)
    assert (profile.about_visibility, profile.practice_visibility) == ("connections", "only_me")
    assert profile.listed_in_directory and not profile.suggest_in_matches
    html = client.get(reverse("members:privacy")).content.decode()
    member_part, connection_part = html.split("<h3>How my profile looks to a connection</h3>")
    member_part = member_part.split("<h3>How my profile looks to a member</h3>")[1]
    assert "Bio-secret-words" not in member_part and "Bio-secret-words" in connection_part
    assert "Offering office space" not in member_part + connection_part
    assert "Secretville" in member_part and "Secretville" in connection_part


def test_privacy_bad_value_shows_error(client, owner):
    response = login(client, owner).post(reverse("members:privacy"), {"about_visibility": "all"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_connections_page_lines_up_answers_and_keeps_remove_out_of_the_way(client, owner):
    me = MemberFactory()
    friend, asker = MemberFactory(), MemberFactory()
    connect(me, friend)
    services.connection_request(sender=asker, recipient=me, note="Coffee?")
    lcsw = Term.objects.get(kind=Term.Kind.PROFESSION, slug="licensed-clinical-social-worker")
    Profile.objects.filter(user=friend).update(profession=lcsw, credentials="LCSW")
    Profile.objects.filter(user=asker).update(
        profession=lcsw, credentials="LCSW", credentials_visibility="connections"
    )
    html = login(client, me).get(reverse("members:connections")).content.decode()
    request = html.split('class="person-row"', 1)[1].split("</li>", 1)[0]
    # One row per request: who, their note, then the answers in a column of their own.
    actions = request.split('class="person-actions"', 1)[1]
    assert ">Accept<" in actions and ">Decline<" in actions
    assert "“Coffee?”" in request
    assert "LCSW" not in request  # shown to connections only, and they are not one yet
    connected = html.split('id="connected-heading"', 1)[1].split("</section>", 1)[0]
    assert "Licensed Clinical Social Worker, LCSW" in connected
    # Removing is in "More", not the main action beside the name.
    more = connected.split('<details class="person-more">', 1)[1].split("</details>", 1)[0]
    assert "Remove connection" in more
    assert connected.count("Remove connection") == 1
    assert ">Message<" in connected


def test_connections_page_query_budget_does_not_grow(client):
    me = MemberFactory()
    login(client, me).get(reverse("members:connections"))

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("members:connections")).status_code == 200
        return len(captured)

    connect(me, MemberFactory())
    one = count()
    for _ in range(6):
        connect(me, MemberFactory())
        services.connection_request(sender=MemberFactory(), recipient=me)
    assert count() == one
