"""The controlled vocabularies (members/data/taxonomy.json), loaded by a data migration."""

import json
from pathlib import Path

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
