"""Load the terms the scope-of-practice table needs (medication management, diabetes,
peer support, …): re-runs the idempotent taxonomy upsert."""

from django.db import migrations

from members.taxonomy import load_taxonomy


def load(apps, schema_editor):
    load_taxonomy(apps.get_model("members", "Term"))


class Migration(migrations.Migration):
    dependencies = [("members", "0019_audit_moderation_actions")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
