"""Destination tokens at rest: a JSON object encrypted with Fernet (AES-128-CBC + HMAC).

The key is `core.keyfiles.token_key(settings)`: TOKEN_ENCRYPTION_KEY, or (embedded default) one
generated once into the data dir with mode 0600. A repr never shows a secret.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken


class TokenCipher:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def __repr__(self) -> str:
        return "TokenCipher(**********)"

    def seal(self, secrets: dict) -> str:
        return self._fernet.encrypt(json.dumps(secrets).encode()).decode()

    def open(self, sealed: str) -> dict:
        """The secrets; ValueError when the key is not the one they were sealed with."""
        try:
            return json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken:
            raise ValueError("tokens were sealed with another TOKEN_ENCRYPTION_KEY") from None
