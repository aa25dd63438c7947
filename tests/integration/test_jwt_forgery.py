"""A corpus of forged, tampered and malformed access tokens: every one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

from core.accounts import TokenService
from core.errors import Unauthorized
from web.errors import status_of  # the web door's mapping (core errors carry no status)

SECRET = "k" * 64
AUDIENCE = "threadr"
# A real RSA public key: the "HS/RS confusion" attack signs HS256 tokens with it as the secret.
RSA_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA413Jx84tDUxZunf7Kmyo
VkIYN5BTbicrDzkI5iA1MxDC4ebx9zBqqv58yUWzT/untRHedq58OgtafR0/KfOo
6y/rlXgAzXT0tp3PbYF6JauoHKATatNCQZOAb7TSA33Mr7OLhQSfdxjMEEp7Rm4D
4y7oK8y0gamjndxMJAnpT/CfOp5GM7WC8delIM3Z+jjleH6zqfCSao9/Dtd79Paz
A5I37WUSm0VtG5DQYgJ8M7fUQpYOJW9yv3/hIVBBkecnF6COvIDP3COf6EnFonKd
LUtMsJooduMZHM7kVw9mbU208rhfzLudeIf5Qhz8CDMjc5bsiVOLkwL0RbFTi4E7
VQIDAQAB
-----END PUBLIC KEY-----
"""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**changes) -> dict:
    now = int(time.time())
    base = {"sub": "user-1", "aud": AUDIENCE, "iat": now, "exp": now + 600}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def handmade(header: dict, payload: dict, key: bytes | None) -> str:
    """Build a token byte by byte, so nothing in a JWT library can refuse to forge it."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def signed(payload: dict, key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


def flip(token: str, index: int) -> str:
    chars = list(token)
    chars[index] = "A" if chars[index] != "A" else "B"
    return "".join(chars)


# Valid for a month: the corpus below is built at import, and a full test run takes longer
# than a short expiry (an expired original would make the tampered copies fail for the wrong
# reason).
VALID = signed(claims(exp=int(time.time()) + 30 * 86400))

FORGERIES = {
    "alg none": handmade({"alg": "none", "typ": "JWT"}, claims(), None),
    "alg None": handmade({"alg": "None", "typ": "JWT"}, claims(), None),
    "alg none with a signature": handmade({"alg": "none"}, claims(), SECRET.encode()),
    "wrong key": signed(claims(), key="another-secret-that-is-long-enough-000"),
    "HS256 signed with the RSA public key": handmade(
        {"alg": "HS256", "typ": "JWT"}, claims(), RSA_PUBLIC_PEM.encode()),
    "RS256 header, HMAC'd with the public key": handmade(
        {"alg": "RS256", "typ": "JWT"}, claims(), RSA_PUBLIC_PEM.encode()),
    "HS512 with the right key": signed(claims(), algorithm="HS512"),
    "HS384 with the right key": signed(claims(), algorithm="HS384"),
    "expired": signed(claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
    "issued in the future": signed(claims(iat=int(time.time()) + 3600,
                                          exp=int(time.time()) + 7200)),
    "missing exp": signed(claims(exp=None)),
    "missing aud": signed(claims(aud=None)),
    "missing sub": signed(claims(sub=None)),
    "missing iat": signed(claims(iat=None)),
    "empty sub": signed(claims(sub="")),
    "numeric sub": signed(claims(sub=42)),
    "wrong aud": signed(claims(aud="someone-else")),
    "aud list without ours": signed(claims(aud=["a", "b"])),
    "flipped byte in the signature": flip(VALID, len(VALID) - 3),
    "flipped byte in the payload": flip(VALID, VALID.index(".") + 5),
    "flipped byte in the header": flip(VALID, 3),
    "truncated signature": VALID[:-4],
    "signature removed": VALID.rsplit(".", 1)[0] + ".",
    "header and payload only": VALID.rsplit(".", 1)[0],
    "header only": VALID.split(".")[0],
    "empty": "",
    "whitespace": "   ",
    "garbage": "not a token at all",
    "three dots of garbage": "a.b.c",
    "non-base64": "!!!.@@@.###",
    "binary noise": "\x00\xff\x10.\x01.\x02",
    "huge": "a" * 100_000,
    "json instead of a token": json.dumps(claims()),
}


@pytest.fixture(scope="module")
def tokens() -> TokenService:
    return TokenService(SECRET, AUDIENCE, 10)


def test_the_genuine_token_is_accepted(tokens):
    assert tokens.verify(VALID) == "user-1"


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_every_forgery_is_refused(tokens, name):
    with pytest.raises(Unauthorized):
        tokens.verify(FORGERIES[name])


@pytest.mark.parametrize("value", [None, 123, b"bytes", ["list"]])
def test_non_string_tokens_are_refused(tokens, value):
    with pytest.raises(Unauthorized):
        tokens.verify(value)


def test_a_server_keyed_with_the_public_key_still_refuses_the_confused_token():
    """Even if the HMAC key were the public key itself, PyJWT refuses PEM keys for HS256."""
    confused = TokenService(RSA_PUBLIC_PEM, AUDIENCE, 10)
    with pytest.raises(Unauthorized):
        confused.verify(FORGERIES["HS256 signed with the RSA public key"])


def test_refusals_carry_a_clear_message_and_a_401():
    tokens = TokenService(SECRET, AUDIENCE, 10)
    with pytest.raises(Unauthorized) as caught:
        tokens.verify(FORGERIES["expired"])
    assert status_of(caught.value) == 401 and "sign in" in caught.value.message.lower()
