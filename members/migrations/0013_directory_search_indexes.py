# The directory at 100,000 members (benchmarks/directory.py): covering, partial indexes
# so its candidates come from indexes rather than the wide profile rows.

import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0012_matching_freshness_indexes"),
    ]

    operations = [
        # Replaced by members_profile_dir_geo: the same key, listed profiles only, with
        # what the distance search and one more filter read.
        migrations.RemoveIndex(
            model_name="profile",
            name="members_profile_lat_lon",
        ),
        migrations.AddIndex(
            model_name="profile",
            index=models.Index(
                condition=models.Q(("listed_in_directory", True)),
                fields=["latitude", "longitude"],
                include=(
                    "id",
                    "user",
                    "location_visibility",
                    "practice_visibility",
                    "credentials_visibility",
                    "profession",
                    "credential_tier",
                    "accepting_referrals",
                    "telehealth_jurisdictions",
                ),
                name="members_profile_dir_geo",
            ),
        ),
        migrations.AddIndex(
            model_name="profile",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("listed_in_directory", True)),
                fields=["telehealth_jurisdictions"],
                name="members_profile_dir_telehealth",
                opclasses=["jsonb_path_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="profile",
            index=models.Index(
                condition=models.Q(("listed_in_directory", True)),
                fields=["-created_at", "-id"],
                include=("user",),
                name="members_profile_dir_newest",
            ),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                condition=models.Q(("is_active", True), ("membership_status", "member")),
                fields=["id"],
                name="members_user_good_standing",
            ),
        ),
        # The profiles that chose a term, from the index alone: a term filter can then
        # be a hash of a few thousand ids rather than one probe per candidate. The
        # table is Django's automatic many-to-many table, which has no Meta to hold it.
        migrations.RunSQL(
            "CREATE INDEX members_profile_terms_term_profile "
            "ON members_profile_terms (term_id, profile_id)",
            "DROP INDEX members_profile_terms_term_profile",
        ),
    ]
