"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from vlad.server.platform import Platform
from vlad.server.routers import (
    datasets,
    dlaas,
    experiments,
    jobs,
    kernels,
    models,
    projects,
    queue,
    system,
    tokens,
    validations,
)
from vlad.server.services.errors import ServiceError
from vlad.server.webui import mount_web_ui

API_PREFIX = "/api/v1"


def create_app(platform: Platform) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(
        title="VLAD training platform",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.platform = platform
    for module in (
        system,
        tokens,
        projects,
        kernels,
        datasets,
        models,
        validations,
        experiments,
        jobs,
        queue,
        dlaas,
    ):
        app.include_router(module.router, prefix=API_PREFIX)

    mount_web_ui(app)  # every path but /api, /docs and /openapi.json

    @app.exception_handler(ServiceError)
    async def service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "errors": exc.details}, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def request_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"][1:]) or e["loc"][0],
                "problem": e["msg"],
                "allowed": str((e.get("ctx") or {}).get("allowed", "")),
            }
            for e in exc.errors()
        ]
        summary = "; ".join(f"{e['field']}: {e['problem']}" for e in errors)
        return JSONResponse({"detail": f"the request is not valid: {summary}", "errors": errors}, 422)

    return app
