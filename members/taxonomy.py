"""The controlled vocabularies (members/data/taxonomy.json), loaded by a data migration,
and every term as pages read them (`all_terms`)."""

import json
import time
import uuid
from pathlib import Path

from django.core.cache import cache
from django.db import transaction

DATA = Path(__file__).resolve().parent / "data" / "taxonomy.json"


def load_taxonomy(term_model) -> None:
    """Upsert every entry by (kind, slug). Takes the model so the data migration can
    pass its historical model."""
    for entry in json.loads(DATA.read_text(encoding="utf-8")):
        term_model.objects.update_or_create(
            kind=entry["kind"],
            slug=entry["slug"],
            defaults={"label": entry["label"], "position": entry["position"]},
        )


# --- Every term, for pages that show or filter by the whole taxonomy ------------------

# The taxonomy changes when staff edit it (the admin) and almost never otherwise, but the
# directory reads all ~150 terms on every request: 1.5-2.5 ms of query and model
# instances. Each process keeps them, tagged with a version token held in the cache; a
# saved or deleted term (after its transaction commits) draws a new token, and every
# process reloads at its next request. A token missing from the cache (cleared, evicted,
# Redis down) is a new token, so the worst an outage costs is a query per request. A
# copy also expires after MAX_AGE seconds, so even a change made outside the ORM (SQL
# in a shell, a data migration on a live site) shows within minutes.
VERSION_KEY = "members:taxonomy-version"
MAX_AGE = 300
_kept: tuple[str, float, tuple] | None = None  # (token, loaded at, the terms)


def _token() -> str:
    token = cache.get(VERSION_KEY)
    if token is None:
        fresh = uuid.uuid4().hex
        cache.add(VERSION_KEY, fresh, timeout=None)
        token = cache.get(VERSION_KEY) or fresh
    return token


def all_terms() -> list:
    """Every Term, in the model's order (kind, position, label), from this process's
    copy while it is current. The instances are shared: read them, never change them."""
    global _kept
    from members.models import Term

    token = _token()
    kept = _kept
    if kept is not None and kept[0] == token and time.monotonic() - kept[1] < MAX_AGE:
        return list(kept[2])
    terms = tuple(Term.objects.all())
    _kept = (token, time.monotonic(), terms)
    return list(terms)


def taxonomy_changed() -> None:
    """Every process reloads the terms at its next request (after this transaction
    commits, so none reloads the old ones under the new token)."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))
