"""Load the values questionnaire as matching/data/questionnaire.json has it (re-runnable).

A later version gets its own data migration calling load_questionnaire again."""

from django.db import migrations

from matching.questionnaire import load_questionnaire


def load(apps, schema_editor):
    load_questionnaire(
        apps.get_model("matching", "Questionnaire"), apps.get_model("matching", "Statement")
    )


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
