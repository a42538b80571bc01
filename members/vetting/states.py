"""The state machine's vocabulary and machinery: the states (`S`), the errors every
action raises, and the helpers each transition is built from: `_locked` takes the row
lock, `_move` checks the state it starts from, changes it and appends the
ApplicationEvent, `_require_deciding_staff` lets only staff with two-factor decide.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from members.models import Application, ApplicationEvent, User

S = Application.Status


class IllegalTransition(Exception):
    """The application is not in a state this action can start from."""


class StaffNeedsTwoFactor(PermissionDenied):
    """Staff decide on applications only with two-factor authentication turned on."""


def _locked(application_id: int) -> Application:
    return Application.objects.select_for_update().select_related("user").get(pk=application_id)


def _move(
    application: Application,
    *,
    allowed_from: set[str],
    to: str,
    action: str,
    actor: User | None,
    message: str = "",
) -> Application:
    if application.status not in allowed_from:
        raise IllegalTransition(
            f"Cannot {action.replace('_', ' ')} an application that is "
            f"{application.get_status_display().lower()}."
        )
    previous = application.status
    application.status = to
    application.save(update_fields=["status", "updated_at"])
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=previous,
        to_status=to,
        message=message,
    )
    return application


def _require_deciding_staff(reviewer: User) -> None:
    if not reviewer.is_staff:
        raise PermissionDenied("Only staff review applications.")
    if not reviewer.has_two_factor:
        raise StaffNeedsTwoFactor("Turn on two-factor authentication before deciding.")
