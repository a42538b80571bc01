"""The values questionnaire (/me/values/): one screen per step, saved with one press.

The statements come in steps (a few on a theme each; matching/questionnaire.py
`steps_of`). A step is one form holding its statements' fields, named by statement key
("harm-reduction-choice"). Nothing is saved while the member chooses: a stray tap changes
nothing until "Save and continue" (or "Clear my answer" on a statement) is pressed. Then
every statement of the step is checked, and either the changes are all saved or the step
comes back with each problem beside its statement and everything chosen kept.

After a save the next step opens with a note of what was saved and an Undo, which puts
the answers back as they were before that save (their previous values wait in the
session, for the last save only).

Without JavaScript all of this works the same; hive.js only asks before leaving a step
whose choices are not saved yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from hive.access import member_required
from matching.forms import AnswerForm
from matching.models import Answer, Statement
from matching.questionnaire import Step, steps_of
from matching.services import (
    CONSENT_MESSAGE,
    OLD_VERSION_MESSAGE,
    AnswerValues,
    answers_by_statement,
    answers_save,
    current_statements,
    has_values_consent,
    progress_from,
    values_consent_give,
    values_consent_withdraw,
    values_progress,
)

TEMPLATE = "matching/values.html"
UNKNOWN_STEP = (
    "We couldn’t tell which part of the questionnaire that was for, so nothing was saved. "
    "Reload the page and try again."
)
NOT_SAVED = "Nothing was saved yet: please look at the statements marked below."
# The session's record of the last save, for its Undo.
UNDO_KEY = "matching_values_undo"


@dataclass
class Item:
    """One statement as the page shows it."""

    statement: Statement
    form: AnswerForm
    answer: Answer | None
    number: int  # its place in the step, 1-based

    @property
    def has_problem(self) -> bool:
        return bool(self.form.errors)


@dataclass
class StepView:
    """A step in the steps list: how many of its statements are answered."""

    step: Step
    answered: int
    current: bool = False
    saved: bool = False

    @property
    def total(self) -> int:
        return len(self.step.statements)

    @property
    def complete(self) -> bool:
        return self.answered >= self.total


@dataclass
class Page:
    statements: list[Statement]
    answers: dict[int, Answer]
    steps: list[Step] = field(init=False)

    def __post_init__(self):
        self.steps = steps_of(self.statements)

    def step(self, key: str | None) -> Step | None:
        return next((step for step in self.steps if step.key == key), None)

    def step_of(self, statement_key: str | None) -> Step | None:
        return next(
            (s for s in self.steps if any(x.key == statement_key for x in s.statements)), None
        )

    def next_unanswered(self) -> str | None:
        """The first statement not answered, in the order the steps show them."""
        return next(
            (s.key for step in self.steps for s in step.statements if s.pk not in self.answers),
            None,
        )

    def following(self, step: Step) -> Step:
        """The step after `step` (the last one is followed by itself)."""
        return self.steps[min(step.number, len(self.steps) - 1)]


def _url(**query) -> str:
    url = reverse("matching:values")
    anchor = query.pop("anchor", "")
    query = {name: value for name, value in query.items() if value}
    return f"{url}?{urlencode(query)}{anchor}" if query else url


def _load(member) -> Page:
    statements = current_statements()
    return Page(statements, answers_by_statement(member=member, statements=statements))


@member_required
@require_http_methods(["GET", "POST"])
def values(request: HttpRequest) -> HttpResponse:
    """One step of the questionnaire with the member's answers (`?step=`; at first the
    step with the first unanswered statement); POST saves the step, or undoes the last
    save. Until the member agrees that their answers may be used for matching, the page
    asks for that instead. A GET makes three queries of its own (consent, statements,
    answers) however much has been answered, besides what every page costs."""
    if request.method == "POST":
        if request.POST.get("action") == "undo":
            return _undo(request)
        return _save(request)
    if not has_values_consent(member=request.user):
        return render(request, TEMPLATE, {"consent": False, "progress": _unanswered_progress()})
    page = _load(request.user)
    step = (
        page.step(request.GET.get("step")) or page.step_of(page.next_unanswered()) or page.steps[0]
    )
    return _render(request, page, step, _items(page, step))


def _form(statement: Statement, answer: Answer | None, data=None) -> AnswerForm:
    return AnswerForm(
        data, statement=statement, answer=answer, prefix=statement.key, auto_id="id_%s"
    )


def _render(
    request: HttpRequest, page: Page, step: Step, items: list[Item], *, alert: str = "", status=200
) -> HttpResponse:
    progress = progress_from([(s.key, s.pk in page.answers) for s in page.statements])
    next_key = page.next_unanswered()
    undo = request.session.get(UNDO_KEY) or {}
    saved_key = request.GET.get("saved", "")
    steps = [
        StepView(
            step=each,
            answered=sum(1 for s in each.statements if s.pk in page.answers),
            current=each.key == step.key,
            saved=each.key == saved_key,
        )
        for each in page.steps
    ]
    note = ""
    saved_step = page.step(saved_key)
    if saved_step is not None and undo.get("step") == saved_key:
        note = "saved"
    elif page.step(request.GET.get("undone")) is not None:
        note = "undone"
    context = {
        "consent": True,
        "progress": progress,
        "next_key": next_key,
        "next_step": page.step_of(next_key),
        "steps": steps,
        "step": step,
        "items": items,
        "previous_step": page.steps[step.number - 2] if step.number > 1 else None,
        "last_step": step.number == len(page.steps),
        "version": page.statements[0].questionnaire_id if page.statements else "",
        "page_error": alert,
        "note": note,
        "note_step": saved_step or page.step(request.GET.get("undone")),
        "note_count": undo.get("count", 0),
    }
    return render(request, TEMPLATE, context, status=status)


def _unanswered_progress():
    """The questionnaire's size for the consent page's lede (one query)."""
    return progress_from([(s.key, False) for s in current_statements()])


def _save(request: HttpRequest) -> HttpResponse:
    """Check every statement of the posted step; save the changes together, or show the
    step again with the problems beside their statements (module docstring)."""
    member = request.user
    if not has_values_consent(member=member):
        messages.error(request, CONSENT_MESSAGE)
        return redirect("matching:values")
    page = _load(member)
    step = page.step(request.POST.get("step"))
    if step is None:
        return _render(
            request, page, page.steps[0], _items(page, page.steps[0]), alert=UNKNOWN_STEP
        )
    clear = request.POST.get("clear", "")
    if str(request.POST.get("version", "")) != str(page.statements[0].questionnaire_id):
        # A page left open across a new questionnaire version: nothing is saved, and the
        # step comes back in the new version with what was chosen kept where the
        # statement (its key) is still there.
        items = []
        for number, statement in enumerate(step.statements, start=1):
            answer = page.answers.get(statement.pk)
            form = _form(statement, answer, request.POST)
            if form.has_changed():
                form.is_valid()  # shows what the new version's options make of it
            else:
                form = _form(statement, answer)
            items.append(Item(statement, form, answer, number))
        return _render(request, page, step, items, alert=OLD_VERSION_MESSAGE)

    items, changes = [], []
    for number, statement in enumerate(step.statements, start=1):
        answer = page.answers.get(statement.pk)
        if clear == statement.key:
            changes.append((statement, None))
            items.append(Item(statement, _form(statement, None), answer, number))
            continue
        form = _form(statement, answer, request.POST)
        if not form.has_changed():
            # Untouched (an unanswered statement stays unanswered): shown as it is, and
            # never checked, so "choose your own answer" is not asked of it.
            items.append(Item(statement, _form(statement, answer), answer, number))
            continue
        items.append(Item(statement, form, answer, number))
        if form.is_valid():
            values = AnswerValues(
                choice=form.cleaned_data["choice"],
                accepted=form.accepted_mask,
                importance=form.cleaned_data["importance"],
                dealbreaker=form.cleaned_data["dealbreaker"],
            )
            changes.append((statement, values))
    if any(item.has_problem for item in items):
        return _render(request, page, step, items, alert=NOT_SAVED)

    try:
        before = answers_save(member=member, changes=changes)
    except ValidationError as error:
        if getattr(error, "code", None) == "no_consent":
            messages.error(request, CONSENT_MESSAGE)
            return redirect("matching:values")
        return _render(request, page, step, items, alert=OLD_VERSION_MESSAGE)

    if not before:  # nothing changed: on to the next step, nothing to undo
        return redirect(_url(step=page.following(step).key if not clear else step.key))
    request.session[UNDO_KEY] = {
        "step": step.key,
        "count": len(before),
        "previous": {
            str(pk): values.as_list() if values else None for pk, values in before.items()
        },
    }
    # A cleared answer stays on its step (to be seen gone); a save moves on.
    target = step if clear else page.following(step)
    return redirect(_url(step=target.key, saved=step.key))


def _items(page: Page, step: Step) -> list[Item]:
    """The step's statements with the saved answers."""
    items = []
    for number, statement in enumerate(step.statements, start=1):
        answer = page.answers.get(statement.pk)
        items.append(Item(statement, _form(statement, answer), answer, number))
    return items


def _undo(request: HttpRequest) -> HttpResponse:
    """Put back the answers as they were before the last save (of this questionnaire
    version; statements since replaced are left alone), then show that step."""
    record = request.session.pop(UNDO_KEY, None)
    if not record:
        messages.info(request, "There is nothing to undo.")
        return redirect("matching:values")
    page = _load(request.user)
    by_pk = {str(statement.pk): statement for statement in page.statements}
    changes = [
        (by_pk[pk], AnswerValues(*values) if values else None)
        for pk, values in record.get("previous", {}).items()
        if pk in by_pk
    ]
    try:
        answers_save(member=request.user, changes=changes)
    except ValidationError:
        messages.error(request, "We couldn’t undo that save. Your answers are as shown.")
        return redirect(_url(step=record.get("step", "")))
    return redirect(_url(step=record.get("step", ""), undone=record.get("step", "")))


@member_required
@require_POST
def consent(request: HttpRequest) -> HttpResponse:
    """The member agrees that their answers may be used for matching; then the
    questionnaire opens."""
    values_consent_give(member=request.user)
    messages.success(
        request,
        "Thank you. Your answers will be used only to suggest colleagues, and nobody else "
        "will see them.",
    )
    return redirect("matching:values")


@member_required
@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest) -> HttpResponse:
    """Withdraw consent: GET asks to confirm, POST deletes every answer with the
    consent."""
    if request.method == "POST":
        request.session.pop(UNDO_KEY, None)
        deleted = values_consent_withdraw(member=request.user)
        messages.success(
            request,
            f"Done: {deleted} answer{'' if deleted == 1 else 's'} deleted. Suggestions now use "
            "your profile only. You can answer again whenever you like.",
        )
        return redirect("matching:values")
    if not has_values_consent(member=request.user):
        return redirect("matching:values")
    answered = values_progress(member=request.user)
    return render(request, "matching/values_stop.html", {"progress": answered})
