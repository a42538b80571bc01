"""Profile privacy (members/privacy.py), handle changes (members/services.py), telehealth
validation and the "looking for" vocabulary."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from members import services
from members.demo import seed_community
from members.models import HandleRedirect, Profile, Term, User
from members.privacy import (
    ALL_GROUPS,
    FIELD_GROUPS,
    profile_visible_field_names,
    visible_groups,
    visible_groups_for,
)
from members.services import NotAvailable
from tests.members.factories import ApplicantFactory, MemberFactory

pytestmark = pytest.mark.django_db
Visibility = Profile.Visibility


@pytest.fixture
def owner():
    return MemberFactory()


def _connect(a, b):
    connection = services.connection_request(sender=a, recipient=b)
    return services.connection_accept(connection=connection, user=b)


@pytest.fixture
def viewers(owner):
    """Every kind of viewer, by name, as (viewer, expected relation)."""
    connection = MemberFactory()
    _connect(owner, connection)
    blocked_by_owner = MemberFactory()
    services.block_create(blocker=owner, blocked=blocked_by_owner)
    blocker_of_owner = MemberFactory()
    services.block_create(blocker=blocker_of_owner, blocked=owner)
    return {
        "self": owner,
        "member": MemberFactory(),
        "connection": connection,
        "blocked_by_owner": blocked_by_owner,
        "blocked_owner": blocker_of_owner,
        "applicant": ApplicantFactory(),
        "lapsed": MemberFactory(membership_status=User.Status.LAPSED),
        "anonymous": AnonymousUser(),
        "none": None,
    }


# Who sees a group with each setting; everyone else gets nothing or NotAvailable.
SEES = {
    Visibility.MEMBERS: {"self", "member", "connection"},
    Visibility.CONNECTIONS: {"self", "connection"},
    Visibility.ONLY_ME: {"self"},
}
NOT_AVAILABLE = {"blocked_by_owner", "blocked_owner", "applicant", "lapsed", "anonymous", "none"}


@pytest.mark.parametrize(
    ("group", "setting"), list(itertools.product(sorted(FIELD_GROUPS), list(Visibility)))
)
def test_visibility_matrix(owner, viewers, group, setting):
    profile = owner.profile
    # The group under test has `setting`; every other group the opposite extreme, so a
    # rule leaking across groups shows up.
    for other in FIELD_GROUPS:
        other_setting = Visibility.ONLY_ME if setting == Visibility.MEMBERS else Visibility.MEMBERS
        setattr(profile, f"{other}_visibility", setting if other == group else other_setting)
    profile.save()
    for name, viewer in viewers.items():
        if name in NOT_AVAILABLE:
            with pytest.raises(NotAvailable):
                visible_groups(profile, viewer)
            with pytest.raises(NotAvailable):
                profile_visible_field_names(profile, viewer)
            continue
        groups = visible_groups(profile, viewer)
        assert (group in groups) == (name in SEES[setting]), (group, setting, name)
        fields = profile_visible_field_names(profile, viewer)
        assert (FIELD_GROUPS[group] <= fields) == (name in SEES[setting])
        assert not (FIELD_GROUPS[group] & fields) or group in groups


def test_defaults_show_everything_to_members(owner):
    profile = Profile.objects.get(pk=owner.profile.pk)
    assert profile.listed_in_directory and profile.suggest_in_matches
    assert visible_groups(profile, MemberFactory()) == set(ALL_GROUPS)
    assert "bio" in profile_visible_field_names(profile, MemberFactory())


def test_a_pending_request_is_not_a_connection(owner):
    owner.profile.about_visibility = Visibility.CONNECTIONS
    owner.profile.save()
    asker = MemberFactory()
    services.connection_request(sender=asker, recipient=owner)
    assert "about" not in visible_groups(owner.profile, asker)


def test_lapsed_owner_still_sees_their_own_profile():
    lapsed = MemberFactory(membership_status=User.Status.LAPSED)
    assert visible_groups(lapsed.profile, lapsed) == set(ALL_GROUPS)


def test_list_variant_runs_no_query(owner, django_assert_num_queries):
    owner.profile.practice_visibility = Visibility.CONNECTIONS
    owner.profile.save()
    member = MemberFactory()
    with django_assert_num_queries(0):
        assert "practice" not in visible_groups_for(owner.profile, member, connected=False)
        assert "practice" in visible_groups_for(owner.profile, member, connected=True)
        with pytest.raises(NotAvailable):
            visible_groups_for(owner.profile, member, connected=True, blocked=True)


# --- Handles ---------------------------------------------------------------------------


def change(profile, handle):
    return services.profile_change_handle(profile=profile, new_handle=handle)


def test_changing_a_handle_keeps_the_old_one_as_a_redirect(owner):
    old = owner.profile.handle
    profile = change(owner.profile, "river-stone")
    profile.refresh_from_db()
    assert profile.handle == "river-stone"
    assert HandleRedirect.objects.get(old_handle=old).profile == profile
    change(profile, "river-stone-2")
    assert set(profile.old_handles.values_list("old_handle", flat=True)) == {old, "river-stone"}


def test_going_back_to_your_own_old_handle_is_allowed(owner):
    old = owner.profile.handle
    change(owner.profile, "river-stone")
    profile = change(owner.profile, old)
    assert profile.handle == old
    assert list(profile.old_handles.values_list("old_handle", flat=True)) == ["river-stone"]


def test_same_handle_changes_nothing(owner):
    change(owner.profile, owner.profile.handle)
    assert not HandleRedirect.objects.exists()


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        ("me", "3 to 40"),
        ("ab", "3 to 40"),
        ("a" * 41, "3 to 40"),
        ("Has Spaces", "3 to 40"),
        ("under_score", "3 to 40"),
        ("-dash", "3 to 40"),
        ("dash-", "3 to 40"),
        ("two--dashes", "3 to 40"),
        ("admin", "reserved"),
        ("directory", "reserved"),
    ],
)
def test_bad_handles_are_refused_with_a_clear_message(owner, handle, message):
    before = owner.profile.handle
    with pytest.raises(ValidationError) as error:
        change(owner.profile, handle)
    assert message in " ".join(error.value.message_dict["handle"])
    owner.profile.refresh_from_db()
    assert owner.profile.handle == before and not HandleRedirect.objects.exists()


def test_uppercase_input_is_lowered(owner):
    assert change(owner.profile, "River-Stone").handle == "river-stone"


def test_a_handle_in_use_is_refused(owner):
    other = MemberFactory()
    with pytest.raises(ValidationError) as error:
        change(owner.profile, other.profile.handle)
    assert "taken" in error.value.message_dict["handle"][0]


def test_another_members_old_handle_is_refused(owner):
    other = MemberFactory()
    old = other.profile.handle
    change(other.profile, "new-name")
    with pytest.raises(ValidationError) as error:
        change(owner.profile, old)
    assert "belonged to another member" in error.value.message_dict["handle"][0]


# --- Telehealth and vocabularies -------------------------------------------------------


def test_telehealth_jurisdictions_are_known_distinct_codes(owner):
    profile = owner.profile
    profile.telehealth_jurisdictions = ["CA", "NY", "PR"]
    profile.full_clean()
    for bad, message in [
        (["CA", "XX"], "Unknown jurisdiction: XX"),
        (["CA", "CA"], "listed once"),
        ("CA,NY", "must be a list"),
        ([1], "must be a list"),
    ]:
        profile.telehealth_jurisdictions = bad
        with pytest.raises(ValidationError) as error:
            profile.full_clean()
        assert message in error.value.message_dict["telehealth_jurisdictions"][0]


def test_the_looking_for_vocabulary_is_loaded():
    slugs = list(
        Term.objects.filter(kind=Term.Kind.LOOKING_FOR)
        .order_by("position")
        .values_list("slug", flat=True)
    )
    assert slugs == [
        "peer-consultation",
        "mentorship-giving",
        "mentorship-receiving",
        "interdisciplinary-collaboration",
        "study-group",
        "coffee-dates",
        "ce-buddy",
        "referrals",
    ]


def test_the_demo_seed_fills_practice_details_and_privacy():
    seed_community(members=200, seed=1)
    profiles = Profile.objects.all()
    assert profiles.exclude(accepting_referrals="").count() > 150
    assert profiles.filter(office_space="seeking").exists()
    assert profiles.filter(telehealth_jurisdictions__contains=["CA"]).exists()
    for profile in profiles.exclude(telehealth_jurisdictions=[]):
        profile.full_clean()
    stricter = profiles.exclude(
        about_visibility=Visibility.MEMBERS,
        practice_visibility=Visibility.MEMBERS,
        location_visibility=Visibility.MEMBERS,
        credentials_visibility=Visibility.MEMBERS,
    ).count()
    assert 0 < stricter < profiles.count() / 4
    assert not profiles.exclude(terms__kind=Term.Kind.LOOKING_FOR).exists()
