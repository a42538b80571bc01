"""Which member objects a viewer may open: `access_<thing>(viewer, key)` fetches *and*
authorises, raising a 404 for anything the viewer may not know exists. Views and other
apps use these; they never filter by permission by hand.

(Who may open a page at all, by role, is `hive.access`.)
"""

from __future__ import annotations

from dataclasses import dataclass

from members.models import Connection, HandleRedirect, Profile, blocked_between
from members.privacy import visible_groups_for
from members.services import NotAvailable


class ProfileMoved(Exception):
    """The handle is an old one: the profile now lives at `profile.handle`."""

    def __init__(self, profile: Profile):
        super().__init__(profile.handle)
        self.profile = profile


@dataclass
class ProfileAccess:
    """A profile as one viewer may see it."""

    viewer_id: int
    profile: Profile
    groups: set[str]  # the field groups the viewer may see (members/privacy.py)
    connection: Connection | None  # the request or connection between viewer and owner

    @property
    def connection_state(self) -> str:
        """self / none / connected / sent / received, from the viewer's side."""
        if self.profile.user_id == self.viewer_id:
            return "self"
        if self.connection is None:
            return "none"
        return self.connection.state_for(self.viewer_id)


def access_profile(viewer, handle: str, *, follow_moved: bool = False) -> ProfileAccess:
    """Fetch the profile at `handle` and what `viewer` may see of it, in a fixed number
    of queries.

    Raises NotAvailable (a 404) when there is no such handle, when the owner is not a
    member in good standing, or when either blocked the other. An old handle of a
    profile the viewer may see raises ProfileMoved (checked after access, so a redirect
    never reveals where a hidden profile went), or with `follow_moved` (actions posted
    from a stale page) returns the profile at its current handle.
    """
    handle = handle.lower()
    profile = Profile.objects.with_terms().filter(handle=handle).first()
    moved = False
    if profile is None:
        old = HandleRedirect.objects.filter(old_handle=handle).values_list("profile", flat=True)
        profile = Profile.objects.with_terms().filter(pk__in=old).first()
        moved = True
    if profile is None or not profile.user.is_member:
        raise NotAvailable("No such member.")
    is_self = viewer.pk == profile.user_id
    connection = None if is_self else Connection.objects.between(viewer, profile.user_id).first()
    blocked = not is_self and blocked_between(viewer, profile.user_id)
    connected = connection is not None and connection.status == Connection.Status.ACCEPTED
    groups = visible_groups_for(profile, viewer, connected=connected, blocked=blocked)
    if moved and not follow_moved:
        raise ProfileMoved(profile)
    return ProfileAccess(viewer_id=viewer.pk, profile=profile, groups=groups, connection=connection)
