"""Posting the values questionnaire's steps as the page does (/me/values/)."""

from __future__ import annotations

from matching.models import Answer, Questionnaire, Statement
from matching.questionnaire import steps_of

URL = "/me/values/"


def statements() -> list[Statement]:
    return list(Questionnaire.objects.current().statements.order_by("position"))


def steps():
    return steps_of(statements())


def step_of(statement: Statement):
    return next(step for step in steps() if statement.key in [s.key for s in step.statements])


def answer_fields(statement: Statement, **overrides) -> dict:
    """A complete, valid answer to `statement` as the step's form names it: the first
    option, accepting the first two, "very"; None drops a field."""
    values = {"choice": 0, "accepted": [0, 1], "importance": Answer.Importance.VERY}
    values.update(overrides)
    return {f"{statement.key}-{name}": value for name, value in values.items() if value is not None}


def step_data(step, answers: dict | None = None, *, member=None, **extra) -> dict:
    """The POST of `step` with `answers` ({statement: overrides or {}}); the step's other
    statements are sent as the page sends them untouched (their saved answer, else the
    defaults, with no answer of one's own)."""
    answers = answers or {}
    data = {"step": step.key, "version": Questionnaire.objects.current().pk}
    rows = Answer.objects.filter(statement__in=step.statements)
    saved = {a.statement_id: a for a in (rows.filter(member=member) if member else rows)}
    for statement in step.statements:
        if statement in answers:
            data.update(answer_fields(statement, **answers[statement]))
        elif statement.pk in saved:
            answer = saved[statement.pk]
            data.update(
                answer_fields(
                    statement,
                    choice=answer.choice,
                    accepted=[i for i in range(statement.option_count) if answer.accepted >> i & 1],
                    importance=answer.importance,
                    dealbreaker="on" if answer.dealbreaker else None,
                )
            )
        else:
            data.update(
                answer_fields(
                    statement,
                    choice=None,
                    accepted=list(range(statement.option_count)),
                    importance=Answer.Importance.SOMEWHAT,
                )
            )
    data.update(extra)
    return data


def answer_one(client, statement: Statement, *, member=None, follow=False, **overrides):
    """Answer one statement through its step's form (the others left as they are)."""
    data = step_data(step_of(statement), {statement: overrides}, member=member)
    return client.post(URL, data, follow=follow)
