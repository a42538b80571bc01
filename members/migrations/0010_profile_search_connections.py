import django.contrib.postgres.search
from django.db import migrations

# Existing profiles get the new document from what they show to connections (the same
# expression members.directory.profile_refresh_search uses; written out here because a
# migration must not change when that module does).
BACKFILL = """
UPDATE members_profile AS p
SET search_vector_connections =
    setweight(to_tsvector('english', p.display_name), 'A')
    || setweight(to_tsvector('english', CASE WHEN p.about_visibility IN ('members', 'connections')
                                             THEN p.headline ELSE '' END), 'B')
    || setweight(to_tsvector('english', CASE WHEN p.about_visibility IN ('members', 'connections')
                                             THEN p.bio ELSE '' END), 'C')
    || setweight(to_tsvector('english', CASE WHEN p.practice_visibility IN ('members', 'connections')
                                             THEN coalesce(labels.text, '') ELSE '' END), 'B')
FROM (
    SELECT profile.id, string_agg(term.label, ' ' ORDER BY term.id) AS text
    FROM members_profile AS profile
    LEFT JOIN members_profile_terms AS chosen ON chosen.profile_id = profile.id
    LEFT JOIN members_term AS term ON term.id = chosen.term_id
    GROUP BY profile.id
) AS labels
WHERE p.id = labels.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_profile_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="search_vector_connections",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
