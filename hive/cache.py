"""The Redis cache, made to degrade instead of failing when Redis is unreachable."""

from django_redis.cache import RedisCache


class ResilientRedisCache(RedisCache):
    """django-redis with IGNORE_EXCEPTIONS turns an outage into cache misses. One gap
    remains: allauth's rate limiter takes a lock with `cache.add()` and, when the add
    never succeeds, treats the request as over the limit, so every login would get a
    429 while Redis is down. We report a failed add as acquired instead: rate limits
    are not enforced during an outage (it is logged), but members can still log in.
    """

    def add(self, *args, **kwargs):
        added = super().add(*args, **kwargs)
        return True if added is None else added
