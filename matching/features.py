"""Profiles as purpose features: the privacy boundary of matching.

A feature is filled only from a field group its owner shows to all members
(`<group>_visibility == "members"`, the rule members/directory.py applies to search), and
left "unknown" otherwise (stage -1, profession -1, NaN place, empty bitsets, referrals
no). Everything that ranks or explains a suggestion (matching.engine, matching.reasons)
sees profiles only through here, so a hidden group can neither rank nor be named.

Why "all members" and not "what this viewer may see": suggestions are never made
between connections (they are excluded), so for any pair that can be suggested the two
coincide, and one masked copy per member serves every viewer. The viewer's own profile
is masked the same way: matching is reciprocal, using of each side only what the other
could see (the page says what to share to get suggestions for a purpose).
"""

from __future__ import annotations

import json

import numpy as np
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef

from matching import purposes
from matching.purposes import Features, Member, Vocabulary
from members.models import US_JURISDICTIONS, Profile, Term
from members.privacy import FIELD_GROUPS
from members.scope import scopes

_JURISDICTION_BIT = {code: bit for bit, (code, _) in enumerate(US_JURISDICTIONS)}
assert len(_JURISDICTION_BIT) <= 64, "telehealth jurisdictions no longer fit one uint64"
_STAGE = {slug: index for index, slug in enumerate(purposes.STAGES)}
_REFERRALS = {
    Profile.Referrals.YES: purposes.REFERRALS_YES,
    Profile.Referrals.WAITLIST: purposes.REFERRALS_WAITLIST,
}
_MEMBERS = Profile.Visibility.MEMBERS


def _group_of(field_name: str) -> str:
    """The privacy group a profile field belongs to (members.privacy is the one map)."""
    return next(group for group, names in FIELD_GROUPS.items() if field_name in names)


# Which visibility switch guards each feature; looked up once, so a field moved to
# another group in members/privacy.py moves here too.
_CREDENTIALS = _group_of("career_stage")
assert _group_of("profession") == _CREDENTIALS
_PRACTICE = _group_of("specialties")
assert {_group_of(name) for name in Vocabulary.FIELDS + ("accepting_referrals",)} == {_PRACTICE}
_LOCATION = _group_of("latitude")
assert _group_of("telehealth_jurisdictions") == _LOCATION

PROFILE_COLUMNS = (
    "user_id",
    "career_stage",
    "profession_id",
    "latitude",
    "longitude",
    "telehealth_jurisdictions",
    "accepting_referrals",
    f"{_CREDENTIALS}_visibility",
    f"{_PRACTICE}_visibility",
    f"{_LOCATION}_visibility",
)


def eligible_profiles():
    """Profiles that may be suggested at all (before any viewer's own exclusions)."""
    return Profile.objects.in_good_standing().filter(suggest_in_matches=True)


def term_ids():
    """A profile's term ids as an array column (a correlated subquery on the link
    table's index): no Term objects, no second query."""
    return ArraySubquery(
        Profile.terms.through.objects.filter(profile_id=OuterRef("pk")).values("term_id")
    )


def profile_rows(queryset) -> list[tuple]:
    """The columns features are made of, and the profile's term ids, in one query.

    Rows come as the driver returns them: at 100,000 members Django's per-row
    converters, above all decoding every JSON telehealth list, cost as much as the
    query. The JSON column stays text here; `features` decodes it only where it is
    used (a location shown to members, with jurisdictions)."""
    query = queryset.order_by("user_id").values_list(*PROFILE_COLUMNS, term_ids()).query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _codes(raw) -> list:
    """The telehealth jurisdictions of a raw row: JSON text (or None, or, from a driver
    that decodes JSON itself, already a list)."""
    if not raw:
        return []
    return json.loads(raw) if isinstance(raw, str) else raw


def features(rows: list[tuple], vocabulary: Vocabulary, capacity: int = 0) -> Features:
    """Features from `profile_rows`, each field kept only where its group is shown to
    all members (module docstring). Rows past len(rows), up to `capacity`, are spare:
    every field unknown."""
    n = len(rows)
    size = max(n, capacity)
    stage = np.full(size, purposes.UNKNOWN, np.int8)
    profession = np.full(size, purposes.UNKNOWN, np.int32)
    lat = np.full(size, np.nan)
    lon = np.full(size, np.nan)
    bitsets = {name: np.zeros(size, np.uint64) for name in Vocabulary.FIELDS}
    referrals = np.zeros(size, np.int8)
    telehealth = np.zeros(size, np.uint64)
    scope = np.zeros(size, np.uint64)
    discipline = np.full(size, purposes.UNKNOWN, np.int16)
    owners: list[int] = []  # (row, term id) pairs of shown practice terms, set below
    chosen: list[int] = []
    for i, row in enumerate(rows):
        (_, career, profession_id, latitude, longitude, codes, accepting) = row[:7]
        credentials_shown, practice_shown, location_shown = (v == _MEMBERS for v in row[7:10])
        if credentials_shown:
            stage[i] = _STAGE.get(career, purposes.UNKNOWN)
            if profession_id is not None:
                profession[i] = profession_id
                scope[i] = vocabulary.scope_bits.get(profession_id, 0)
                discipline[i] = vocabulary.disciplines.get(profession_id, purposes.UNKNOWN)
        if practice_shown:
            ids = row[10] or ()
            owners.extend([i] * len(ids))
            chosen.extend(ids)
            referrals[i] = _REFERRALS.get(accepting, purposes.REFERRALS_NO)
        if location_shown:
            if latitude is not None and longitude is not None:
                lat[i], lon[i] = latitude, longitude
            mask = 0
            for code in _codes(codes):
                if code in _JURISDICTION_BIT:
                    mask |= 1 << _JURISDICTION_BIT[code]
            telehealth[i] = mask
    _set_bits(bitsets, np.array(owners, np.intp), np.array(chosen, np.int64), vocabulary)
    xyz = purposes.unit_vectors(lat, lon)
    return Features(
        stage=stage,
        profession=profession,
        x=xyz[:, 0].copy(),
        y=xyz[:, 1].copy(),
        z=xyz[:, 2].copy(),
        referrals=referrals,
        telehealth=telehealth,
        scope=scope,
        discipline=discipline,
        **bitsets,
    )


def _set_bits(bitsets: dict, owners: np.ndarray, term_ids: np.ndarray, vocabulary) -> None:
    """OR each (owner row, term) pair into its kind's bitset, for all rows at once (a
    Python loop per term costs a second at 100,000 members)."""
    if not term_ids.size:
        return
    known = [(pk, field, bit) for pk, (field, bit) in vocabulary.bit_of.items()]
    size = max(int(term_ids.max()), max((pk for pk, _, _ in known), default=0)) + 1
    field_of = np.full(size, -1, np.int8)
    bit_of = np.zeros(size, np.uint64)
    for pk, field, bit in known:
        field_of[pk] = Vocabulary.FIELDS.index(field)
        bit_of[pk] = bit
    for index, name in enumerate(Vocabulary.FIELDS):
        mine = field_of[term_ids] == index
        np.bitwise_or.at(
            bitsets[name], owners[mine], np.left_shift(np.uint64(1), bit_of[term_ids[mine]])
        )


def member_features(profile: Profile, vocabulary: Vocabulary) -> Member:
    """One profile's features, masked exactly as in the snapshot (see many_features)."""
    return many_features([profile], vocabulary)[0]


def many_features(profiles, vocabulary: Vocabulary) -> list[Member]:
    """Features of a few loaded profiles at once, masked exactly as in the snapshot.
    Reads each profile's `term_ids` annotation (see `term_ids`) if it has one, else its
    (ideally prefetched) terms."""
    rows = []
    for profile in profiles:
        ids = getattr(profile, "term_ids", None)
        if ids is None:
            ids = [term.pk for term in profile.terms.all()]
        rows.append((*(getattr(profile, name) for name in PROFILE_COLUMNS), ids))
    batch = features(rows, vocabulary)
    return [batch.member(i) for i in range(len(rows))]


def vocabulary() -> Vocabulary:
    """Bits and labels for every taxonomy term (one query)."""
    rows = Term.objects.values_list("pk", "kind", "slug", "label")
    return Vocabulary.from_terms(rows, [name for _, name in US_JURISDICTIONS], scopes())
