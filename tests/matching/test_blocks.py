"""Blocks in matching, each filter on its own.

Suggestions drop a blocked pair twice (matching/suggestions.py): `excluded_ids` masks
them before the engine ranks, and the SQL re-check through `User.objects.visible_to`
has the last word. Tested only together, either one could go missing unnoticed, so
each is tested here with the other out of the way, for a block made either way.
"""

import pytest

from matching import suggestions
from matching.models import Purpose
from matching.suggestions import excluded_ids, suggest
from members import services as member_services
from members.models import UserQuerySet
from tests.matching.people import person

pytestmark = pytest.mark.django_db
DIRECTIONS = ["viewer_blocked_them", "they_blocked_viewer"]


def near():
    """Someone a coffee date away from the viewer, keen on coffee too."""
    return person(place="berkeley", looking_for=["coffee-dates"])


@pytest.fixture
def viewer():
    return person("Vera Viewer", place="oakland", looking_for=["coffee-dates"])


def _block(viewer, other, direction):
    if direction == "viewer_blocked_them":
        member_services.block_create(blocker=viewer, blocked=other)
    else:
        member_services.block_create(blocker=other, blocked=viewer)


def suggested(viewer, purpose=Purpose.COFFEE) -> list[int]:
    return [item.profile.user_id for item in suggest(viewer, purpose).items]


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_excluded_ids_hold_a_block_either_way(viewer, direction):
    """The ranking step alone already leaves out someone in a block with the viewer."""
    blocked, fine = near(), near()
    _block(viewer, blocked, direction)
    for purpose in Purpose.values:
        excluded = excluded_ids(viewer, purpose)
        assert blocked.pk in excluded, purpose
        assert fine.pk not in excluded, purpose


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_ranking_alone_never_suggests_a_blocked_member(viewer, direction, monkeypatch):
    """With the SQL re-check letting everyone through, a blocked member is still not
    suggested: the exclusion before ranking holds on its own."""
    blocked, fine = near(), near()
    assert sorted(suggested(viewer)) == sorted([blocked.pk, fine.pk])
    _block(viewer, blocked, direction)
    monkeypatch.setattr(UserQuerySet, "visible_to", lambda self, viewer: self.all())
    shown = suggested(viewer)
    assert blocked.pk not in shown, "a member in a block with the viewer was suggested"
    assert shown == [fine.pk]


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_sql_recheck_alone_never_suggests_a_blocked_member(viewer, direction, monkeypatch):
    """With nobody excluded before ranking (a snapshot that has not caught up, say), the
    database's final check still leaves out a blocked member, in every purpose."""
    blocked, fine = near(), near()
    assert sorted(suggested(viewer)) == sorted([blocked.pk, fine.pk])
    _block(viewer, blocked, direction)
    monkeypatch.setattr(suggestions, "excluded_ids", lambda viewer, purpose: set())
    shown = suggested(viewer)
    assert blocked.pk not in shown, "a member in a block with the viewer was suggested"
    assert shown == [fine.pk]
    for purpose in Purpose.values:
        assert blocked.pk not in suggested(viewer, purpose), purpose
