"""`manage.py seed_demo --members N --seed S`: load the demo community (see members/demo/)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from hive.demo import DEMO_LOGINS
from matching.demo import seed_values
from members import demo


def _seed_values(seed: int) -> int:
    """Values answers (matching/demo.py) for every demo person with a profile, in the
    order they were created, so the same seed gives the same people the same answers.
    The demo member login answers only a few, so its home page offers the rest."""
    people = demo.User.objects.filter(
        Q(email__iendswith=f"@{demo.DEMO_DOMAIN}") | Q(email__in=DEMO_LOGINS.values()),
        profile__isnull=False,
    ).order_by("pk")
    member_login = people.filter(email=DEMO_LOGINS["member"]).values_list("pk", flat=True)
    return seed_values(
        user_ids=list(people.values_list("pk", flat=True)), rng_seed=seed, partly=list(member_login)
    )


class Command(BaseCommand):
    help = "Create a believable, deterministic demo community with bulk inserts."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=300, help="How many people (300).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (2026).")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already has demo data (what `make run` uses).",
        )
        parser.add_argument(
            "--replace", action="store_true", help="Delete existing demo people first."
        )

    def handle(self, *args, members: int, seed: int, if_empty: bool, replace: bool, **options):
        if members < 0:
            raise CommandError("--members must be zero or more.")
        if (
            demo.demo_data_exists()
            or demo.User.objects.filter(email__in=DEMO_LOGINS.values()).exists()
        ):
            if if_empty:
                self.stdout.write("Demo community already loaded; leaving it as it is.")
                return
            if not replace:
                raise CommandError(
                    "Demo data is already loaded. Use --replace to delete it and start again."
                )
            self.stdout.write(f"Deleted {demo.delete_demo_data()} demo rows.")
        started = time.perf_counter()
        with transaction.atomic():
            result = demo.seed_community(members=members, seed=seed)
            answers = _seed_values(seed)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.members} members, {result.applicants} applicants and "
                f"{result.lapsed} lapsed members, with {answers} values answers (seed {seed}) "
                f"in {elapsed:.1f}s."
            )
        )
