import os
import stat

import pytest
from cryptography.fernet import Fernet

from bms.xero.auth import crypto


@pytest.fixture
def key_file(tmp_path, settings):
    settings.BMS_TOKEN_KEYS = []
    settings.BMS_TOKEN_KEY_FILE = tmp_path / "token-keys"
    return settings.BMS_TOKEN_KEY_FILE


def test_it_creates_a_private_key_file_on_first_use(key_file):
    stored = crypto.encrypt_secret("refresh-abc")
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert "refresh-abc" not in stored
    assert crypto.decrypt_secret(stored) == "refresh-abc"


def test_it_uses_configured_keys_and_decrypts_with_any_of_them(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.BMS_TOKEN_KEYS = [old]
    stored_with_old = crypto.encrypt_secret("secret")
    settings.BMS_TOKEN_KEYS = [new, old]
    assert crypto.decrypt_secret(stored_with_old) == "secret"
    rotated = crypto.rotate_secret(stored_with_old)
    settings.BMS_TOKEN_KEYS = [new]
    assert crypto.decrypt_secret(rotated) == "secret"
    with pytest.raises(crypto.TokenKeyError):
        crypto.decrypt_secret(stored_with_old)


def test_it_rotates_the_key_file_and_keeps_old_tokens_readable_until_the_old_key_is_dropped(key_file):
    before = crypto.encrypt_secret("secret")
    crypto.key_file_add_key()
    assert len(key_file.read_text().split()) == 2
    assert crypto.decrypt_secret(before) == "secret"
    after = crypto.rotate_secret(before)
    crypto.key_file_keep_only_first()
    assert crypto.decrypt_secret(after) == "secret"
    with pytest.raises(crypto.TokenKeyError):
        crypto.decrypt_secret(before)


def test_it_says_clearly_when_no_key_can_decrypt(settings):
    settings.BMS_TOKEN_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.TokenKeyError, match="cannot be decrypted"):
        crypto.decrypt_secret("not-a-fernet-token")
