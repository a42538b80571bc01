"""The suggestion engine against the database: who is in the snapshot, what its
features may hold, freshness without rebuilds, exclusions, and exactness against
brute-force scoring with `scoring.pair_score`."""

import random
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from matching import answer_columns, engine, features, freshness, purposes, scoring, services
from matching.models import Answer, Dismissal, Purpose, Questionnaire, Statement
from matching.suggestions import excluded_ids, suggest
from members import services as member_services
from members.models import Application, Connection, DualRelationship, Profile, Term, User
from tests.matching.people import CONNECTIONS, ONLY_ME, PLACES, answer, person, statement
from tests.members.factories import ApplicantFactory

pytestmark = pytest.mark.django_db
P = Purpose
ALL_PURPOSES = [None, *Purpose.values]


def suggested(viewer, purpose=P.COFFEE) -> list[int]:
    return [item.profile.user_id for item in suggest(viewer, purpose).items]


def near(name="", **kwargs):
    """Someone a coffee date away from Oakland, keen on coffee: suggested to `viewer`
    below for the coffee purpose unless something excludes them."""
    return person(name, place="berkeley", looking_for=["coffee-dates"], **kwargs)


@pytest.fixture
def viewer():
    return person("Vera Viewer", place="oakland", looking_for=["coffee-dates"])


# --- Who is in the snapshot --------------------------------------------------------------


def test_only_members_who_may_be_suggested_are_in_the_snapshot(viewer):
    listed = near()
    near(suggest=False)  # unlisted from matches
    lapsed, suspended, inactive = near(), near(), near()
    User.objects.filter(pk=lapsed.pk).update(membership_status=User.Status.LAPSED)
    User.objects.filter(pk=suspended.pk).update(membership_status=User.Status.SUSPENDED)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    ApplicantFactory()
    snap = engine.snapshot()
    assert set(snap.row_of) == {viewer.pk, listed.pk}
    assert snap.capacity >= snap.size + engine.MIN_SPARE_ROWS
    assert suggested(viewer) == [listed.pk]


def test_features_hold_only_groups_shown_to_all_members(viewer):
    open_ = near(stage="seasoned", specialties=["grief-and-loss"], telehealth=["CA"])
    hidden = near(
        stage="seasoned",
        specialties=["grief-and-loss"],
        telehealth=["CA"],
        visibility={"credentials": CONNECTIONS, "practice": ONLY_ME, "location": CONNECTIONS},
    )
    snap = engine.snapshot()
    shown, masked = (snap.features.member(snap.row_of[u.pk]) for u in (open_, hidden))
    assert shown.stage == purposes.STAGES.index("seasoned") and shown.profession > 0
    assert shown.specialties and shown.looking_for and shown.telehealth and shown.located
    assert masked.stage == purposes.UNKNOWN and masked.profession == purposes.UNKNOWN
    assert not (masked.specialties or masked.looking_for or masked.telehealth)
    assert not masked.located
    # The same masking for one profile loaded on its own (reasons use this).
    profile = Profile.objects.prefetch_related("terms").get(user=hidden)
    alone = features.member_features(profile, snap.vocabulary)
    assert alone.stage == masked.stage and alone.specialties == masked.specialties
    assert not alone.located


def test_values_rows_equal_the_members_answers(viewer):
    other = near(answers={"harm-reduction": (0, 0b11, 3, True), "video-therapy": (2, 0b100, 1)})
    snap = engine.snapshot()
    expected = {a.statement.key: a.as_response() for a in Answer.objects.filter(member=other)}
    assert snap.answers_of(other.pk) == expected
    assert snap.answers_of(viewer.pk) == {}


# --- Freshness ---------------------------------------------------------------------------


def _rows_equal(snap, user, keys):
    return snap.answers_of(user.pk) == {
        a.statement.key: a.as_response() for a in Answer.objects.filter(member=user)
    }


def test_a_changed_answer_is_patched_in_without_a_rebuild(viewer):
    other = near(answers={"harm-reduction": (0, 0b1)})
    snap = engine.snapshot()
    built = snap.built_at
    answer(other, "harm-reduction", 2, 0b100, 3)
    answer(other, "trauma-informed-care", 1, 0b11)
    again = engine.snapshot()
    assert again is snap and again.built_at == built and again.patches == 1
    assert _rows_equal(again, other, snap.keys)
    # Nothing new: nothing patched.
    assert engine.snapshot().patches == 1


def test_what_the_build_loaded_is_not_patched_again(viewer):
    """Changes inside the look-back window are already in a fresh build: the next
    refreshes must not patch (or, after a bulk import, rebuild) them again."""
    for _ in range(3):
        near(answers={"harm-reduction": (0, 0b1)})
    snap = engine.snapshot()
    assert engine.snapshot() is snap and snap.patches == 0


def test_after_a_bulk_write_the_build_looks_from_its_start_and_does_not_storm(viewer, monkeypatch):
    monkeypatch.setattr(engine, "MAX_PATCH", 2)
    for _ in range(3):
        near()
    snap = engine.snapshot()
    assert snap.look_back == snap.built_at and not snap.applied
    # Not on the next request, nor on any later one while those rows are recent.
    for _ in range(3):
        assert engine.snapshot() is snap and snap.patches == 0
    assert snap.look_back >= snap.built_at


def test_the_look_back_follows_the_oldest_open_transaction_within_limits():
    now = timezone.now()
    assert freshness.look_back(now, now) == now - freshness.SKEW
    older = now - timedelta(minutes=3)
    assert freshness.look_back(older, now) == older - freshness.SKEW
    stuck = now - timedelta(hours=2)  # a session idle in a transaction
    assert freshness.look_back(stuck, now) == now - freshness.MAX_LAG - freshness.SKEW
    # This test runs inside a transaction: it is the oldest open one, so the horizon
    # is no later than now.
    found = freshness.changes(now, 0, limit=10)
    assert found.horizon <= timezone.now()


def test_a_cleared_answer_is_patched_in_through_matching_changed(viewer):
    other = near(answers={"harm-reduction": (0, 0b1), "video-therapy": (0, 0b1)})
    snap = engine.snapshot()
    services.answer_clear(member=other, statement=statement("harm-reduction"))
    assert engine.snapshot() is snap
    assert set(snap.answers_of(other.pk)) == {"video-therapy"}


def test_a_new_member_is_appended_and_suggested(viewer):
    snap = engine.snapshot()
    assert suggested(viewer) == []
    newcomer = near()
    assert engine.snapshot() is snap and newcomer.pk in snap.row_of
    assert suggested(viewer) == [newcomer.pk]


def test_profile_changes_move_eligibility_and_features(viewer):
    other = near()
    snap = engine.snapshot()
    profile = other.profile
    profile.suggest_in_matches = False
    member_services.profile_update(profile=profile, fields=["suggest_in_matches"])
    assert suggested(viewer) == [] and engine.snapshot() is snap
    profile.suggest_in_matches = True
    profile.location_visibility = ONLY_ME
    member_services.profile_update(
        profile=profile, fields=["suggest_in_matches", "location_visibility"]
    )
    snap = engine.snapshot()
    assert snap.eligible[snap.row_of[other.pk]]
    assert not snap.features.member(snap.row_of[other.pk]).located


def test_a_status_change_is_seen_through_the_application(viewer):
    other = near()
    application = Application.objects.create(user=other, status=Application.Status.APPROVED)
    engine.snapshot()
    User.objects.filter(pk=other.pk).update(membership_status=User.Status.SUSPENDED)
    application.status = Application.Status.SUSPENDED
    application.save(update_fields=["status", "updated_at"])
    snap = engine.snapshot()
    assert not snap.eligible[snap.row_of[other.pk]]


def test_a_change_saved_before_the_last_look_but_committed_after_is_not_missed(viewer):
    """A transaction saves at t and commits later: its updated_at may precede our last
    look. The look-back overlap catches it."""
    other = near(answers={"harm-reduction": (0, 0b1)})
    snap = engine.snapshot()
    # Saved (stamped) before the look, committed after it.
    late = snap.built_at - timedelta(seconds=1)
    assert late > snap.look_back
    row = Answer.objects.get(member=other)
    Answer.objects.filter(pk=row.pk).update(choice=1, accepted=0b10, updated_at=late)
    snap = engine.snapshot()
    assert snap.answers_of(other.pk)["harm-reduction"].choice == 1


def test_the_database_is_the_final_word_and_the_snapshot_learns(viewer):
    other = near()
    snap = engine.snapshot()
    # Deactivated in the admin: no timestamp moves, the snapshot still has them.
    User.objects.filter(pk=other.pk).update(is_active=False)
    assert suggested(viewer) == []
    snap = engine.snapshot()
    assert not snap.eligible[snap.row_of[other.pk]]


def test_growth_past_the_spare_rows_rebuilds(viewer, monkeypatch):
    monkeypatch.setattr(engine, "MIN_SPARE_ROWS", 1)
    monkeypatch.setattr(engine, "SPARE_ROWS", 0.0)
    snap = engine.snapshot()
    near(), near()
    bigger = engine.snapshot()
    assert bigger is not snap and bigger.size == 3


def test_a_new_questionnaire_version_rebuilds(viewer):
    snap = engine.snapshot()
    newer = Questionnaire.objects.create(version=Questionnaire.objects.current().version + 1)
    Statement.objects.create(
        questionnaire=newer, key="k", position=0, topic="t", text="t", options=["a", "b"]
    )
    rebuilt = engine.snapshot()
    assert rebuilt is not snap and rebuilt.keys == ("k",)


def test_many_changes_at_once_rebuild(viewer, monkeypatch):
    monkeypatch.setattr(engine, "MAX_PATCH", 1)
    snap = engine.snapshot()
    near(), near()
    assert engine.snapshot() is not snap


# --- Exclusions --------------------------------------------------------------------------


def test_blocked_either_way_never_appear(viewer):
    blocked, blocker, fine = near(), near(), near()
    member_services.block_create(blocker=viewer, blocked=blocked)
    member_services.block_create(blocker=blocker, blocked=viewer)
    for purpose in Purpose.values:
        assert blocked.pk not in suggested(viewer, purpose)
        assert blocker.pk not in suggested(viewer, purpose)
    assert suggested(viewer) == [fine.pk]


@pytest.mark.parametrize("declared_by", ["viewer", "other"])
def test_a_dual_relationship_either_way_excludes(viewer, declared_by):
    other, fine = near(), near()
    member, marked = (viewer, other) if declared_by == "viewer" else (other, viewer)
    member_services.dual_relationship_set(
        member=member, other=marked, kind=DualRelationship.Kind.SUPERVISORY
    )
    assert suggested(viewer) == [fine.pk]
    assert viewer.pk not in suggested(other)


def test_dismissals_per_purpose_and_for_all(viewer):
    not_now, never, elsewhere = near(), near(), near()
    services.dismissal_create(
        member=viewer, other=not_now, purpose=P.COFFEE, kind=Dismissal.Kind.NOT_NOW
    )
    services.dismissal_create(
        member=viewer, other=never, purpose=Dismissal.ALL, kind=Dismissal.Kind.NEVER
    )
    services.dismissal_create(
        member=viewer, other=elsewhere, purpose=P.MENTORSHIP, kind=Dismissal.Kind.NEVER
    )
    assert suggested(viewer, P.COFFEE) == [elsewhere.pk]
    assert excluded_ids(viewer, P.PEER_CONSULTATION) == {never.pk}
    # A dismissal is the viewer's own: the dismissed still see the viewer.
    assert viewer.pk in suggested(never, P.COFFEE)


def test_not_now_lapses_and_they_come_back(viewer):
    other = near()
    long_ago = timezone.now() - timedelta(days=Dismissal.NOT_NOW_DAYS + 1)
    services.dismissal_create(
        member=viewer, other=other, purpose=P.COFFEE, kind=Dismissal.Kind.NOT_NOW, now=long_ago
    )
    assert suggested(viewer) == [other.pk]
    services.dismissal_create(
        member=viewer, other=other, purpose=P.COFFEE, kind=Dismissal.Kind.NOT_NOW
    )
    assert suggested(viewer) == []


def test_connections_and_pending_requests_are_not_suggested(viewer):
    connected, asked, asking, fine = near(), near(), near(), near()
    member_services.connection_request(sender=viewer, recipient=connected)
    Connection.objects.between(viewer, connected).update(
        status=Connection.Status.ACCEPTED, accepted_at=timezone.now()
    )
    member_services.connection_request(sender=viewer, recipient=asked)
    member_services.connection_request(sender=asking, recipient=viewer)
    assert suggested(viewer) == [fine.pk]


def test_a_violated_dealbreaker_excludes_both_ways(viewer):
    answer(viewer, "harm-reduction", 0, 0b1, 3, True)
    disagrees = near(answers={"harm-reduction": (3, 0b1000)})
    mine_broken = near(answers={"harm-reduction": (0, 0b1, 3, False)})
    theirs = near(answers={"conversion-practices": (0, 0b1, 3, True)})
    answer(viewer, "conversion-practices", 4, 0b10000)
    for purpose in Purpose.values:
        shown = suggested(viewer, purpose)
        assert disagrees.pk not in shown and theirs.pk not in shown
    assert suggested(viewer) == [mine_broken.pk]
    assert viewer.pk not in suggested(theirs)


def test_the_viewer_is_never_suggested_to_themself(viewer):
    near()
    for purpose in Purpose.values:
        assert viewer.pk not in suggested(viewer, purpose)


# --- Exactness against brute force -------------------------------------------------------


def _population(rng: random.Random, n: int) -> list[User]:
    keys = list(Questionnaire.objects.current().statements.values_list("key", "options"))
    slugs = {
        kind: list(Term.objects.filter(kind=kind).values_list("slug", flat=True))
        for kind in ("specialty", "modality", "population", "looking_for")
    }
    professions = ["psychiatrist", "licensed-clinical-social-worker", "art-therapist"]
    people = []
    for _ in range(n):
        user = person(
            stage=rng.choice(purposes.STAGES),
            profession=rng.choice(professions),
            place=rng.choice([*PLACES, None]),
            telehealth=rng.sample(["CA", "NY", "OR"], rng.randint(0, 2)),
            referrals=rng.choice(["yes", "waitlist", "no", ""]),
            specialties=rng.sample(slugs["specialty"], rng.randint(0, 4)),
            modalities=rng.sample(slugs["modality"], rng.randint(0, 2)),
            populations=rng.sample(slugs["population"], rng.randint(0, 3)),
            looking_for=rng.sample(slugs["looking_for"], rng.randint(0, 4)),
        )
        answers = []
        for key, options in rng.sample(keys, rng.randint(0, len(keys))):
            importance = rng.randint(0, 3)
            answers.append(
                Answer(
                    member=user,
                    statement=statement(key),
                    choice=rng.randrange(len(options)),
                    accepted=rng.randint(1, (1 << len(options)) - 1),
                    importance=importance,
                    dealbreaker=importance > 0 and rng.random() < 0.05,
                )
            )
        Answer.objects.bulk_create(answers)
        people.append(user)
    return people


def _brute_force(viewer, people, purpose, known) -> dict[int, float]:
    """Every other member scored one pair at a time with the scalar reference."""
    mine, me = known[viewer.pk]
    scores = {}
    for other in people:
        if other.pk == viewer.pk:
            continue
        theirs, them = known[other.pk]
        value = scoring.pair_score(mine, theirs)
        if value is None:
            continue
        if not set(mine) & set(theirs):
            value *= purposes.NO_EVIDENCE
        if purpose is not None:
            fit = purposes.FITS[purpose](me, purposes.Features.stack([them]))
            if not fit.allowed[0]:
                continue
            value = float(purposes.blend(np.float32([value]), fit.score, purpose)[0])
        scores[other.pk] = value
    return scores


def test_top_20_equals_brute_force_for_every_purpose():
    rng = random.Random(6)
    people = _population(rng, 70)
    snap = engine.snapshot()
    # Answers from the database (not the snapshot), features from each profile alone.
    answers: dict = {}
    for row in Answer.objects.select_related("statement"):
        answers.setdefault(row.member_id, {})[row.statement.key] = row.as_response()
    known = {
        p.user_id: (answers.get(p.user_id, {}), features.member_features(p, snap.vocabulary))
        for p in Profile.objects.prefetch_related("terms")
    }
    full_pages = 0
    for viewer in people[:8]:
        me = engine.viewer_for(viewer, Profile.objects.get(user=viewer), snap)
        for purpose in ALL_PURPOSES:
            ranked = engine.rank(snap, me, purpose, k=20)
            exact = _brute_force(viewer, people, purpose, known)
            best = sorted(exact.values(), reverse=True)[:20]
            # Recall 1.0: the best scores, each on a member who really scores it (among
            # equal scores any of the tied members may fill the last places).
            assert ranked.scores == pytest.approx(best, abs=1e-5), (viewer.pk, purpose)
            got = [exact[uid] for uid in ranked.user_ids]
            assert got == pytest.approx(ranked.scores, abs=1e-5)
            full_pages += len(ranked.user_ids) == 20 < len(exact)
    assert full_pages >= 8  # the comparison was not trivially short lists


def test_the_binary_copy_reads_integer_columns_exactly(viewer):
    """answer_columns.bigint_columns: what the snapshot's answers are read with."""
    first = answer(viewer, "harm-reduction", 2, 0b101, 3, True)
    rows = Answer.objects.filter(pk=first.pk).values_list("member_id", "accepted", "importance")
    table = answer_columns.bigint_columns(rows.order_by(), 3)
    assert table.dtype == np.int64 and table.tolist() == [[viewer.pk, 0b101, 3]]
    none = Answer.objects.filter(pk=-1).values_list("member_id", "accepted")
    assert answer_columns.bigint_columns(none, 2).shape == (0, 2)


def test_a_build_hands_the_memory_it_freed_back_to_the_system(viewer, monkeypatch):
    """engine._give_back_memory: without it each web process keeps the build's
    temporaries (~150 MB at 100,000 members) as heap it never uses again."""
    events = []
    load = engine._load

    def loading():
        snap = load()
        events.append("loaded")
        return snap

    class FakeLibc:
        def malloc_trim(self, pad):
            events.append(f"trimmed({pad})")

    monkeypatch.setattr(engine, "_load", loading)
    monkeypatch.setattr(engine, "_LIBC", FakeLibc())
    snap = engine.build()
    assert events == ["loaded", "trimmed(0)"] and viewer.pk in snap.row_of
    monkeypatch.setattr(engine, "_LIBC", None)  # a C library without malloc_trim
    assert viewer.pk in engine.build().row_of
