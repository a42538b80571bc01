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

from members.models import US_JURISDICTIONS, Connection, Profile, Term, blocked_between
from members.services import NotAvailable

Visibility = Profile.Visibility

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
JURISDICTION_NAMES = dict(US_JURISDICTIONS)

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
    Visibility.MEMBERS: {"member", "connection"},
    Visibility.CONNECTIONS: {"connection"},
    Visibility.ONLY_ME: set(),
}


def visibility_of(profile: Profile, group: str) -> str:
    return getattr(profile, f"{group}_visibility")


def _groups_for_relation(profile: Profile, relation: str) -> set[str]:
    return {group for group in FIELD_GROUPS if relation in _AUDIENCE[visibility_of(profile, group)]}


def groups_seen_by_another(profile: Profile, *, connected: bool) -> set[str]:
    """The groups any other member in good standing sees, as a connection of the owner
    or not: the owner's own privacy preview. Runs no query."""
    return _groups_for_relation(profile, "connection" if connected else "member")


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
    return groups_seen_by_another(profile, connected=connected)


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


def profile_display(profile: Profile, groups) -> dict:
    """What the profile partial renders: only the fields of the visible `groups`, so a
    hidden field cannot reach the template at all. Uses prefetched terms (no query)."""
    shown: dict = {"display_name": profile.display_name, "handle": profile.handle}
    if "about" in groups:
        shown.update(pronouns=profile.pronouns, headline=profile.headline, bio=profile.bio)
    if "credentials" in groups:
        shown.update(
            profession=profile.profession.label if profile.profession else "",
            credential_tier=profile.get_credential_tier_display(),
            credentials=profile.credentials,
            career_stage=profile.get_career_stage_display(),
        )
    if "practice" in groups:
        labels: dict[str, list[str]] = {field: [] for field in TERM_KIND_FIELDS.values()}
        for term in profile.terms.all():
            field = TERM_KIND_FIELDS.get(term.kind)
            if field:
                labels[field].append(term.label)
        shown["terms"] = [
            (Term.Kind(kind).label if kind != Term.Kind.LOOKING_FOR else "Looking for", labels[f])
            for kind, f in TERM_KIND_FIELDS.items()
            if labels[f]
        ]
        shown.update(
            accepting_referrals=profile.get_accepting_referrals_display(),
            office_space=profile.get_office_space_display(),
        )
    if "location" in groups:
        shown["place"] = ", ".join(p for p in (profile.city, profile.region, profile.country) if p)
        shown["telehealth"] = [
            JURISDICTION_NAMES.get(code, code) for code in profile.telehealth_jurisdictions
        ]
    return shown
