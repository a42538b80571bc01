"""Load the controlled vocabularies from members/data/taxonomy.json.

Re-running is safe: entries are matched by (kind, slug) and their label/position updated.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "taxonomy.json"


def load_taxonomy(apps, schema_editor):
    Term = apps.get_model("members", "Term")
    for entry in json.loads(DATA.read_text(encoding="utf-8")):
        Term.objects.update_or_create(
            kind=entry["kind"],
            slug=entry["slug"],
            defaults={"label": entry["label"], "position": entry["position"]},
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(load_taxonomy, migrations.RunPython.noop)]
