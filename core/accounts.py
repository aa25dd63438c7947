"""Account building blocks: email rules, password hashing, access tokens, extension tokens,
link codes. No storage and no asyncio here; the use cases in `core.usecases.accounts` do I/O.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import InvalidInput, InvalidLinkCode, Unauthorized

MIN_PASSWORD, MAX_PASSWORD = 8, 128
API_TOKEN_PREFIX = "thr_"
LINK_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
LINK_CODE_LENGTH = 8
LINK_CODE_TTL = timedelta(minutes=10)
MIN_JWT_KEY_BYTES = 32
_LEEWAY = 5  # seconds of clock skew an access token's expiry allows
_VERIFIED_KEPT = 10_000  # access tokens whose verification is remembered (per process)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


def normalize_email(email: str) -> str:
    """Trim and lowercase; `InvalidInput` when it cannot be an email address."""
    value = (email or "").strip().lower()
    if len(value) > 254 or not _EMAIL.match(value) or ".." in value.split("@")[1]:
        raise InvalidInput("Enter a valid email address.")
    return value


def check_password(password: str, email: str | None = None) -> None:
    """Length, not all whitespace, not one of the 30,000 most common passwords (zxcvbn's
    list), not the account's email. Raises `InvalidInput` with the reason."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"The password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long."
        )
    if not password.strip():
        raise InvalidInput("The password cannot be only spaces.")
    folded = password.strip().casefold()
    if folded in _common_passwords():
        raise InvalidInput("This password is one of the most common ones. Choose another.")
    if email and folded in {email.casefold(), email.split("@")[0].casefold()}:
        raise InvalidInput("The password cannot be your email address.")


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p for p in FREQUENCY_LISTS["passwords"] if len(p) >= MIN_PASSWORD)


class PasswordHasher:
    """argon2id, at least OWASP's minimum (m=19 MiB, t=2, p=1). CPU-bound: call from a thread."""

    def __init__(self, time_cost: int = 2, memory_kib: int = 19 * 1024, parallelism: int = 1):
        self._argon = _Argon2(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism,
            hash_len=32, salt_len=16, type=Type.ID,
        )
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        check_password(password)
        return self._argon.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def dummy_verify(self, password: str) -> bool:
        """Spend the time of a real verification (unknown email), then answer False."""
        if self._dummy_hash is None:
            self._dummy_hash = self._argon.hash(secrets.token_urlsafe(16))
        try:
            self._argon.verify(self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False


class TokenService:
    """Short-lived HS256 access tokens; the algorithm is pinned, every claim required."""

    def __init__(
        self, secret: str, audience: str, ttl_minutes: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret.encode()) < MIN_JWT_KEY_BYTES:
            raise ValueError(f"the JWT key must be at least {MIN_JWT_KEY_BYTES} bytes")
        self._secret = secret
        self._audience = audience
        self._ttl = ttl_minutes * 60
        self._clock = clock
        # tokens verified lately → their claims. A token's signature and claims never change,
        # so it is verified once (PyJWT's decode costs ~100 µs) and after that only its
        # expiry is checked; revocation is the session check's job (core.usecases.sessions).
        self._verified: OrderedDict[str, dict] = OrderedDict()

    def issue(self, user_id: str, session_id: str | None = None) -> str:
        """An access token; `session_id` (`sid`) ties it to a session revocable server-side."""
        now = int(self._clock())
        claims = {"sub": user_id, "aud": self._audience, "iat": now, "exp": now + self._ttl}
        if session_id:
            claims["sid"] = session_id
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> str:
        """The user id in a valid token; `Unauthorized` for anything else."""
        return self.claims(token)["sub"]

    def claims(self, token: str) -> dict:
        """The claims of a valid token (`sub` a non-empty string); `Unauthorized` otherwise.
        The signature, audience and required claims are checked once per token (remembered,
        bounded); the expiry on every call, against this service's clock."""
        if not isinstance(token, str) or not token or len(token) > 4096:
            raise Unauthorized("Your session is not valid. Please sign in again.")
        claims = self._verified.get(token)
        if claims is None:
            claims = self._decode(token)
            self._verified[token] = claims
            if len(self._verified) > _VERIFIED_KEPT:
                self._verified.popitem(last=False)
        if claims["exp"] + _LEEWAY <= self._clock():
            del self._verified[token]
            raise Unauthorized("Your session has expired. Please sign in again.")
        return claims

    def _decode(self, token: str) -> dict:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"], audience=self._audience,
                options={"require": ["exp", "iat", "sub", "aud"], "verify_exp": False},
                leeway=_LEEWAY,
            )
        except jwt.PyJWTError:
            raise Unauthorized("Your session is not valid. Please sign in again.") from None
        sub, exp = claims.get("sub"), claims.get("exp")
        if not isinstance(sub, str) or not sub or not isinstance(exp, int | float) \
                or isinstance(exp, bool):
            raise Unauthorized("Your session is not valid. Please sign in again.")
        return claims


def new_mail_token() -> tuple[str, str]:
    """A single-use token for a mailed link (verification, reset) and its stored sha256."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_api_token(raw)


def hash_api_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_api_token() -> tuple[str, str]:
    """A long-lived extension token `thr_…` and the sha256 hex stored in its place."""
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return raw, hash_api_token(raw)


def is_api_token(value: str) -> bool:
    return value.startswith(API_TOKEN_PREFIX)


def hash_link_code(code: str) -> str:
    """Normalise what a person typed (case, spaces, dashes), then hash; `InvalidLinkCode`."""
    cleaned = re.sub(r"[\s-]", "", code or "").upper()
    if len(cleaned) != LINK_CODE_LENGTH or set(cleaned) - set(LINK_CODE_ALPHABET):
        raise InvalidLinkCode()
    return hashlib.sha256(cleaned.encode()).hexdigest()


def new_link_code() -> tuple[str, str]:
    """A one-time code to join a bot identity to a web account, and its stored hash."""
    code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))
    return code, hash_link_code(code)


def merged_premium(
    kept_until: datetime | None, absorbed_until: datetime | None, now: datetime
) -> tuple[datetime, datetime] | None:
    """When two accounts with live premium merge, their grants move together and the later
    end covers one of them: the extra grant (starts, until) that adds the other's remaining
    time after it. None when at most one of them is premium (moving the grants suffices)."""
    live = [u for u in (kept_until, absorbed_until) if u is not None and u > now]
    if len(live) < 2:
        return None
    later, earlier = max(live), min(live)
    return later, later + (earlier - now)
