# General Settings' instance-wide tracking category names give way to each entity's tracking chosen
# from its Xero organisation's categories; xero 0009 carries the values over and runs before this one.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('preferences', '0001_initial'),
    ]

    operations = [
        # Nullable in the state only (the database column goes next): undoing this migration then
        # brings the columns back nullable, so rows written by later code while a test or an
        # operator steps back through history are not refused.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(model_name='generalsettings', name='tracking_category_1_name',
                                  field=models.CharField(blank=True, default='', max_length=100, null=True)),
            migrations.AlterField(model_name='generalsettings', name='tracking_category_2_name',
                                  field=models.CharField(blank=True, default='', max_length=100, null=True)),
        ]),
        migrations.RemoveField(model_name='generalsettings', name='tracking_category_1_name'),
        migrations.RemoveField(model_name='generalsettings', name='tracking_category_2_name'),
    ]
