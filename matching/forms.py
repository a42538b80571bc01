"""Forms for the values questionnaire: one small form per statement."""

from __future__ import annotations

from django import forms

from hive.widgets import QuickCheckboxSelectMultiple, QuickRadioSelect
from matching.models import Answer, Statement

DEALBREAKER_ON_IRRELEVANT = (
    "A statement that doesn’t matter to you can’t be a dealbreaker. Untick “Dealbreaker”, "
    "or choose how much it matters."
)


class AnswerForm(forms.Form):
    """My answer to one statement, the answers I accept, how much it matters, and
    whether it is a dealbreaker.

    Field names are the same in every statement's form (the statement travels in a
    hidden input the view reads first); `auto_id` makes the ids unique on the page, and
    stable, so htmx can put the focus back after it swaps a statement's block.
    """

    choice = forms.TypedChoiceField(
        label="My answer",
        coerce=int,
        widget=QuickRadioSelect,
        error_messages={
            "required": "Choose your own answer first.",
            "invalid_choice": "Choose one of the answers listed.",
        },
    )
    accepted = forms.TypedMultipleChoiceField(
        label="Answers I accept from a colleague",
        coerce=int,
        widget=QuickCheckboxSelectMultiple,
        error_messages={
            "required": "Tick at least one answer you accept from a colleague.",
            "invalid_choice": "Tick only answers from the list.",
        },
    )
    importance = forms.TypedChoiceField(
        label="How much it matters",
        coerce=int,
        choices=Answer.Importance.choices,
        widget=QuickRadioSelect,
        error_messages={
            "required": "Choose how much this matters to you.",
            "invalid_choice": "Choose irrelevant, a little, somewhat or very.",
        },
    )
    # The template spells out what it does inside the label (one tap target, read once).
    dealbreaker = forms.BooleanField(label="Dealbreaker", required=False)

    def __init__(self, *args, statement: Statement, answer: Answer | None = None, **kwargs):
        kwargs.setdefault("auto_id", f"id_{statement.key}_%s")
        if answer is not None:
            initial = {
                "choice": answer.choice,
                "accepted": [i for i in range(statement.option_count) if answer.accepted >> i & 1],
                "importance": answer.importance,
                "dealbreaker": answer.dealbreaker,
            }
        else:
            # Until the member narrows them, every answer is acceptable: the generous
            # default, and the one that never rules anyone out by accident.
            initial = {
                "accepted": list(range(statement.option_count)),
                "importance": Answer.Importance.SOMEWHAT,
                "dealbreaker": False,
            }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.statement = statement
        options = list(enumerate(statement.options))
        self.fields["choice"].choices = options
        self.fields["accepted"].choices = options

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("dealbreaker") and cleaned.get("importance") == Answer.Importance.IRRELEVANT:
            self.add_error("dealbreaker", DEALBREAKER_ON_IRRELEVANT)
        return cleaned

    @property
    def accepted_mask(self) -> int:
        """The accepted options as the bitmask `Answer.accepted` stores."""
        return sum(1 << index for index in set(self.cleaned_data["accepted"]))
