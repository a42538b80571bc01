"""Load the new "looking for" vocabulary (re-runs the idempotent taxonomy upsert)."""

from django.db import migrations

from members.taxonomy import load_taxonomy


def load(apps, schema_editor):
    load_taxonomy(apps.get_model("members", "Term"))


class Migration(migrations.Migration):
    dependencies = [("members", "0007_profile_privacy")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
