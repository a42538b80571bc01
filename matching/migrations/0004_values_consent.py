"""Consent to the use of values answers for matching (ValuesConsent).

Members who answered before consent was asked for separately did so on a page that said
what the answers are for ("we use your answers to suggest colleagues"): their consent
is recorded as given with their first answer, so their answers stay in use. Everyone
else is asked before their first answer."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def record_earlier_consent(apps, schema_editor):
    Answer = apps.get_model("matching", "Answer")
    ValuesConsent = apps.get_model("matching", "ValuesConsent")
    first = Answer.objects.values("member_id").annotate(at=models.Min("updated_at"))
    ValuesConsent.objects.bulk_create(
        (ValuesConsent(member_id=row["member_id"], given_at=row["at"]) for row in first.iterator()),
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0003_freshness"),
        ("members", "0013_directory_search_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ValuesConsent",
            fields=[
                (
                    "member",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="values_consent",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("given_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "values consent",
            },
        ),
        migrations.RunPython(record_earlier_consent, migrations.RunPython.noop),
    ]
