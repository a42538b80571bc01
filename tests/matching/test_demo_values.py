"""Demo values answers (matching/demo.py): deterministic, clustered, a few dealbreakers,
bulk-loaded fast, and loaded by `seed_demo`."""

import time

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection

from hive.demo import DEMO_LOGINS
from matching import scoring
from matching.demo import CLUSTERS, DEALBREAKER_KEYS, plan_values, seed_values
from matching.models import Answer, Questionnaire
from members.models import User

pytestmark = pytest.mark.django_db


def make_members(n: int) -> list[int]:
    """`n` bare member accounts, bulk inserted (answers need nothing else)."""
    User.objects.bulk_create(
        [
            User(email=f"values{i}@example.com", password="!", membership_status="member")
            for i in range(n)
        ],
        batch_size=5000,
    )
    return list(
        User.objects.filter(email__startswith="values").order_by("pk").values_list("pk", flat=True)
    )


def statements():
    return list(Questionnaire.objects.current().statements.order_by("position"))


def answer_rows() -> list[tuple]:
    return sorted(
        Answer.objects.values_list(
            "member__email", "statement__key", "choice", "accepted", "importance", "dealbreaker"
        )
    )


def the_plan(n: int, seed: int):
    """The plan seed_values draws for `n` members, to know each member's cluster."""
    found = statements()
    return plan_values(
        n_members=n,
        keys=[s.key for s in found],
        option_counts=[s.option_count for s in found],
        rng_seed=seed,
    )


def test_the_same_seed_gives_the_same_answers():
    ids = make_members(120)
    written = seed_values(user_ids=ids, rng_seed=7)
    first = answer_rows()
    assert written == len(first) > 0
    Answer.objects.all().delete()
    seed_values(user_ids=ids, rng_seed=7)
    assert answer_rows() == first
    Answer.objects.all().delete()
    seed_values(user_ids=ids, rng_seed=8)
    assert answer_rows() != first


def test_answers_are_valid_believable_and_mostly_generous():
    ids = make_members(2000)
    count = seed_values(user_ids=ids, rng_seed=2026)
    answers = list(Answer.objects.select_related("statement"))
    assert len(answers) == count
    for answer in answers[:: max(1, len(answers) // 300)]:
        answer.full_clean()  # the database checked its constraints; clean() the rest
    row = {user_id: i for i, user_id in enumerate(ids)}
    per_member = np.bincount([row[a.member_id] for a in answers], minlength=len(ids))
    total = len(statements())
    not_started = np.mean(per_member == 0)
    partial = np.mean((per_member > 0) & (per_member < total))
    assert 0.02 < not_started < 0.09
    assert 0.06 < partial < 0.15
    # Generous: most answers accept more than one option, many accept all of them.
    wide = np.mean([bin(a.accepted).count("1") > 1 for a in answers])
    everything = np.mean([a.accepted == (1 << a.statement.option_count) - 1 for a in answers])
    assert wide > 0.75 and 0.3 < everything < 0.8
    # Importance varies.
    shares = np.bincount([a.importance for a in answers], minlength=4) / len(answers)
    assert all(share > 0.05 for share in shares)


def test_a_few_dealbreakers_mostly_on_conversion_practices_and_affirming_care():
    ids = make_members(2000)
    seed_values(user_ids=ids, rng_seed=2026)
    answers = Answer.objects.all()
    share = answers.filter(dealbreaker=True).count() / answers.count()
    assert 0.015 < share < 0.05
    likely = answers.filter(statement__key__in=DEALBREAKER_KEYS)
    others = answers.exclude(statement__key__in=DEALBREAKER_KEYS)
    assert likely.filter(dealbreaker=True).count() / likely.count() > 3 * (
        others.filter(dealbreaker=True).count() / others.count()
    )
    # A dealbreaker always refuses something and always matters.
    for answer in answers.filter(dealbreaker=True).select_related("statement"):
        assert answer.importance >= Answer.Importance.SOMEWHAT
        assert answer.accepted != (1 << answer.statement.option_count) - 1


def test_like_minded_colleagues_score_higher_among_themselves():
    n, seed = 800, 11
    ids = make_members(n)
    seed_values(user_ids=ids, rng_seed=seed)
    cluster = the_plan(n, seed).cluster
    keys = [s.key for s in statements()]
    column = {s.pk: j for j, s in enumerate(statements())}
    row = {user_id: i for i, user_id in enumerate(ids)}
    rows = list(
        Answer.objects.values_list(
            "member_id", "statement_id", "choice", "accepted", "importance", "dealbreaker"
        )
    )
    member, statement, choice, accepted, importance, dealbreaker = np.asarray(rows).T
    snapshot = scoring.Snapshot.from_answer_rows(
        keys=keys,
        n_members=n,
        member_pos=np.vectorize(row.get)(member),
        statement_pos=np.vectorize(column.get)(statement),
        choice=choice,
        accepted=accepted,
        importance=importance,
        dealbreaker=dealbreaker,
    )
    started = snapshot.choice_bit.any(axis=1)
    within, across, excluded = [], [], []
    for i in np.flatnonzero(started)[:300]:
        scores, out = scoring.score_against_all(int(i), snapshot)
        others = started.copy()
        others[i] = False
        excluded.append(out[others].mean())
        same = others & ~out & (cluster == cluster[i])
        different = others & ~out & (cluster != cluster[i])
        within.append(scores[same].mean())
        across.append(scores[different].mean())
    print(
        f"\nmean score within a cluster {np.mean(within):.3f}, across {np.mean(across):.3f}; "
        f"pairs excluded by a dealbreaker {np.mean(excluded):.1%}"
    )
    assert np.mean(within) > np.mean(across) + 0.03
    # Every cluster, taken on its own, prefers itself.
    for c in range(len(CLUSTERS)):
        mine = cluster[np.flatnonzero(started)[:300]] == c
        assert np.mean(np.asarray(within)[mine]) > np.mean(np.asarray(across)[mine])
    # Dealbreakers bite, but most pairs stay possible.
    assert 0.02 < np.mean(excluded) < 0.45


def _structure() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'matching_answer'::regclass ORDER BY conname"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'matching_answer' ORDER BY indexname"
        )
        return constraints + cursor.fetchall()


def test_ten_thousand_members_load_fast_and_the_table_keeps_its_constraints():
    before = _structure()
    ids = make_members(10_000)
    started = time.perf_counter()
    count = seed_values(user_ids=ids, rng_seed=3)
    elapsed = time.perf_counter() - started
    # Printed, not asserted: timings on a shared machine are not a test.
    print(f"\nseed_values: {count} answers for 10,000 members in {elapsed:.2f}s")
    assert count > 150_000  # large enough for the rebuild-after-load path
    assert _structure() == before
    assert Answer.objects.count() == count
    # The rebuilt unique constraint still refuses a second answer to a statement.
    one = Answer.objects.first()
    with pytest.raises(Exception, match="once_per_statement"):
        Answer.objects.create(
            member_id=one.member_id, statement_id=one.statement_id, choice=0, accepted=1
        )


def test_seed_demo_gives_demo_members_answers(db):
    call_command("seed_demo", "--members", "60", "--seed", "5")
    first = answer_rows()
    assert first
    # Applicants have no profile and no answers; the demo member login answered a third.
    assert not Answer.objects.filter(member__membership_status=User.Status.APPLICANT).exists()
    member_login = User.objects.get(email=DEMO_LOGINS["member"])
    assert Answer.objects.filter(member=member_login).count() == len(statements()) // 3
    call_command("seed_demo", "--members", "60", "--seed", "5", "--replace")
    assert answer_rows() == first
