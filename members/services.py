"""Writes in the members app that enforce a rule or leave a record."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from members.models import AuditEvent, User


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    try:
        # allauth's view of the client address honours ALLAUTH_TRUSTED_PROXY_COUNT.
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None


_SUBJECT = object()


def audit_record(
    *,
    action: str,
    subject: User | None,
    actor: User | None | object = _SUBJECT,
    request: HttpRequest | None = None,
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one security-relevant event to the audit log.

    `actor` is who did it: by default the subject themself; None when nobody known did
    (a failed login); a staff member for decisions taken about someone else.
    """
    return AuditEvent.objects.create(
        action=action,
        subject=subject,
        actor=subject if actor is _SUBJECT else actor,
        reason=reason,
        ip_address=_client_ip(request),
        data=data or {},
    )
