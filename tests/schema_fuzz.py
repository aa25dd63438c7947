"""Schemathesis over every operation of an OpenAPI document, inside ONE test: the requests
are counted where they are sent, so the "enough requests" bar holds for that test alone, in
any order (no global filled by another test)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.parameters import ParameterLocation

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance, negative_data_rejection]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class Report:
    sent: int = 0
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz(schema, base_url: str, token: str, examples_per_mode: int,
         token_for: Callable[[str, str, str, str], str] | None = None) -> Report:
    """Send generated requests (positive and negative) to every operation and check each
    answer against the document; a failing operation is reported, the others still run.
    `token_for(method, path, base_url, token)` may pick another token for a request (e.g. a
    spare account for the ones that end the session)."""
    report = Report()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in MODES:
            try:
                _run(operation, mode, base_url, token, examples_per_mode, report, token_for)
            except Unsatisfiable:  # nothing to make invalid (e.g. no parameters, no body)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # collected; asserted by the caller
                report.failures.append(f"{operation.label} [{mode.value}]: "
                                       f"{str(exc).splitlines()[0][:300]}")
    return report


def _run(operation, mode, base_url, token, examples, report, token_for) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case) -> None:
        report.sent += 1
        chosen = token_for(case.method, case.path, base_url, token) if token_for else token
        headers = {} if _negative_headers(case) else {"Authorization": f"Bearer {chosen}"}
        response = case.call(base_url=base_url, headers=headers)
        report.server_errors += response.status_code >= 500
        case.validate_response(response, checks=CHECKS)

    check()


def _negative_headers(case) -> bool:
    """A case whose headers were made invalid (e.g. no Authorization) is sent as generated."""
    info = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    return info is not None and info.mode == GenerationMode.NEGATIVE
