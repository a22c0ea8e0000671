"""Xero's tenant id is named for what it is (`xero_tenant_id`), beside `tenant` for our row; a grant's
refresh is claimed by a short lease committed before the call (no HTTP inside a row lock)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("xero", "0002_links_follow_moved_customer_and_journal")]

    operations = [
        migrations.RenameField("xerotenant", "tenant_id", "xero_tenant_id"),
        migrations.RenameField("xeroattempt", "tenant_id", "xero_tenant_id"),
        migrations.RenameField("entityxeroconnection", "records_tenant_id", "records_xero_tenant_id"),
        migrations.RemoveField("xerogrant", "previous_refresh_token_encrypted"),
        migrations.RemoveField("xerogrant", "previous_refresh_token_valid_until"),
        migrations.AddField(
            "xerogrant", "refresh_claimed_by",
            models.CharField(blank=True, default="", max_length=100,
                             help_text="The process refreshing this grant's tokens right now."),
        ),
        migrations.AddField(
            "xerogrant", "refresh_claimed_until",
            models.DateTimeField(blank=True, null=True, help_text="When that claim lapses if its holder died."),
        ),
    ]
