"""Secrets Threadr keeps itself in the data dir for the embedded default (generated once,
0600, in a 0700 directory). Production requires them from the environment. Read by the
composition root and the adapters it builds, never by the settings object (which only
describes the configuration and writes nothing)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

from core.datadir import private_dir
from core.settings import SecretStr, Settings


def jwt_secret(settings: Settings) -> str:
    """The JWT key: JWT_SECRET, or (embedded default) one kept in the data dir."""
    return _kept(settings, settings.jwt_secret, "JWT_SECRET", "jwt_secret",
                 lambda: secrets.token_urlsafe(48))


def token_key(settings: Settings) -> str:
    """The key encrypting destination tokens at rest (Fernet): TOKEN_ENCRYPTION_KEY, or
    (embedded default) one kept in the data dir."""
    from cryptography.fernet import Fernet

    return _kept(settings, settings.token_encryption_key, "TOKEN_ENCRYPTION_KEY",
                 "token_encryption_key", lambda: Fernet.generate_key().decode())


def _kept(settings: Settings, value: SecretStr, env_name: str, file_name: str,
          generate: Callable[[], str]) -> str:
    if value:
        return value.reveal()
    if settings.is_production:
        raise RuntimeError(f"{env_name} must be set in production (THREADR_ENV=production)")
    path = settings.data_dir / file_name
    if path.exists():
        return path.read_text().strip()
    private_dir(path.parent)
    secret = generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    return secret
