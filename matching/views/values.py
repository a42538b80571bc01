"""The values questionnaire (/me/values/): one small form per statement.

Without JavaScript each statement's form posts the page: a save or a clear redirects back
to the same statement (`?saved=<key>#s-<key>`), and a problem re-renders the page with
the message next to that statement and what was chosen kept. With htmx every change
posts that statement alone; the answer is the statement's block in its saved state
(named partial `statement_response`), plus, out of band, the progress bar and a line for
the page's live region, so screen readers hear "Saved" without losing their place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from hive.access import member_required
from matching.forms import AnswerForm
from matching.models import Answer, Statement
from matching.services import (
    CONSENT_MESSAGE,
    OLD_VERSION_MESSAGE,
    Progress,
    answer_clear,
    answer_save,
    answers_by_statement,
    current_questionnaire_id,
    current_statements,
    has_values_consent,
    progress_from,
    values_consent_give,
    values_consent_withdraw,
    values_progress,
)

TEMPLATE = "matching/values.html"
UNKNOWN_STATEMENT = (
    "We couldn’t tell which statement that answer was for, so nothing was saved. "
    "Reload the page and try again."
)


@dataclass
class Item:
    """One statement as the page shows it."""

    statement: Statement
    form: AnswerForm
    answer: Answer | None
    note: str = ""  # "saved" or "cleared": a quiet line under the form
    error: str = ""  # a problem with the statement as a whole, not one field

    @property
    def number(self) -> int:
        return self.statement.position + 1

    @property
    def has_problem(self) -> bool:
        return bool(self.error or self.form.errors)


def _autosave_signed_in(view):
    """An htmx autosave from someone no longer signed in as a member (their session
    ended in another tab) would follow the login redirect and swap the login page into
    the statement. Answer with a message in the page's alert region instead: what they
    chose stays on the page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if request.htmx and not (user.is_authenticated and (user.is_member or user.is_staff)):
            return _alert(request, signed_out=True)
        return view(request, *args, **kwargs)

    return wrapper


def _alert(request: HttpRequest, **context) -> HttpResponse:
    """A page-level message for htmx: goes into #values-alert, nothing else moves."""
    response = render(request, f"{TEMPLATE}#alert", context)
    response["HX-Retarget"] = "#values-alert"
    response["HX-Reswap"] = "innerHTML"
    return response


@_autosave_signed_in
@member_required
@require_http_methods(["GET", "POST"])
def values(request: HttpRequest) -> HttpResponse:
    """The questionnaire with the member's answers; POST saves or clears one statement.

    Until the member agrees that their answers may be used for matching, the page asks
    for that instead (`consent`). A GET makes three queries of its own (consent,
    statements, answers) however much has been answered, besides what every page costs
    (session, user, the navigation's badge).
    """
    if request.method == "POST":
        return _post(request)
    if not has_values_consent(member=request.user):
        return render(request, TEMPLATE, {"consent": False, "progress": _unanswered_progress()})
    statements = current_statements()
    answers = answers_by_statement(member=request.user, statements=statements)
    return _page(request, statements, answers)


def _page(
    request: HttpRequest,
    statements: list[Statement],
    answers: dict[int, Answer],
    *,
    replace: Item | None = None,
    alert: str = "",
) -> HttpResponse:
    """The whole page; `replace` is a statement to show as posted (with its errors)."""
    keys = {s.key for s in statements}
    notes = {}
    for note in ("saved", "cleared"):
        key = request.GET.get(note)
        if key in keys:  # only ever a key we render: nothing from the URL is echoed
            notes[key] = note
    items = []
    for statement in statements:
        if replace is not None and replace.statement.pk == statement.pk:
            items.append(replace)
            continue
        answer = answers.get(statement.pk)
        items.append(
            Item(
                statement=statement,
                form=AnswerForm(statement=statement, answer=answer),
                answer=answer,
                note=notes.get(statement.key, ""),
            )
        )
    progress = progress_from([(s.key, s.pk in answers) for s in statements])
    return render(
        request,
        TEMPLATE,
        {"consent": True, "items": items, "progress": progress, "page_error": alert},
    )


def _unanswered_progress():
    """The questionnaire's size for the consent page's lede (one query)."""
    return progress_from([(s.key, False) for s in current_statements()])


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


def _statement_from(raw: str | None) -> tuple[Statement | None, bool]:
    """The posted statement and whether it belongs to the current questionnaire, in one
    query; (None, False) for anything that is not a statement's id."""
    if not raw or not re.fullmatch(r"[0-9]{1,9}", raw):
        return None, False
    statement = (
        Statement.objects.filter(pk=int(raw))
        .annotate(
            is_current=ExpressionWrapper(
                Q(questionnaire_id=current_questionnaire_id()), output_field=BooleanField()
            )
        )
        .first()
    )
    if statement is None:
        return None, False
    return statement, statement.is_current


def _post(request: HttpRequest) -> HttpResponse:
    """Save or clear one statement's answer; see the module docstring for the replies."""
    member = request.user
    statement, is_current = _statement_from(request.POST.get("statement"))
    if statement is None:
        if request.htmx:
            return _alert(request, message=UNKNOWN_STATEMENT)
        return _full_page_with(request, alert=UNKNOWN_STATEMENT)

    action = request.POST.get("action", "save")
    form = AnswerForm(request.POST, statement=statement)
    if not is_current:
        # Typically a page left open across a new questionnaire version. Keep what was
        # chosen on screen, say why it was not saved.
        form.is_valid()
        return _problem(request, Item(statement, form, None, error=OLD_VERSION_MESSAGE))

    if action == "clear":
        try:
            answer_clear(member=member, statement=statement)
        except ValidationError:  # a new version arrived between our check and the clear
            return _problem(request, Item(statement, form, None, error=OLD_VERSION_MESSAGE))
        return _done(request, statement, answer=None, note="cleared")

    if form.is_valid():
        try:
            answer = answer_save(
                member=member,
                statement=statement,
                choice=form.cleaned_data["choice"],
                accepted=form.accepted_mask,
                importance=form.cleaned_data["importance"],
                dealbreaker=form.cleaned_data["dealbreaker"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "no_consent":
                return _no_consent(request)
            # The form checks everything the model does; this is the belt to its braces
            # (and a version that changed between the two checks).
            _add_model_errors(form, error)
        else:
            return _done(request, statement, answer=answer, note="saved")
    existing = Answer.objects.filter(member=member, statement=statement).first()
    return _problem(request, Item(statement, form, existing))


def _no_consent(request: HttpRequest) -> HttpResponse:
    """A save from a page opened before consent was withdrawn (in another tab): nothing
    is saved. With htmx the choices stay on screen and the page says why; without, the
    page comes back asking for consent."""
    if request.htmx:
        return _alert(request, message=CONSENT_MESSAGE)
    messages.error(request, CONSENT_MESSAGE)
    return redirect("matching:values")


def _add_model_errors(form: AnswerForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, texts in error.message_dict.items():
        form.add_error(field if field in form.fields else None, texts)


def _done(request: HttpRequest, statement: Statement, *, answer, note: str) -> HttpResponse:
    if not request.htmx:
        url = reverse("matching:values")
        return redirect(f"{url}?{note}={statement.key}#s-{statement.key}")
    item = Item(
        statement=statement,
        form=AnswerForm(statement=statement, answer=answer),
        answer=answer,
        note=note,
    )
    return _fragment(request, item, values_progress(member=request.user))


def _problem(request: HttpRequest, item: Item) -> HttpResponse:
    """Not saved: the statement as posted, with its messages."""
    if not request.htmx:
        return _full_page_with(request, replace=item)
    return _fragment(request, item, values_progress(member=request.user))


def _full_page_with(request: HttpRequest, *, replace: Item | None = None, alert: str = ""):
    statements = current_statements()
    answers = answers_by_statement(member=request.user, statements=statements)
    if replace is not None and replace.error == OLD_VERSION_MESSAGE:
        # The old statement is not on the current page: say so at the top instead.
        return _page(request, statements, answers, alert=OLD_VERSION_MESSAGE)
    return _page(request, statements, answers, replace=replace, alert=alert)


def _fragment(request: HttpRequest, item: Item, progress: Progress) -> HttpResponse:
    return render(
        request,
        f"{TEMPLATE}#statement_response",
        {"item": item, "progress": progress, "oob": True},
    )
