"""Destination tokens at rest: the key (required in production, generated 0600 otherwise),
sealing, and a wrong key refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.keyfiles import token_key
from core.models import Platform
from core.publish.crypto import TokenCipher
from core.publish.models import Destination
from core.settings import SecretStr, Settings
from web.publish import DestinationOut
from web.schemas import out


def test_production_refuses_to_start_without_a_token_key(tmp_path):
    prod = Settings(env="production", data_dir=tmp_path, jwt_secret=SecretStr("j" * 40))
    with pytest.raises(RuntimeError, match="TOKEN_ENCRYPTION_KEY"):
        token_key(prod)
    assert any("TOKEN_ENCRYPTION_KEY" in p for p in prod.safety_problems())


def test_the_embedded_key_is_generated_once_with_mode_0600(tmp_path):
    key = token_key(Settings(data_dir=tmp_path))
    assert token_key(Settings(data_dir=tmp_path)) == key
    assert (tmp_path / "token_encryption_key").stat().st_mode & 0o777 == 0o600


def test_tokens_are_sealed_and_only_the_right_key_opens_them(tmp_path):
    cipher = TokenCipher(token_key(Settings(data_dir=tmp_path / "a")))
    sealed = cipher.seal({"access_token": "tok-123"})
    assert "tok-123" not in sealed
    assert cipher.open(sealed) == {"access_token": "tok-123"}
    other = TokenCipher(token_key(Settings(data_dir=tmp_path / "b")))
    with pytest.raises(ValueError, match="TOKEN_ENCRYPTION_KEY"):
        other.open(sealed)
    assert "tok" not in repr(cipher)


def test_a_destination_never_shows_its_secrets():
    dest = Destination("d1", "u1", Platform.X, "ada", "https://api.x.com", "42",
                       {"access_token": "tok-123"}, None, datetime.now(UTC))
    shown = out(DestinationOut, dest)
    assert "tok-123" not in repr(dest) and "tok-123" not in str(shown)
    assert set(shown) == {"id", "platform", "handle", "server", "created_at"}
