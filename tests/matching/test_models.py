"""The questionnaire as loaded by its data migration, and the invariants of answers,
dual relationships and dismissals."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from matching import scoring
from matching.models import Answer, Dismissal, Purpose, Questionnaire, Statement
from matching.questionnaire import DATA, load_questionnaire, read_questionnaire
from members.models import DualRelationship
from tests.matching.factories import AnswerFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def statement_with(n_options: int) -> Statement:
    return next(
        s for s in Questionnaire.objects.current().statements.all() if len(s.options) == n_options
    )


def assert_invalid(instance, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    assert message in caught.value.messages


# --- The questionnaire -------------------------------------------------------------------


def test_the_data_migration_loaded_the_questionnaire_file():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    questionnaire = Questionnaire.objects.current()
    assert questionnaire.version == data["version"]
    statements = list(questionnaire.statements.all())
    assert 16 <= len(statements) <= 20
    assert [s.key for s in statements] == [entry["key"] for entry in data["statements"]]
    assert [s.position for s in statements] == list(range(len(statements)))
    for statement in statements:
        assert 2 <= len(statement.options) <= 5 < scoring.MAX_OPTIONS
        assert len(set(statement.options)) == len(statement.options)
        assert all(isinstance(label, str) and label.strip() for label in statement.options)
        assert statement.topic.strip() and statement.text.strip()
    assert {"harm-reduction", "conversion-practices", "faith-integration"} <= {
        s.key for s in statements
    }


def test_reloading_the_same_version_changes_nothing():
    before = list(Statement.objects.values_list("pk", "key", "options"))
    load_questionnaire(Questionnaire, Statement)
    assert list(Statement.objects.values_list("pk", "key", "options")) == before


def _write(tmp_path, data) -> object:
    path = tmp_path / "questionnaire.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_new_version_adds_rows_and_old_answers_keep_their_statement(tmp_path):
    old = Questionnaire.objects.current()
    answer = AnswerFactory(statement=old.statements.get(key="harm-reduction"), choice=1)
    data = read_questionnaire()
    data["version"] = old.version + 1
    data["statements"][0]["options"] = ["Yes", "No"]
    new = load_questionnaire(Questionnaire, Statement, _write(tmp_path, data))
    assert Questionnaire.objects.current() == new
    assert new.statements.count() == len(data["statements"])
    answer.refresh_from_db()
    assert answer.statement.questionnaire == old


def test_changing_options_within_a_version_is_refused(tmp_path):
    data = read_questionnaire()
    data["statements"][0]["options"] = ["Yes", "No"]
    with pytest.raises(ValueError, match="raise the version"):
        load_questionnaire(Questionnaire, Statement, _write(tmp_path, data))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.update(version=0),
        lambda d: d["statements"][1].update(key=d["statements"][0]["key"]),
        lambda d: d["statements"][0].update(options=["Only one"]),
        lambda d: d["statements"][0].update(options=["a", "b", "c", "d", "e", "f"]),
        lambda d: d["statements"][0].update(options=["Same", "Same"]),
        lambda d: d["statements"][0].update(topic=""),
        # The steps (screens of /me/values/) name each statement once, and only those.
        lambda d: d["steps"][0]["statements"].append("no-such-statement"),
        lambda d: d["steps"][1]["statements"].append(d["steps"][0]["statements"][0]),
        lambda d: d["steps"][1].update(key=d["steps"][0]["key"]),
        lambda d: d["steps"][0].update(title=""),
        lambda d: d["steps"][0].update(statements=[]),
    ],
)
def test_a_malformed_file_is_rejected(tmp_path, breakage):
    data = read_questionnaire()
    breakage(data)
    with pytest.raises(ValueError):
        read_questionnaire(_write(tmp_path, data))


# --- Answers -----------------------------------------------------------------------------


def test_importance_values_match_the_scoring_module():
    assert [c.value for c in Answer.Importance] == [i.value for i in scoring.Importance]


def test_a_valid_answer_passes_and_converts_for_scoring():
    answer = AnswerFactory.build(
        member=MemberFactory(),
        statement=statement_with(4),
        choice=3,
        accepted=0b1100,
        importance=Answer.Importance.VERY,
        dealbreaker=True,
    )
    answer.full_clean()
    answer.save()
    assert answer.as_response() == scoring.Response(3, 0b1100, scoring.Importance.VERY, True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"accepted": 0}, "Choose at least one answer you accept from a colleague."),
        ({"accepted": 256}, "The answers you accept must be among the statement's options."),
        ({"choice": 8}, "Your answer must be one of the statement's options."),
        (
            {"importance": Answer.Importance.IRRELEVANT, "dealbreaker": True},
            "A statement that is irrelevant to you cannot be a dealbreaker.",
        ),
    ],
)
def test_database_constraints_reject_with_a_message(fields, message):
    answer = AnswerFactory.build(member=MemberFactory(), statement=statement_with(3), **fields)
    assert_invalid(answer, message)
    # The database enforces it too, for writes that skip validation.
    with pytest.raises(IntegrityError), transaction.atomic():
        answer.save()


def test_importance_out_of_range_is_refused_by_field_and_database():
    answer = AnswerFactory.build(member=MemberFactory(), statement=statement_with(3), importance=4)
    assert_invalid(answer, "Value 4 is not a valid choice.")  # the field's choices speak first
    (constraint,) = [c for c in Answer._meta.constraints if c.name.endswith("importance_valid")]
    with pytest.raises(ValidationError, match="Importance must be irrelevant, a little"):
        constraint.validate(Answer, answer)
    with pytest.raises(IntegrityError), transaction.atomic():
        answer.save()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"choice": 3}, "Your answer must be one of the statement's options."),
        ({"accepted": 0b1000}, "The answers you accept must be among the statement's options."),
    ],
)
def test_answers_beyond_the_statements_own_options_are_invalid(fields, message):
    answer = AnswerFactory.build(member=MemberFactory(), statement=statement_with(3), **fields)
    assert_invalid(answer, message)


def test_one_answer_per_member_and_statement():
    first = AnswerFactory()
    again = Answer(member=first.member, statement=first.statement, choice=1, accepted=0b10)
    assert_invalid(again, "You have already answered this statement.")
    with pytest.raises(IntegrityError), transaction.atomic():
        again.save()


def test_a_statement_with_answers_cannot_be_deleted():
    answer = AnswerFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        answer.statement.delete()


# --- Dual relationships and dismissals ---------------------------------------------------


def test_dual_relationship_is_once_per_pair_never_self_and_excludes_both_ways():
    me, them, bystander = MemberFactory(), MemberFactory(), MemberFactory()
    mark = DualRelationship.objects.create(
        member=me, other=them, kind=DualRelationship.Kind.CLINICAL
    )
    again = DualRelationship(member=me, other=them, kind=DualRelationship.Kind.PERSONAL)
    assert_invalid(again, "You have already told us about your relationship with this member.")
    oneself = DualRelationship(member=me, other=me, kind=DualRelationship.Kind.PERSONAL)
    assert_invalid(oneself, "You cannot declare a relationship with yourself.")
    assert list(DualRelationship.objects.involving(them)) == [mark]
    assert list(DualRelationship.objects.involving(me)) == [mark]
    assert not DualRelationship.objects.involving(bystander).exists()
    # The other side declares too: allowed, and still private to each.
    DualRelationship(
        member=them, other=me, kind=DualRelationship.Kind.DO_NOT_INTRODUCE
    ).full_clean()


def test_not_now_lasts_thirty_days_and_never_has_no_end():
    me, them = MemberFactory(), MemberFactory()
    now = timezone.now()
    not_now = Dismissal.not_now(member=me, other=them, purpose=Purpose.COFFEE, now=now)
    not_now.full_clean()
    not_now.save()
    assert not_now.until == now + timedelta(days=30)
    never = Dismissal(member=me, other=them, purpose=Dismissal.ALL, kind=Dismissal.Kind.NEVER)
    never.full_clean()
    never.save()
    assert set(Dismissal.objects.in_force(now)) == {not_now, never}
    assert set(Dismissal.objects.in_force(now + timedelta(days=31))) == {never}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"kind": "never", "until": timezone.now()},
            "“Not now” lasts until a date; “never” has none.",
        ),
        ({"kind": "not_now", "until": None}, "“Not now” lasts until a date; “never” has none."),
    ],
)
def test_dismissal_until_matches_kind(fields, message):
    me, them = MemberFactory(), MemberFactory()
    dismissal = Dismissal(member=me, other=them, purpose=Purpose.MENTORSHIP, **fields)
    assert_invalid(dismissal, message)


def test_one_dismissal_per_purpose_and_never_of_oneself():
    me, them = MemberFactory(), MemberFactory()
    Dismissal.objects.create(member=me, other=them, purpose=Purpose.REFERRAL, kind="never")
    again = Dismissal(member=me, other=them, purpose=Purpose.REFERRAL, kind="never")
    assert_invalid(again, "You have already dismissed this suggestion.")
    Dismissal(member=me, other=them, purpose=Purpose.COFFEE, kind="never").full_clean()
    oneself = Dismissal(member=me, other=me, purpose=Purpose.COFFEE, kind="never")
    assert_invalid(oneself, "You cannot dismiss yourself.")
