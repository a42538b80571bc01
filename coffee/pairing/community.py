"""The members of one round as arrays: what the pairing works on, with no Django.

`Seeker` and `Pair` are the interface the round service uses; `Community` holds the
same seekers as numpy columns (one row each, in user id order) beside their values
answers (a `matching.scoring.Snapshot` of exactly those rows) and their practice place
(unit vectors, as `matching.purposes.Features` holds them; NaN where unknown or hidden).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching import scoring


@dataclass(frozen=True)
class Seeker:
    """A member due for a coffee date this round, with their settings."""

    user_id: int
    in_person: bool  # open to meeting in person
    virtual: bool  # open to meeting by video
    travel_km: float  # how far they will travel for in person (0: not in person)
    waited: bool = False  # left unpaired last round: goes first this round


@dataclass(frozen=True)
class Pair:
    """Two members paired for this round."""

    a: int  # user ids, a < b
    b: int
    score: float  # 0..1, higher is better
    in_person: bool  # True when near enough for both and both open to in person


@dataclass(frozen=True)
class Community:
    """Every seeker of a round as (N,) columns, row i being user `user_ids[i]`."""

    user_ids: np.ndarray  # int64, strictly increasing
    in_person: np.ndarray  # bool
    virtual: np.ndarray  # bool
    travel_km: np.ndarray  # float32
    waited: np.ndarray  # bool
    values: scoring.Snapshot  # the same N rows; all zeros for a member with no answers
    x: np.ndarray  # float32 unit vector of the practice place, NaN where unknown
    y: np.ndarray
    z: np.ndarray

    def __post_init__(self) -> None:
        n = self.user_ids.shape[0]
        for name in ("in_person", "virtual", "travel_km", "waited", "x", "y", "z"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have one entry per seeker")
        if len(self.values) != n:
            raise ValueError("values must have one row per seeker")
        if n > 1 and not np.all(np.diff(self.user_ids) > 0):
            raise ValueError("user_ids must be strictly increasing")

    def __len__(self) -> int:
        return self.user_ids.shape[0]

    @property
    def located(self) -> np.ndarray:
        return np.isfinite(self.x) & np.isfinite(self.y) & np.isfinite(self.z)

    @classmethod
    def build(
        cls,
        seekers: Sequence[Seeker],
        *,
        values: scoring.Snapshot,
        xyz: np.ndarray,
    ) -> Community:
        """From seekers in any order, with their values rows and (N, 3) places in the
        same order as `seekers`: sorted by user id here, so the result does not depend
        on the order the caller listed them in."""
        ids = np.array([s.user_id for s in seekers], np.int64)
        if np.unique(ids).size != ids.size:
            raise ValueError("a member is listed twice")
        order = np.argsort(ids, kind="stable")
        pick = [seekers[i] for i in order]
        xyz = np.asarray(xyz, np.float32).reshape(len(seekers), 3)[order]
        rows = [getattr(values, name)[order] for name in ("choice_bit", "accepted")]
        rows += [getattr(values, name)[order] for name in ("weight", "dealbreaker")]
        in_person = np.array([s.in_person for s in pick], bool)
        travel = np.array([max(float(s.travel_km), 0.0) for s in pick], np.float32)
        return cls(
            user_ids=ids[order],
            in_person=in_person,
            virtual=np.array([s.virtual for s in pick], bool),
            # Not open to in person: no reach, whatever the settings page kept.
            travel_km=np.where(in_person, np.nan_to_num(travel, nan=0.0), np.float32(0)),
            waited=np.array([s.waited for s in pick], bool),
            values=scoring.Snapshot(values.keys, *rows),
            x=xyz[:, 0].copy(),
            y=xyz[:, 1].copy(),
            z=xyz[:, 2].copy(),
        )
