"""A believable, deterministic demo community, built with bulk inserts.

`seed_demo` (and the benchmarks) call `seed_community()`. The same seed gives the same
people, places and practice details; 10,000 members take seconds, not minutes, because
every table is filled with `bulk_create` and one password hash is shared by all demo
accounts.

Every member and lapsed member has the application that let them in (approved, or
lapsed with an expired license, a few with a renewed one waiting), and a handful of
applicants have complete applications waiting for the demo staff account, so the review
queue has work in it. The demo applicant login keeps no application: a visitor trying
the demo fills in a fresh draft.

Members know a few colleagues, mostly in their own city (accepted connections and some
open requests, a dozen for the demo member login), and a few have blocked someone.

- community.py: `seed_community()` (the people and their profiles, then the rest),
  `SeedResult`, `demo_data_exists()`, `delete_demo_data()`, DEMO_DOMAIN.
- data.py: the names, professions, bios, cities and weights people are drawn from, and
  the helpers every part draws and inserts with.
- applications.py: each person's application, references, history and vouches.
- network.py: connections, open requests and blocks among members.
"""

from members.demo.community import (
    DEMO_DOMAIN,
    SeedResult,
    delete_demo_data,
    demo_data_exists,
    seed_community,
)
from members.demo.data import FIRST_NAMES, LAST_NAMES, largest_cities
from members.models import User  # seed_demo reads `demo.User`

__all__ = [
    "DEMO_DOMAIN",
    "FIRST_NAMES",
    "LAST_NAMES",
    "SeedResult",
    "User",
    "largest_cities",
    "delete_demo_data",
    "demo_data_exists",
    "seed_community",
]
