"""DualRelationship moves to the members app (it is a rule between members that groups
and coffee need too, and they may not import matching). Its rows stay: the table is
renamed here and members.0014 takes the model over in the migration state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0004_values_consent"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(
                    name="DualRelationship", table="members_dualrelationship"
                ),
            ],
            state_operations=[
                migrations.DeleteModel(name="DualRelationship"),
            ],
        ),
    ]
