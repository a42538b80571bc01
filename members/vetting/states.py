"""The state machine's vocabulary and machinery.

`TRANSITIONS` is the one map of the application's moves: for each transition, the
states it may start from, the state it leads to and the history event it writes.
Transitions, forms and views ask it (`starts_from`, `can`); none restates it.

The helpers every transition is built from: `lock_application` takes the row lock,
`transition_apply` checks the state it starts from, changes it and appends the
ApplicationEvent, `require_deciding_staff` lets only staff with two-factor decide.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from members.models import Application, ApplicationEvent, User

Status = Application.Status
Action = ApplicationEvent.Action


class IllegalTransition(Exception):
    """The application is not in a state this action can start from."""


class StaffNeedsTwoFactor(PermissionDenied):
    """Staff decide on applications only with two-factor authentication turned on."""


@dataclass(frozen=True)
class Transition:
    starts_from: frozenset[str]
    to: str
    event: str  # the ApplicationEvent.Action it records
    verb: str  # for the error when it cannot start: "Cannot <verb> an application that …"


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({Status.DRAFT}), Status.SUBMITTED, Action.SUBMITTED, "submit"),
    "resubmit": Transition(
        frozenset({Status.CHANGES_REQUESTED}), Status.RESUBMITTED, Action.RESUBMITTED, "resubmit"
    ),
    "request_changes": Transition(
        frozenset({Status.SUBMITTED, Status.RESUBMITTED}),
        Status.CHANGES_REQUESTED,
        Action.CHANGES_REQUESTED,
        "request changes to",
    ),
    "approve": Transition(
        frozenset({Status.SUBMITTED, Status.RESUBMITTED}),
        Status.APPROVED,
        Action.APPROVED,
        "approve",
    ),
    # Approving a lapsed member again, after staff looked up the renewed license.
    "reinstate": Transition(
        frozenset({Status.LAPSED}), Status.APPROVED, Action.REINSTATED, "reinstate"
    ),
    "reject": Transition(
        frozenset({Status.SUBMITTED, Status.RESUBMITTED}),
        Status.REJECTED,
        Action.REJECTED,
        "reject",
    ),
    "lapse": Transition(frozenset({Status.APPROVED}), Status.LAPSED, Action.LAPSED, "lapse"),
    "suspend": Transition(
        frozenset(set(Status.values) - {Status.SUSPENDED}),
        Status.SUSPENDED,
        Action.SUSPENDED,
        "suspend",
    ),
}


def starts_from(*transitions: str) -> frozenset[str]:
    """The states any of these transitions may start from."""
    return frozenset().union(*(TRANSITIONS[name].starts_from for name in transitions))


def can(transition: str, status: str) -> bool:
    """Whether `transition` may start from `status`."""
    return status in TRANSITIONS[transition].starts_from


def lock_application(application_id: int) -> Application:
    """The application, locked for this transaction (SELECT … FOR UPDATE): whoever
    comes second waits, then sees the state the first one left."""
    return Application.objects.select_for_update().select_related("user").get(pk=application_id)


def transition_apply(
    application: Application, transition: str, *, actor: User | None, message: str = ""
) -> Application:
    """Move a locked application along `transition`, or raise IllegalTransition, and
    append the event to its history."""
    move = TRANSITIONS[transition]
    if application.status not in move.starts_from:
        raise IllegalTransition(
            f"Cannot {move.verb} an application that is {application.get_status_display().lower()}."
        )
    previous = application.status
    application.status = move.to
    application.save(update_fields=["status", "updated_at"])
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action=move.event,
        from_status=previous,
        to_status=move.to,
        message=message,
    )
    return application


def require_deciding_staff(reviewer: User) -> None:
    """Only staff decide, and only with two-factor sign-in on."""
    if not reviewer.is_staff:
        raise PermissionDenied("Only staff review applications.")
    if not reviewer.has_two_factor:
        raise StaffNeedsTwoFactor("Turn on two-factor authentication before deciding.")
