# The entities' free-text tracking moves to the Xero app's EntityTracking (chosen from the
# organisation's own options); xero 0006 carries the values over and runs before this one.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('entities', '0002_alter_entity_code_and_more'),
    ]

    operations = [
        migrations.RemoveField(model_name='entity', name='tracking_option_1'),
        migrations.RemoveField(model_name='entity', name='tracking_option_2'),
    ]
