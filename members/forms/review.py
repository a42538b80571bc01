"""Forms of the staff review pages (/review/): the queue's filters, the decisions and the
license checklist entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from members.models import US_JURISDICTIONS, Application, Profile, User
from members.vetting import starts_from

Status = Application.Status

# Queue filter value → the statuses it shows. "waiting" is the work to do.
STATUS_FILTERS: dict[str, tuple[str, list[str] | None]] = {
    "waiting": ("Waiting for review", [Status.SUBMITTED, Status.RESUBMITTED]),
    "changes_requested": ("Changes requested", [Status.CHANGES_REQUESTED]),
    "renewal": ("Renewed license to re-verify", [Status.LAPSED]),
    "approved": ("Approved", [Status.APPROVED]),
    "rejected": ("Rejected", [Status.REJECTED]),
    "lapsed": ("Lapsed (license expired)", [Status.LAPSED]),
    "suspended": ("Suspended", [Status.SUSPENDED]),
    "draft": ("Drafts (not yet submitted)", [Status.DRAFT]),
    "all": ("All except drafts", None),
}
AGE_FILTERS = {
    "": "Any age",
    "2": "Submitted more than 2 days ago",
    "7": "Submitted more than 7 days ago",
}


class QueueFilterForm(forms.Form):
    """The queue's filters (GET). Anything unknown falls back to its default, so a
    hand-edited or stale URL still shows a sensible queue."""

    status = forms.ChoiceField(
        choices=[(value, label) for value, (label, _) in STATUS_FILTERS.items()],
        required=False,
    )
    age = forms.ChoiceField(label="Waiting", choices=list(AGE_FILTERS.items()), required=False)
    jurisdiction = forms.ChoiceField(
        choices=[("", "Any jurisdiction"), *US_JURISDICTIONS], required=False
    )
    tier = forms.ChoiceField(
        label="Credential tier",
        choices=[("", "Any tier"), *Profile.Tier.choices],
        required=False,
    )

    claimed = forms.ChoiceField(
        label="Claimed",
        choices=[("", "Claimed or not"), ("mine", "Claimed by me"), ("unclaimed", "Not claimed")],
        required=False,
    )

    DEFAULTS = {"status": "waiting", "age": "", "jurisdiction": "", "tier": "", "claimed": ""}

    def __init__(self, data=None, **kwargs):
        data = data if data is not None else {}
        # A bad value in one filter must not discard the others: drop only that one.
        cleaned = dict(self.DEFAULTS)
        for name in self.DEFAULTS:
            value = data.get(name, "")
            if value in dict(self.base_fields[name].choices):
                cleaned[name] = value
        if not cleaned["status"]:
            cleaned["status"] = "waiting"
        super().__init__(cleaned, **kwargs)

    def filters(self) -> dict[str, str]:
        self.is_valid()  # always valid: the data was normalised above
        return {name: self.cleaned_data.get(name) or "" for name in self.DEFAULTS}

    def apply(
        self, queryset: QuerySet[Application], *, now=None, viewer=None
    ) -> QuerySet[Application]:
        """The queue for these filters, oldest first, in a stable order."""
        now = now or timezone.now()
        chosen = self.filters()
        _, statuses = STATUS_FILTERS[chosen["status"]]
        if statuses is None:
            queryset = queryset.exclude(status=Status.DRAFT)
        else:
            queryset = queryset.filter(status__in=statuses)
        if chosen["status"] == "renewal":
            queryset = queryset.filter(renewal_submitted_at__isnull=False)
        if chosen["age"]:
            queryset = queryset.filter(submitted_at__lt=now - timedelta(days=int(chosen["age"])))
        if chosen["jurisdiction"]:
            queryset = queryset.filter(license_jurisdiction=chosen["jurisdiction"])
        if chosen["tier"]:
            queryset = queryset.filter(credential_tier=chosen["tier"])
        if chosen["claimed"] == "mine" and viewer is not None:
            queryset = queryset.filter(claimed_by=viewer)
        elif chosen["claimed"] == "unclaimed":
            queryset = queryset.filter(claimed_by__isnull=True)
        if chosen["status"] == "draft":
            # Drafts have no submission date: newest first is the useful order.
            return queryset.order_by("-created_at", "-pk")
        if chosen["status"] == "renewal":
            return queryset.order_by("renewal_submitted_at", "pk")
        return queryset.order_by(F("submitted_at").asc(nulls_last=True), "pk")

    @property
    def is_default(self) -> bool:
        return self.filters() == self.DEFAULTS


# --- Decisions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    action: str
    title: str
    button: str
    field_label: str
    help_text: str
    required: bool
    transitions: tuple[str, ...]  # the vetting transitions it may take
    danger: bool = False

    @property
    def allowed_from(self) -> frozenset[str]:
        """The states this decision is offered in: those its transitions start from."""
        return starts_from(*self.transitions)


DECISIONS: dict[str, Decision] = {
    decision.action: decision
    for decision in [
        Decision(
            action="approve",
            title="Approve",
            button="Approve and welcome",
            field_label="Note",
            help_text="Optional. Included in the welcome email and kept in the history.",
            required=False,
            transitions=("approve", "reinstate"),
        ),
        Decision(
            action="request_changes",
            title="Request changes",
            button="Send the request",
            field_label="What should the applicant change?",
            help_text="Required. The applicant reads this on their status page and by email.",
            required=True,
            transitions=("request_changes",),
        ),
        Decision(
            action="reject",
            title="Reject",
            button="Reject the application",
            field_label="Reason",
            help_text="Required. The applicant reads this by email: be kind and specific.",
            required=True,
            transitions=("reject",),
            danger=True,
        ),
        Decision(
            action="suspend",
            title="Suspend",
            button="Suspend the account",
            field_label="Reason",
            help_text="Required. Kept in the history and the audit log.",
            required=True,
            transitions=("suspend",),
            danger=True,
        ),
    ]
}


def decisions_for(status: str) -> list[Decision]:
    """The decisions that can start from this status, in the order the page shows them."""
    return [d for d in DECISIONS.values() if status in d.allowed_from]


class DecisionForm(forms.Form):
    """One decision: a message whose label and requiredness depend on the action.

    Each decision on the page is its own <form>, prefixed with its action so that the
    field ids stay unique and a re-rendered form keeps what was typed.
    """

    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args, decision: Decision, **kwargs):
        kwargs.setdefault("prefix", decision.action)
        super().__init__(*args, **kwargs)
        self.decision = decision
        field = self.fields["message"]
        field.label = decision.field_label
        field.help_text = decision.help_text
        field.required = decision.required
        if decision.required:
            field.error_messages["required"] = {
                "request_changes": "Tell the applicant what to change.",
                "reject": "Give the applicant a reason.",
                "suspend": "Record why the account is suspended.",
            }.get(decision.action, "This field is required.")


class LicenseCheckForm(forms.Form):
    """Checklist: what staff looked up on the licensing board's site."""

    note = forms.CharField(
        label="What did you check?",
        max_length=300,
        help_text="For example the board's lookup URL and what it showed "
        "(active, expiry date, no discipline).",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Note where you looked the license up and what it showed."},
    )


class ReviewNoteForm(forms.Form):
    body = forms.CharField(
        label="A note for other reviewers",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only staff see it, never the applicant. It stays in the application's notes.",
        error_messages={"required": "Write the note first."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label="Email, name, handle or license number",
        max_length=120,
        required=False,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def search(self) -> QuerySet:
        """Everyone whose email, member name, handle, legal name or license number
        contains the words typed, newest accounts first (erased accounts left out)."""
        words = self.cleaned_data["q"].strip().lstrip("@")
        return (
            User.objects.filter(erased_at__isnull=True)
            .filter(
                Q(email__icontains=words)
                | Q(profile__display_name__icontains=words)
                | Q(profile__handle__icontains=words)
                | Q(application__legal_name__icontains=words)
                | Q(application__license_number__icontains=words)
            )
            .select_related("profile", "application")
            .order_by("-date_joined", "-pk")
        )
