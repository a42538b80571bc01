"""Members' demo module: a believable, deterministic demo community, built with bulk
inserts. `seed_demo` (hive/demo.py) calls `seed()` first of the apps, then the apps
after it use the people it made; tests and benchmarks call `seed_community()` alone.

The same seed gives the same people, places and practice details; 10,000 members take
seconds, not minutes, because every table is filled with `bulk_create` and one
password hash is shared by all demo accounts.

Every member and lapsed member has the application that let them in (approved, or
lapsed with an expired license, a few with a renewed one waiting), and a handful of
applicants have complete applications waiting for the demo staff account, so the review
queue has work in it. The demo applicant login keeps no application: a visitor trying
the demo fills in a fresh draft.

Members know a few colleagues, mostly in their own city (accepted connections and some
open requests, a dozen for the demo member login), and a few have blocked someone.

- community.py: `seed_community()` (the people and their profiles, then the rest),
  `SeedResult`, `demo_accounts()`, DEMO_DOMAIN.
- data.py: the names, professions, bios, cities and weights people are drawn from, and
  the helpers every part draws and inserts with.
- applications.py: each person's application, references, history and vouches.
- network.py: connections, open requests and blocks among members.
"""

from hive.demo import DemoContext
from members.demo.community import DEMO_DOMAIN, SeedResult, demo_accounts, seed_community
from members.demo.data import FIRST_NAMES, LAST_NAMES, largest_cities

__all__ = [
    "DEMO_DOMAIN",
    "FIRST_NAMES",
    "LAST_NAMES",
    "SeedResult",
    "clear",
    "demo_accounts",
    "largest_cities",
    "loaded",
    "seed",
    "seed_community",
]


def seed(context: DemoContext) -> None:
    """The demo community, and its people and logins for the apps seeded after members."""
    result = seed_community(members=context.members, seed=context.seed)
    context.people.extend(result.people)
    context.login_ids.update(result.login_ids)
    context.summary.append(
        f"{result.members} members, {result.applicants} applicants and "
        f"{result.lapsed} lapsed members"
    )


def loaded(context: DemoContext) -> bool:
    return demo_accounts().exists()


def clear(context: DemoContext) -> int:
    """Delete the demo accounts and, with them, everything any app hung off them."""
    count, _ = demo_accounts().delete()
    return count
