"""The demo: what `manage.py seed_demo` loads and `make run` prints.

Each app seeds its own demo data in its own module, `<app>/demo.py` (or a
`<app>/demo/` package). This module finds those modules by walking the installed apps
in INSTALLED_APPS order and calls them in that order, so an app seeds after the apps
it builds on (members before matching) and a new app joins the demo by adding its own
module, without a line changed here. `hive` imports no app: it knows them only
through settings.

An app's demo module provides:

    seed(context: DemoContext) -> None
        Required. Create the app's demo rows for `context.members` people from
        `context.seed` (the same seed gives the same rows), reading what the apps
        before it made (`context.people`, `context.login_ids`), adding what later apps
        may use, and a phrase for the summary (`context.summary`).
    loaded(context: DemoContext) -> bool
        Optional. Whether the app's demo rows are in the database already.
    clear(context: DemoContext) -> int
        Optional. Delete the app's demo rows (never anyone else's) and return how many
        rows went. Called in reverse INSTALLED_APPS order, before the apps an app
        builds on. An app whose rows all hang off another app's (answers off members'
        people) needs none: they go with them.

The demo logins and their password are project facts (the README and `make run` show
them), so they are here too; members' demo module creates the accounts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from types import ModuleType

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from hive.plugins import app_modules

DEMO_PASSWORD = "hive-demo-password"  # noqa: S105 - printed on purpose: it is the demo login
DEMO_LOGINS = {
    "staff": "staff@hive.test",
    "member": "member@hive.test",
    "applicant": "applicant@hive.test",
}
DEMO_MODULE = "demo"


@dataclass
class DemoContext:
    """What each app's demo module is given, and what it leaves for the apps after it."""

    members: int  # how many demo people (`--members`), the logins aside
    seed: int  # `--seed`
    # Ids of the demo people with a profile (members, lapsed members, the staff and
    # member logins), in the order they were created; applicants have no profile yet.
    people: list[int] = field(default_factory=list)
    login_ids: dict[str, int] = field(default_factory=dict)  # DEMO_LOGINS role -> user id
    summary: list[str] = field(default_factory=list)  # "284 members", "5013 values answers"

    def random(self, stream: str) -> random.Random:
        """A random stream of the app's own (name it after the app and the thing), so
        adding draws to one app leaves every other app's demo data unchanged."""
        return random.Random(f"{self.seed}:{stream}")


def demo_modules() -> list[ModuleType]:
    """Every installed app's demo module, in INSTALLED_APPS order (this one aside)."""
    found = []
    for module in app_modules(DEMO_MODULE):
        if not callable(getattr(module, "seed", None)):
            raise ImproperlyConfigured(
                f"{module.__name__} has no seed(context): see hive/demo.py for what a demo "
                "module provides."
            )
        found.append(module)
    return found


def demo_loaded(context: DemoContext) -> bool:
    """Whether any app's demo data is in the database."""
    return any(module.loaded(context) for module in demo_modules() if hasattr(module, "loaded"))


@transaction.atomic
def demo_clear(context: DemoContext) -> int:
    """Delete every app's demo data, the last app's first; return how many rows went."""
    modules = [module for module in demo_modules() if hasattr(module, "clear")]
    return sum(module.clear(context) for module in reversed(modules))


@transaction.atomic
def demo_seed(context: DemoContext) -> DemoContext:
    """Seed every app's demo data in INSTALLED_APPS order, in one transaction."""
    for module in demo_modules():
        module.seed(context)
    return context
