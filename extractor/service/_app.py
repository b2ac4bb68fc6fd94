"""The extraction service: FastAPI over the same pipeline and results database as the CLI.

Bad input is a 4xx with a JSON body that names what was wrong; nothing a request does stops
the server. With a token, every route but ``/healthz`` needs ``Authorization: Bearer …``."""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from extractor import __version__
from extractor.errors import InputError
from extractor.options import ExtractOptions
from extractor.service._jobs import Jobs

_TYPES = (".txt", ".md", ".docx", ".pdf")


@dataclass(frozen=True)
class ServiceSettings:
    db: str
    options: ExtractOptions  # the server's endpoint, model, key and defaults
    token: str | None = None
    max_jobs: int = 2
    max_mb: float = 20.0
    sync_chars: int = 20_000  # texts up to this long are answered at once


class Problem(Exception):
    """A request that cannot be served: its status and one sentence on what to do."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class RequestOptions(BaseModel):
    """What a request may choose; the endpoint and its key are the server's."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["auto", "rules", "llm", "hybrid"] | None = None
    model: str | None = None
    mode: Literal["tools", "json", "json_schema", "md_json"] | None = None
    repair: bool | None = None
    chunk_chars: int | None = Field(default=None, ge=200, le=20_000)


class ExtractRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="the report's text")
    filename: str | None = Field(None, max_length=300, description="shown with the report")
    options: RequestOptions = Field(default_factory=lambda: RequestOptions())


class JobView(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    filename: str | None = None
    chars: int
    doc_id: str | None = None
    error: str | None = None
    created_at: str
    updated_at: str
    report_url: str | None = None


class ErrorBody(BaseModel):
    error: str
    message: str


def _view(job: Any) -> JobView:
    url = f"/v1/reports/{job.doc_id}" if job.status == "done" and job.doc_id else None
    return JobView(**job.model_dump(exclude={"text", "options", "report_id"}), report_url=url)


def create_app(settings: ServiceSettings) -> FastAPI:
    jobs = Jobs(settings.db, settings.options, settings.max_jobs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs.resume()
        yield
        await jobs.stop()

    app = FastAPI(
        title="extractor", version=__version__, lifespan=lifespan, docs_url=None,
        openapi_url=None, responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}},
    )  # fmt: skip
    auth = [Depends(_bearer(settings.token))]
    _handlers(app)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "jobs": jobs.counts()}

    @app.get("/openapi.json", dependencies=auth, include_in_schema=False)
    def openapi() -> dict[str, Any]:
        return _openapi(app)

    @app.get("/docs", dependencies=auth, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="extractor API")

    _routes(app, settings, jobs, auth)
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI, with the models that /v1/extract reads by hand (JSON or multipart)."""
    schema = app.openapi()  # built once, then the same dict
    models = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ExtractRequest, RequestOptions):
        if model.__name__ not in models:
            found = model.model_json_schema(ref_template="#/components/schemas/{model}")
            found.pop("$defs", None)
            models[model.__name__] = found
    return schema


def _bearer(token: str | None) -> Any:
    def check(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
            raise Problem(401, "unauthorized", "send the service token as Authorization: Bearer …")

    return check


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def problem(request: Request, e: Problem) -> JSONResponse:
        return JSONResponse({"error": e.code, "message": e.message}, status_code=e.status)

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, e: StarletteHTTPException) -> JSONResponse:
        # the framework's own refusals (bad multipart, unknown route, wrong method), in our shape
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
        body = {"error": code.get(e.status_code, f"http_{e.status_code}"), "message": str(e.detail)}
        return JSONResponse(body, status_code=e.status_code, headers=e.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        body = {"error": "invalid_request", "message": f"{where or 'request'}: {first['msg']}"}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, e: Exception) -> JSONResponse:
        body = {
            "error": "internal",
            "message": f"the server failed on this request ({type(e).__name__})",
        }
        return JSONResponse(body, status_code=500)


_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_EXTRACT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ExtractRequest"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "options": {"type": "string", "description": "RequestOptions as JSON"},
                    },
                }
            },
        },
    }
}


async def _read_request(
    request: Request, settings: ServiceSettings
) -> tuple[str, str | None, RequestOptions]:
    """The text, file name and options of a POST /v1/extract, JSON or multipart."""
    limit = int(settings.max_mb * 1_000_000)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise Problem(413, "too_large", f"the upload is over the {settings.max_mb:g} MB limit")
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        return await _read_form(request, settings, limit)
    if not kind.startswith("application/json"):
        raise Problem(415, "unsupported_media_type", 'send JSON {"text": …} or a multipart file')
    raw = await request.body()
    if len(raw) > limit:
        raise Problem(413, "too_large", f"the body is over the {settings.max_mb:g} MB limit")
    try:
        body = ExtractRequest.model_validate_json(raw)
    except ValidationError as e:
        raise Problem(422, "invalid_request", _first(e, "")) from e
    from extractor import load_text

    try:
        doc = load_text(body.text, max_mb=settings.max_mb)
    except InputError as e:
        raise _input_problem(e) from e
    return doc.text, body.filename, body.options


async def _read_form(
    request: Request, settings: ServiceSettings, limit: int
) -> tuple[str, str | None, RequestOptions]:
    from extractor import load_bytes

    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise Problem(422, "invalid_request", "file: send the report as a multipart file field")
    name = PurePath(upload.filename or "upload.txt").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in _TYPES:
        raise Problem(415, "unsupported_type", f"{name}: send one of {', '.join(_TYPES)}")
    data = await upload.read()
    if len(data) > limit:
        raise Problem(413, "too_large", f"{name} is over the {settings.max_mb:g} MB limit")
    raw_options = form.get("options")
    try:
        options = RequestOptions.model_validate(
            json.loads(raw_options) if isinstance(raw_options, str) and raw_options else {}
        )
    except (ValueError, ValidationError) as e:
        raise Problem(
            422, "invalid_request", f"options: not valid options ({e.__class__.__name__})"
        ) from e
    try:
        doc = load_bytes(data, path=name, suffix=suffix, max_mb=settings.max_mb)
    except InputError as e:
        raise _input_problem(e) from e
    return doc.text, name, options


def _first(e: ValidationError, prefix: str) -> str:
    """The first thing wrong, as ``where: what``."""
    first = e.errors()[0]
    where = ".".join(str(x) for x in (prefix, *first["loc"]) if x != "") or "body"
    return f"{where}: {first['msg']}"


# InputError.kind → the status and error code a request gets
_INPUT_STATUS = {
    "too_large": (413, "too_large"),
    "unsupported": (415, "unsupported_type"),
    "empty": (400, "empty"),
    "unreadable": (400, "unreadable"),
}


def _input_problem(e: InputError) -> Problem:
    status, code = _INPUT_STATUS.get(e.kind, (400, "unreadable"))
    return Problem(status, code, str(e))


def _routes(app: FastAPI, settings: ServiceSettings, jobs: Jobs, auth: list[Any]) -> None:
    @app.post(
        "/v1/extract", dependencies=auth, openapi_extra=_EXTRACT_BODY,
        responses={
            202: {"model": JobView}, 413: {"model": ErrorBody}, 415: {"model": ErrorBody},
            422: {"model": ErrorBody},
        },
    )  # fmt: skip
    async def extract(request: Request) -> JSONResponse:
        """Extract one report. Short texts are answered at once with the report; longer ones
        are accepted (202) as a job to poll at ``/v1/jobs/{id}``."""
        text, filename, options = await _read_request(request, settings)
        if options.backend in ("llm", "hybrid") and not _has_model(settings.options):
            raise Problem(
                400, "no_model", f"this server has no model endpoint for backend "
                f"{options.backend!r}: ask for backend rules, or start it with --base-url",
            )  # fmt: skip
        job = jobs.create(text, filename, options.model_dump(exclude_none=True))
        if len(text) > settings.sync_chars:
            jobs.start(job.id)
            return JSONResponse(_view(job).model_dump(), status_code=202)
        report = await jobs.run(job.id)
        done = jobs.get(job.id)
        if report is None:
            error = done.error if done else "the job was lost"
            raise Problem(422, "extraction_failed", error or "extraction failed")
        return JSONResponse(
            {"job": _view(done).model_dump(), "report": report.model_dump(mode="json")}
        )

    @app.get("/v1/jobs/{job_id}", dependencies=auth, responses={404: {"model": ErrorBody}})
    def job(job_id: str) -> JobView:
        found = jobs.get(job_id)
        if found is None:
            raise Problem(404, "not_found", f"no job {job_id}")
        return _view(found)

    @app.get("/v1/reports/{doc_id}", dependencies=auth, responses={404: {"model": ErrorBody}})
    def report(doc_id: str) -> JSONResponse:
        """The report's contract JSON."""
        return JSONResponse(_report(settings, doc_id).model_dump(mode="json"))

    @app.get(
        "/v1/reports/{doc_id}/review", dependencies=auth, response_class=HTMLResponse,
        responses={404: {"content": {"application/json": {"schema": _ERROR_REF}}}},
    )  # fmt: skip
    def review(doc_id: str) -> HTMLResponse:
        from extractor.review import render_report

        return HTMLResponse(render_report(_report(settings, doc_id)))

    @app.get("/v1/panel", dependencies=auth)
    def panel_rows(
        indicator: str | None = None, region: str | None = None, period: str | None = None
    ) -> list[dict[str, Any]]:
        """Region × period × indicator figures of the current reports, with their quotes."""
        from extractor.storage import panel

        rows = panel(settings.db, indicator=indicator, region=region, period=period)
        return [r.model_dump(mode="json") for r in rows]


def _has_model(opts: ExtractOptions) -> bool:
    return bool(opts.base_url or os.environ.get("OPENAI_BASE_URL"))


def _report(settings: ServiceSettings, doc_id: str) -> Any:
    from extractor.storage import Store

    with Store(settings.db) as store:
        rows = list(
            store.db.query(
                "SELECT id FROM current_reports WHERE doc_id = ? ORDER BY updated_at DESC LIMIT 1",
                [doc_id],
            )
        )
        if not rows:
            raise Problem(404, "not_found", f"no report {doc_id}: extract it first")
        return store.load_report(rows[0]["id"])
