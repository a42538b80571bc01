# The directory's tier filter meets a text search in the indexes (a bitmap AND).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0025_audit_actions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="profile",
            index=models.Index(
                condition=models.Q(("listed_in_directory", True)),
                fields=["credential_tier"],
                name="members_profile_dir_tier",
            ),
        ),
    ]
