"""How fast `seed_demo` builds a community, against a floor measured in the same run.

    .venv/bin/python benchmarks/seed.py [--members 10000] [--seed 1] [--repeat 3]

The floor is the cheapest possible version of the same work: bulk-inserting N bare
user rows. The ratio says what the realistic community (emails, profiles, ~11 taxonomy
links each) costs on top; absolute seconds vary with the machine's load.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _db import drop_scratch_database, use_scratch_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    use_scratch_database()
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from members.demo import seed_community
    from members.models import Profile, User

    def reset() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE members_user, members_profile, members_profile_terms, "
                "account_emailaddress RESTART IDENTITY CASCADE"
            )

    def floor() -> float:
        password = make_password("x")
        started = time.perf_counter()
        User.objects.bulk_create(
            [User(email=f"floor{i}@bench.test", password=password) for i in range(args.members)],
            batch_size=2000,
        )
        return time.perf_counter() - started

    def community() -> float:
        started = time.perf_counter()
        seed_community(members=args.members, seed=args.seed)
        return time.perf_counter() - started

    floors, seeds = [], []
    try:
        for _ in range(args.repeat):
            reset()
            floors.append(floor())
            reset()
            seeds.append(community())
        rows = Profile.objects.count(), Profile.terms.through.objects.count()
    finally:
        drop_scratch_database()

    f, s = statistics.median(floors), statistics.median(seeds)
    print(f"seed_demo --members {args.members} (median of {args.repeat}, scratch database)")
    print(f"  floor: bulk insert of {args.members} bare users   {f:7.2f} s")
    print(f"  seed_demo community                          {s:7.2f} s")
    print(f"  ratio to floor                               {s / f:7.1f} x")
    print(f"  members per second                           {args.members / s:7.0f}")
    print(f"  rows: {rows[0]} profiles, {rows[1]} taxonomy links")


if __name__ == "__main__":
    main()
