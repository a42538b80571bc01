"""Who may see what of a consultation group: fetch and authorise, or 404.

- `access_group(user, slug)`: the group's public facts (name, focus, format, cadence,
  open seats, organizer), for a listed group, or an unlisted one the viewer has a place
  in or an invitation to; staff see any group's facts. Never the member list.
- `access_group_content(user, slug)`: sessions, rota, notes, discussion and the member
  list: only for an active member who accepted the group's *current* agreement.
- `access_session(user, slug, session_id)`: one session, under the same rule; whether
  the viewer stepped out of its case (then its notes are not theirs to read).

A group whose organizer is in a block with the viewer does not exist for them (the
block rule: the organizer is one of its public facts).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.http import Http404

from groups.models import Group, Membership, Recusal, Session


@dataclass
class GroupAccess:
    group: Group
    membership: Membership | None  # the viewer's own row, whatever its status
    viewer: object

    @property
    def status(self) -> str:
        return self.membership.status if self.membership else ""

    @property
    def is_active(self) -> bool:
        return self.status == Membership.Status.ACTIVE

    @property
    def is_organizer(self) -> bool:
        return self.membership is not None and self.membership.is_organizer

    @property
    def has_current_agreement(self) -> bool:
        return self.membership is not None and self.membership.has_current_agreement(self.group)

    @property
    def sees_content(self) -> bool:
        """Sessions, rota, notes, discussion and who the members are."""
        return self.has_current_agreement

    @property
    def is_staff_view(self) -> bool:
        return bool(getattr(self.viewer, "is_staff", False)) and not self.is_active

    @cached_property
    def seats_taken(self) -> int:
        """Members seated, and seats offered from the waitlist (held for someone)."""
        return Membership.objects.filter(group=self.group).holding_seats().count()

    @property
    def open_seats(self) -> int:
        return max(self.group.capacity - self.seats_taken, 0)

    @property
    def asked_to_organize(self) -> bool:
        return self.group.handover_to_id is not None and self.group.handover_to_id == getattr(
            self.viewer, "pk", None
        )


def _group(user, slug: str) -> GroupAccess:
    if not isinstance(slug, str) or len(slug) > 70:
        raise Http404("No such group.")
    group = (
        Group.objects.visible_to(user)
        .select_related("organizer__profile")
        .filter(slug=slug)
        .first()
    )
    if group is None:
        raise Http404("No such group.")
    membership = Membership.objects.filter(group=group, member=user).first()
    return GroupAccess(group=group, membership=membership, viewer=user)


def access_group(user, slug: str) -> GroupAccess:
    """The group's public facts, or 404. An unlisted group exists only for those with
    a place in it (or an invitation or request to it) and for staff."""
    if user is None or not user.is_authenticated or not (user.is_member or user.is_staff):
        raise Http404("No such group.")
    access = _group(user, slug)
    known = access.membership is not None and access.membership.status in (
        Membership.Status.ACTIVE,
        Membership.Status.WAITLISTED,
        Membership.Status.OFFERED,
        Membership.Status.INVITED,
        Membership.Status.REQUESTED,
        Membership.Status.DECLINED,
    )
    if not access.group.listed and not known and not user.is_staff:
        raise Http404("No such group.")
    return access


def access_group_content(user, slug: str) -> GroupAccess:
    """The group for an active member who accepted its current agreement, or 404."""
    access = access_group(user, slug)
    if not access.sees_content:
        raise Http404("No such group.")
    return access


@dataclass
class SessionAccess:
    group_access: GroupAccess
    session: Session
    recused: bool

    @property
    def is_presenter(self) -> bool:
        return self.session.presenter_id == self.group_access.viewer.pk

    @property
    def sees_recusals(self) -> bool:
        return self.is_presenter or self.group_access.is_organizer

    @property
    def sees_notes(self) -> bool:
        return not self.recused


def access_session(user, slug: str, session_id) -> SessionAccess:
    """One session of a group whose content the viewer may see, or 404."""
    access = access_group_content(user, slug)
    session = (
        Session.objects.filter(group=access.group, pk=session_id)
        .select_related("presenter__profile")
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    recused = Recusal.objects.filter(session=session, member=user).exists()
    return SessionAccess(group_access=access, session=session, recused=recused)
