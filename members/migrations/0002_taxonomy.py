"""Load the controlled vocabularies from members/data/taxonomy.json (re-runnable)."""

from django.db import migrations

from members.taxonomy import load_taxonomy


def load(apps, schema_editor):
    load_taxonomy(apps.get_model("members", "Term"))


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
