"""`manage.py seed_demo --members N --seed S`: load the demo community (see members/demo.py)."""

import time

from django.core.management.base import BaseCommand, CommandError

from members import demo


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
            or demo.User.objects.filter(email__in=demo.DEMO_LOGINS.values()).exists()
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
        result = demo.seed_community(members=members, seed=seed)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.members} members, {result.applicants} applicants and "
                f"{result.lapsed} lapsed members (seed {seed}) in {elapsed:.1f}s."
            )
        )
