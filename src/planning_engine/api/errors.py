"""Every refusal in one JSON shape (`error`, `message`, `fieldErrors`), and the exceptions that
become one: a malformed request is a 4xx naming the problem, a database that is down or not
migrated a 503; nothing a client sends produces a 500."""

from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from planning_engine.guard import AuthFailure

# FastAPI's own refusals (unparsable body, unknown path, wrong method), by the name we give them.
HTTP_ERROR_NAMES = {
    400: "malformed_request",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error(status: int, name: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": name, "message": message, **extra})


async def _unauthorized(request: Request, exc: Exception) -> JSONResponse:
    response = error(401, "unauthorized", str(exc))
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    name = HTTP_ERROR_NAMES.get(exc.status_code, "http_error")
    response = error(exc.status_code, name, str(exc.detail))
    for header, value in (exc.headers or {}).items():
        response.headers[header] = value
    return response


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return error(400, "malformed_json", "the request body is not valid JSON")
    fields = [
        {
            "field": ".".join(str(part) for part in p.get("loc", ())[1:]) or "body",
            "message": str(p.get("msg", "invalid")),
        }
        for p in problems
    ]
    return error(422, "invalid_request", "the request body has invalid fields", fieldErrors=fields)


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    return error(
        503, "database_unavailable", "the planning database is not answering; retry shortly"
    )


async def _schema_missing(request: Request, exc: Exception) -> JSONResponse:
    return error(
        503,
        "schema_outdated",
        "the planning schema is not applied to this database: run `planning-engine migrate`",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AuthFailure, _unauthorized)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(psycopg.OperationalError, _database_down)
    app.add_exception_handler(PoolTimeout, _database_down)
    app.add_exception_handler(psycopg.errors.UndefinedTable, _schema_missing)
    app.add_exception_handler(psycopg.errors.UndefinedColumn, _schema_missing)
