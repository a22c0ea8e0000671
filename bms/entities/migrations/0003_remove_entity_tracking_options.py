# The entities' free-text tracking moves to the Xero app's EntityTracking (chosen from the
# organisation's own options); xero 0009 carries the values over and runs before this one.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('entities', '0002_alter_entity_code_and_more'),
    ]

    operations = [
        # Nullable in the state only (the database column goes next): undoing this migration then
        # brings the columns back nullable, so rows written by later code while a test or an
        # operator steps back through history are not refused.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(model_name='entity', name='tracking_option_1',
                                  field=models.CharField(blank=True, default='', max_length=100, null=True)),
            migrations.AlterField(model_name='entity', name='tracking_option_2',
                                  field=models.CharField(blank=True, default='', max_length=100, null=True)),
        ]),
        migrations.RemoveField(model_name='entity', name='tracking_option_1'),
        migrations.RemoveField(model_name='entity', name='tracking_option_2'),
    ]
