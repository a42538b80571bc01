"""`manage.py seed_demo --members N --seed S`: load the demo, every app's own demo module
in INSTALLED_APPS order (see hive/demo.py)."""

import time

from django.core.management.base import BaseCommand, CommandError

from hive.demo import DemoContext, demo_clear, demo_loaded, demo_seed


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
            "--replace", action="store_true", help="Delete existing demo data first."
        )

    def handle(self, *args, members: int, seed: int, if_empty: bool, replace: bool, **options):
        if members < 0:
            raise CommandError("--members must be zero or more.")
        context = DemoContext(members=members, seed=seed)
        if demo_loaded(context):
            if if_empty:
                self.stdout.write("Demo community already loaded; leaving it as it is.")
                return
            if not replace:
                raise CommandError(
                    "Demo data is already loaded. Use --replace to delete it and start again."
                )
            self.stdout.write(f"Deleted {demo_clear(context)} demo rows.")
        started = time.perf_counter()
        demo_seed(context)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {'; '.join(context.summary) or 'nothing'} (seed {seed}) in {elapsed:.1f}s."
            )
        )
