"""Domain errors carry a code and data, never an HTTP status; `web/errors.py` is the one
mapping, and every error of `core.errors` has a row (its own or its ancestor's)."""

from __future__ import annotations

import inspect

import pytest

from core import errors
from web.errors import STATUS, error_headers, error_payload, status_of

DOMAIN_ERRORS = [cls for _, cls in inspect.getmembers(errors, inspect.isclass)
                 if issubclass(cls, errors.ThreadrError)]


@pytest.mark.parametrize("cls", DOMAIN_ERRORS, ids=lambda c: c.__name__)
def test_a_core_error_has_a_code_and_no_http_status(cls):
    assert "status" not in vars(cls), f"{cls.__name__}: put its status in web/errors.py"
    assert isinstance(cls.code, str) and cls.code


@pytest.mark.parametrize("cls", DOMAIN_ERRORS, ids=lambda c: c.__name__)
def test_every_core_error_is_mapped_on_purpose(cls):
    """Each error has a row of its own or a mapped ancestor below the generic base (a new
    direct subclass of ThreadrError without a row would silently answer 400)."""
    nearest = next(c for c in cls.__mro__ if c in STATUS)
    generic = {errors.ThreadrError, errors.RetryableError}
    assert nearest is not errors.ThreadrError or cls in generic, (
        f"add {cls.__name__} to web/errors.STATUS")


def test_subclasses_answer_like_their_parent_unless_mapped():
    assert status_of(errors.EmailTaken()) == 409
    assert status_of(errors.StorageUnavailable()) == 503
    assert status_of(errors.PostTooLong()) == 422
    assert status_of(errors.PageTooLarge()) == 422  # its own row beats FetchFailed's 502


def test_the_payload_carries_the_error_data():
    exc = errors.QuotaExceeded(retry_after=30, upgrade_url="https://x.example/up", limit=5)
    body = error_payload(exc)["error"]
    assert (body["code"], body["limit"], body["upgrade_url"]) == ("quota_exceeded", 5,
                                                                  "https://x.example/up")
    assert error_headers(exc) == {"Retry-After": "30"}
    conflict = error_payload(errors.VersionConflict(current_version=4))["error"]
    assert conflict["current_version"] == 4
