"""Which parts of a profile a viewer may see: the one field-visibility rule.

A profile's fields fall into four groups, each with an audience chosen by its owner
(`Profile.<group>_visibility`: members / my connections / only me). Display name, handle
and photo belong to no group: whoever may see the person at all sees them.

Pages ask `visible_groups()` (one profile; it looks up blocks and the connection) or
`visible_groups_for()` (lists, with the connection state computed for the whole page in
one query, so rendering 50 profiles costs no query per profile). Templates and
serialisers render only `profile_visible_field_names()`; a field not in the set is never
rendered or sent.
"""

from __future__ import annotations

from members.models import Connection, Profile, Term, blocked_between
from members.services import NotAvailable

V = Profile.Visibility

# group -> the fields in it. Names without a model field of their own are the term
# kinds of `Profile.terms` (see TERM_KIND_FIELDS) and "place" (city, region, country,
# coordinates).
FIELD_GROUPS: dict[str, frozenset[str]] = {
    "about": frozenset({"pronouns", "headline", "bio"}),
    "practice": frozenset(
        {
            "specialties",
            "modalities",
            "populations",
            "languages",
            "accepting_referrals",
            "office_space",
            "looking_for",
        }
    ),
    "location": frozenset(
        {"city", "region", "country", "latitude", "longitude", "telehealth_jurisdictions"}
    ),
    "credentials": frozenset({"profession", "credential_tier", "credentials", "career_stage"}),
}
ALL_GROUPS = frozenset(FIELD_GROUPS)

# The field name under which each kind of term in `Profile.terms` is shown.
TERM_KIND_FIELDS = {
    Term.Kind.SPECIALTY: "specialties",
    Term.Kind.MODALITY: "modalities",
    Term.Kind.POPULATION: "populations",
    Term.Kind.LANGUAGE: "languages",
    Term.Kind.LOOKING_FOR: "looking_for",
}

# Who, besides the owner, a visibility setting lets in.
_AUDIENCE = {
    V.MEMBERS: {"member", "connection"},
    V.CONNECTIONS: {"connection"},
    V.ONLY_ME: set(),
}


def visibility_of(profile: Profile, group: str) -> str:
    return getattr(profile, f"{group}_visibility")


def visible_groups_for(
    profile: Profile, viewer, *, connected: bool, blocked: bool = False
) -> set[str]:
    """The field groups of `profile` that `viewer` may see, given whether the two are
    connected (an accepted connection) and blocked either way. Runs no query.

    Raises NotAvailable when the profile does not exist for the viewer: a visitor, an
    applicant or any non-member, or a blocked pair. The owner always sees everything.
    """
    if viewer is None or not viewer.is_authenticated:
        raise NotAvailable("No such member.")
    if viewer.pk == profile.user_id:
        return set(ALL_GROUPS)
    if not viewer.is_member or blocked:
        raise NotAvailable("No such member.")
    relation = "connection" if connected else "member"
    return {group for group in FIELD_GROUPS if relation in _AUDIENCE[visibility_of(profile, group)]}


def visible_groups(profile: Profile, viewer) -> set[str]:
    """The field groups of `profile` that `viewer` may see (see `visible_groups_for`);
    looks up the block and the connection between the two."""
    if viewer is None or not viewer.is_authenticated:
        raise NotAvailable("No such member.")
    if viewer.pk == profile.user_id:
        return set(ALL_GROUPS)
    if not viewer.is_member:
        raise NotAvailable("No such member.")
    connected = (
        Connection.objects.between(viewer, profile.user_id)
        .filter(status=Connection.Status.ACCEPTED)
        .exists()
    )
    return visible_groups_for(
        profile, viewer, connected=connected, blocked=blocked_between(viewer, profile.user_id)
    )


def fields_of_groups(groups) -> set[str]:
    """Every field name in the given groups."""
    return {name for group in groups for name in FIELD_GROUPS[group]}


def profile_visible_field_names(profile: Profile, viewer) -> set[str]:
    """The profile fields `viewer` may see; raises NotAvailable like `visible_groups`."""
    return fields_of_groups(visible_groups(profile, viewer))
