"""OpenAPI 3.1 generated from the route table and the pydantic models (JSON Schema 2020-12)."""

from __future__ import annotations

from pydantic.json_schema import models_json_schema

from core import __version__
from web.routes import ERROR_STATUSES, Route
from web.schemas import ErrorOut

_REF = "#/components/schemas/{model}"
_SSE_DOC = (
    "With `Accept: text/event-stream`: events `meta` (`{source}`), one `post` per post "
    "(`{index, text, weighted_length}`), then `done` (the thread) or `error` "
    "(`{code, message}`); comment lines are heartbeats. Errors found before the first "
    "event are answered as normal JSON errors."
)


def _models(table: list[Route]) -> tuple[dict, dict]:
    wanted = {(ErrorOut, "serialization")}
    for route in table:
        if route.body:
            wanted.add((route.body, "validation"))
        if route.ok[1]:
            wanted.add((route.ok[1], "serialization"))
    refs, defs = models_json_schema(sorted(wanted, key=lambda m: (m[0].__name__, m[1])),
                                    ref_template=_REF)
    return refs, defs.get("$defs", {})


def _error_response(status: int) -> dict:
    response = {
        "description": ERROR_STATUSES[status],
        "content": {"application/json": {"schema": {"$ref": _REF.format(model="ErrorOut")}}},
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": {
            "description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}}
    return response


def _success(route: Route, refs: dict) -> dict:
    status, model = route.ok
    if status == 204:
        return {"description": "Done (no content)"}
    if status == 303:
        return {"description": f"{route.summary}; redirects to the account page "
                               "(`/?connected=<destination id>#account`)"}
    schema = refs[(model, "serialization")] if model else {}
    content = {route.media: {"schema": schema}}
    if route.media == "text/plain":
        content = {route.media: {"schema": {"type": "string"}}}
    if route.stream:
        content["text/event-stream"] = {"schema": {"type": "string"}}
    description = route.summary + (f". {_SSE_DOC}" if route.stream else "")
    return {"description": description, "content": content}


def _operation(route: Route, refs: dict) -> dict:
    op: dict = {
        "summary": route.summary,
        "operationId": f"{route.method.lower()}_{route.handler.__name__}",
        "tags": [route.tag],
        "responses": {str(route.ok[0]): _success(route, refs)},
    }
    for status in route.statuses:
        op["responses"][str(status)] = _error_response(status)
    if route.auth in ("required", "admin"):
        op["security"] = [{"bearer": []}]
    elif route.auth == "optional":
        op["security"] = [{}, {"bearer": []}]
    if route.body:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": refs[(route.body, "validation")]}}}
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _path_params(route.path)
    ]
    params += route.extra.get("parameters", [])
    if params:
        op["parameters"] = params
    return op


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def build_openapi(table: list[Route], public_url: str) -> dict:
    refs, defs = _models(table)
    paths: dict = {}
    for route in table:
        if route.public:
            paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Threadr API",
            "version": __version__,
            "description": "Turn any article into a ready-to-post X thread.",
        },
        "servers": [{"url": public_url.rstrip("/")}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A JWT from /api/v1/auth/login, or an extension token `thr_…`",
            }},
        },
    }
