from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bms.core.text import counted
from bms.xero.auth import crypto
from bms.xero.auth.key_rotation import tokens_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored Xero token with the first key of the token key set. "
        "With BMS_TOKEN_KEYS: put the new key first, run this, then remove the old key. "
        "With the embedded key file: --new-key adds a key and --drop-old-keys removes the old ones afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--new-key", action="store_true", help="Generate a new first key in the key file.")
        parser.add_argument(
            "--drop-old-keys", action="store_true", help="After re-encrypting, keep only the first key in the key file."
        )

    def handle(self, *args: Any, new_key: bool, drop_old_keys: bool, **options: Any) -> None:
        using_file = not settings.BMS_TOKEN_KEYS
        if (new_key or drop_old_keys) and not using_file:
            raise CommandError(
                "BMS_TOKEN_KEYS is set, so keys are managed in the environment: put the new key first in "
                "BMS_TOKEN_KEYS, run this command, then remove the old key."
            )
        if new_key:
            path = crypto.key_file_add_key()
            self.stdout.write(f"Added a new first key to {path}.")
        try:
            count = tokens_reencrypt() if crypto.configured_keys() else 0
        except crypto.TokenKeyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Re-encrypted the tokens of {counted(count, 'Xero grant')} with the first key."))
        if drop_old_keys:
            crypto.key_file_keep_only_first()
            self.stdout.write("Removed the old keys from the key file.")
