"""Pure account parts: email rules, password hashing, tokens, extension tokens, link codes."""

from __future__ import annotations

import hashlib
import time

import pytest
from argon2 import PasswordHasher as Argon2

from core.accounts import (
    LINK_CODE_ALPHABET,
    PasswordHasher,
    TokenService,
    hash_link_code,
    new_api_token,
    new_link_code,
    normalize_email,
)
from core.errors import InvalidInput, InvalidLinkCode, Unauthorized

SECRET = "s" * 40


@pytest.fixture(scope="module")
def hasher():
    return PasswordHasher()


def test_email_is_trimmed_and_lowercased():
    assert normalize_email("  Ada.Lovelace@Example.COM \n") == "ada.lovelace@example.com"


@pytest.mark.parametrize("bad", [
    "", "   ", "ada", "ada@", "@example.com", "ada@example", "ada@@example.com",
    "a da@example.com", "ada@exa mple.com", "ada@example..com", "ada@example.c",
    "x" * 65 + "@example.com", "a@" + "b" * 250 + ".com",
])
def test_invalid_emails_are_refused_with_a_clear_message(bad):
    with pytest.raises(InvalidInput, match="valid email"):
        normalize_email(bad)


def test_hash_is_argon2id_with_at_least_owasp_minimum_parameters(hasher):
    encoded = hasher.hash("correct horse")
    assert encoded.startswith("$argon2id$")
    params = dict(p.split("=") for p in encoded.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2 and int(params["p"]) >= 1


def test_verify_accepts_the_password_and_refuses_others(hasher):
    encoded = hasher.hash("correct horse")
    assert hasher.verify(encoded, "correct horse")
    assert not hasher.verify(encoded, "correct horsE")
    assert not hasher.verify("not-a-hash", "correct horse")


@pytest.mark.parametrize("bad", ["short", "", "x" * 129])
def test_password_length_rules(hasher, bad):
    with pytest.raises(InvalidInput, match="8 to 128"):
        hasher.hash(bad)


def test_weaker_old_hashes_need_rehash(hasher):
    old = Argon2(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("correct horse")
    assert hasher.needs_rehash(old)
    assert not hasher.needs_rehash(hasher.hash("correct horse"))


def test_dummy_verification_always_fails(hasher):
    assert hasher.dummy_verify("anything at all") is False


def test_token_round_trip_gives_back_the_user_id():
    tokens = TokenService(SECRET, "threadr", 60)
    assert tokens.verify(tokens.issue("user-42")) == "user-42"


def test_short_keys_are_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        TokenService("s" * 31, "threadr", 60)


def test_tokens_expire_after_their_ttl():
    now = [1_000_000.0]
    tokens = TokenService(SECRET, "threadr", 1, clock=lambda: now[0])
    token = tokens.issue("u")
    verifier = TokenService(SECRET, "threadr", 1)  # real clock: far after the fake issue time
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_a_token_verified_before_still_expires_on_time():
    now = [time.time()]
    tokens = TokenService(SECRET, "threadr", 1, clock=lambda: now[0])
    token = tokens.issue("u")
    assert tokens.verify(token) == "u"
    now[0] += 60 + 4  # within the 5 s leeway
    assert tokens.verify(token) == "u"  # the remembered verification
    now[0] += 2
    with pytest.raises(Unauthorized, match="expired"):
        tokens.verify(token)
    with pytest.raises(Unauthorized, match="expired"):
        tokens.verify(token)  # forgotten, checked afresh: still expired


def test_a_forged_token_is_refused_even_after_a_real_one_was_seen():
    tokens = TokenService(SECRET, "threadr", 60)
    token = tokens.issue("u")
    assert tokens.verify(token) == "u"
    head, body, _ = token.split(".")
    forged = TokenService("x" * 40, "threadr", 60).issue("u").split(".")[2]
    with pytest.raises(Unauthorized, match="not valid"):
        tokens.verify(f"{head}.{body}.{forged}")


def test_extension_tokens_are_prefixed_and_stored_as_sha256():
    raw, digest = new_api_token()
    assert raw.startswith("thr_") and len(raw) > 40
    assert digest == hashlib.sha256(raw.encode()).hexdigest()
    assert new_api_token()[0] != raw


def test_link_codes_are_short_unambiguous_and_hashed():
    code, digest = new_link_code()
    assert len(code) == 8 and set(code) <= set(LINK_CODE_ALPHABET)
    assert not set("01OIL") & set(LINK_CODE_ALPHABET)
    assert digest == hash_link_code(code)


def test_link_codes_forgive_case_spaces_and_dashes():
    code, digest = new_link_code()
    typed = f" {code[:4].lower()}-{code[4:]} "
    assert hash_link_code(typed) == digest


@pytest.mark.parametrize("bad", ["", "ABC", "ABCDEFGHJ", "ABCD0FGH", "ABCD EFG!"])
def test_malformed_link_codes_are_invalid(bad):
    with pytest.raises(InvalidLinkCode):
        hash_link_code(bad)
