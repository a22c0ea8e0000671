# General Settings' instance-wide tracking category names give way to each entity's tracking chosen
# from its Xero organisation's categories; xero 0006 carries the values over and runs before this one.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('preferences', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(model_name='generalsettings', name='tracking_category_1_name'),
        migrations.RemoveField(model_name='generalsettings', name='tracking_category_2_name'),
    ]
