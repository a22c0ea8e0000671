"""Rotating the key set that encrypts Xero tokens at rest."""

from django.db import transaction

from bms.xero.auth.crypto import rotate_secret
from bms.xero.models import XeroGrant

_TOKEN_FIELDS = ("access_token_encrypted", "refresh_token_encrypted")


def tokens_reencrypt() -> int:
    """Re-encrypt every stored token with the first key of the current set; returns grants touched.

    Each grant is rewritten under its row lock so a concurrent refresh can't be overwritten with
    stale tokens."""
    count = 0
    for grant_id in XeroGrant.objects.values_list("pk", flat=True):
        with transaction.atomic():
            grant = XeroGrant.objects.select_for_update().get(pk=grant_id)
            for field in _TOKEN_FIELDS:
                value = getattr(grant, field)
                if value:
                    setattr(grant, field, rotate_secret(value))
            grant.save(update_fields=[*_TOKEN_FIELDS, "updated_at"])
            count += 1
    return count
