"""Load the terms the scope-of-practice table needs (medication management, diabetes,
peer support, …): re-runs the idempotent taxonomy upsert."""

from django.db import migrations

from members.taxonomy import load_taxonomy


def load(apps, schema_editor):
    load_taxonomy(apps.get_model("members", "Term"))


class Migration(migrations.Migration):
    dependencies = [("members", "0015_application_event_action_choices")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
