"""Exit 0 when the PostgreSQL and Redis named by the URLs answer, 1 otherwise.

Usage: services_up.py DATABASE_URL REDIS_URL
"""

import sys

import psycopg
import redis


def main(database_url: str, redis_url: str) -> int:
    try:
        with psycopg.connect(database_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except (psycopg.Error, redis.RedisError) as exc:
        print(f"not reachable: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
