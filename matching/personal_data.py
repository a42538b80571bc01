"""What matching holds about a person, for their export and their erasure (the
protocol is in hive/personal_data.py)."""

from __future__ import annotations

from django.db.models import Q

from matching.models import Answer, Dismissal, MatchingChange, SuggestionFeedback, ValuesConsent
from matching.services import matching_changed
from members.personal_data import handles_of

MODELS = {
    Answer: "delete",
    ValuesConsent: "delete",
    Dismissal: "delete",  # those they made, and those others made of them
    SuggestionFeedback: "delete",  # what they said of suggestions, and what others said of them
    # One row (id and time) that tells every web process to drop the member from its
    # suggestion snapshot: erasure writes it, and it holds nothing about them.
    MatchingChange: "keep",
}


def _iso(value):
    return value.isoformat() if value is not None else None


def export_data(user) -> dict:
    consent = ValuesConsent.objects.filter(member=user).first()
    answers = Answer.objects.filter(member=user).select_related("statement__questionnaire")
    dismissals = list(Dismissal.objects.filter(member=user).order_by("created_at"))
    feedback = list(SuggestionFeedback.objects.filter(member=user).order_by("pk"))
    handles = handles_of([d.other_id for d in dismissals] + [f.other_id for f in feedback])
    return {
        "values_consent": {"given_at": _iso(consent.given_at)} if consent else None,
        "values_answers": [
            {
                "questionnaire_version": a.statement.questionnaire.version,
                "statement": a.statement.text,
                "my_answer": a.statement.options[a.choice],
                "answers_i_accept": [
                    option
                    for index, option in enumerate(a.statement.options)
                    if a.accepted & (1 << index)
                ],
                "importance": a.get_importance_display(),
                "dealbreaker": a.dealbreaker,
                "updated_at": _iso(a.updated_at),
            }
            for a in answers.order_by("statement__questionnaire__version", "statement__position")
        ],
        "dismissed_suggestions": [
            {
                "member": handles[d.other_id],
                "purpose": d.get_purpose_display(),
                "kind": d.get_kind_display(),
                "until": _iso(d.until),
                "at": _iso(d.created_at),
            }
            for d in dismissals
        ],
        "suggestion_feedback": [
            {
                "member": handles[f.other_id],
                "purpose": f.get_purpose_display(),
                "good_suggestion": f.get_verdict_display(),
            }
            for f in feedback
        ],
    }


def erase_data(user) -> None:
    Answer.objects.filter(member=user).delete()
    ValuesConsent.objects.filter(member=user).delete()
    Dismissal.objects.filter(Q(member=user) | Q(other=user)).delete()
    SuggestionFeedback.objects.filter(Q(member=user) | Q(other=user)).delete()
    # A deleted answer leaves no timestamp: tell the engine this member changed.
    matching_changed(user.pk)
