"""DualRelationship, moved from matching: matching.0005 renamed the table with its rows;
this takes the model over in the state and renames its named constraints to the
members app's names (what the model now declares)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0013_directory_search_indexes"),
        ("matching", "0005_dual_relationship_moves_to_members"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        f"ALTER TABLE members_dualrelationship RENAME CONSTRAINT "
                        f"matching_dualrelationship_{name} TO members_dualrelationship_{name}"
                        for name in ("once_per_pair", "not_self")
                    ],
                    reverse_sql=[
                        f"ALTER TABLE members_dualrelationship RENAME CONSTRAINT "
                        f"members_dualrelationship_{name} TO matching_dualrelationship_{name}"
                        for name in ("once_per_pair", "not_self")
                    ],
                ),
            ],
            state_operations=[
                migrations.CreateModel(
                    name="DualRelationship",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("clinical", "Clinical relationship"),
                                    ("supervisory", "Supervisory relationship"),
                                    ("personal", "Personal relationship"),
                                    ("do_not_introduce", "Please don't introduce us"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "member",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="dual_relationships_declared",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "other",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("member", "other"),
                                name="members_dualrelationship_once_per_pair",
                                violation_error_message="You have already told us about your relationship with this member.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("member", models.F("other")), _negated=True),
                                name="members_dualrelationship_not_self",
                                violation_error_message="You cannot declare a relationship with yourself.",
                            ),
                        ],
                    },
                ),
            ],
        ),
    ]
