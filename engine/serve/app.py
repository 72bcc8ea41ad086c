"""The ASGI application: the decision API (``/v1/...``), ``/health`` and the workbench (``/ui``).

:func:`create_app` builds it (FastAPI on Starlette); ``denialkb serve`` runs it with uvicorn.
Every endpoint calls the library functions behind the CLI (through :class:`.Service`) and
returns the same JSON text as the command's ``--format json`` output; bad input is HTTP 400
with the located problems the CLI prints (``{"error", "summary", "problems": [...]}``).

Around the routes, plain ASGI middleware (outermost first):

- access log: method, path (never the query string), status, bytes, milliseconds; never
  a body or a header value;
- host check: when serving on the loopback interface only ``localhost``/``127.0.0.1``/
  ``[::1]`` Host headers are accepted (a web page cannot reach the service by DNS rebinding);
- token: when a token is configured, every request carries it (``Authorization: Bearer``
  or the workbench's cookie), compared in constant time; otherwise 401;
- body limit: a request body larger than ``max_body`` bytes is refused with 413 before
  anything reads it;
- time limit: the work of a request runs in a worker thread; when the engine stays busy
  past ``timeout`` seconds the answer is 503 (retry), when the work itself runs past it (plus
  :data:`GRACE`) 504. The abandoned work finishes in its thread (a thread cannot be killed);
  its result is dropped.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hmac
import json
import logging
import time
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Query, Request

from denialkb.engine.errors import DenialKBError
from denialkb.engine.serve.service import Service, check_as_of
from denialkb.engine.serve.web import (
    TOKEN_COOKIE,
    _error_body,
    error_response,
    internal_response,
    json_text,
    opt,
    read_request,
    run_work,
)

ACCESS_LOG = logging.getLogger("denialkb.serve.access")

MAX_BODY = 5 * 1024 * 1024   # bytes: an 837 of a few thousand claims
TIMEOUT = 30.0               # seconds per request
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
OPEN_PATHS = ("/ui/login",)  # the login form itself (it checks the token it is given); and /static/
                             # (the stylesheet, so that the login form is styled)

INPUT_TYPES = {
    "application/yaml": "a claim document (YAML, FORMATS.md)",
    "application/json": "a claim document (JSON), or FHIR R4 JSON (a Bundle, Claim or ExplanationOfBenefit)",
    "application/fhir+json": "FHIR R4 JSON",
    "application/edi-x12": "an X12 837P/837I interchange",
    "text/plain": "any of these: the content decides",
}


# --------------------------------------------------------------------------- middleware

class AccessLogMiddleware:
    """One line per request: method, path, status, response bytes, milliseconds. No query
    string, no body, no header value (they can hold patient data or the token)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status, size = time.perf_counter(), [500], [0]

        async def send_wrapper(msg):
            if msg["type"] == "http.response.start":
                status[0] = msg["status"]
            elif msg["type"] == "http.response.body":
                size[0] += len(msg.get("body", b""))
            await send(msg)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            ACCESS_LOG.info("%s %s %d %dB %.0fms", scope["method"], scope["path"], status[0], size[0],
                            (time.perf_counter() - start) * 1000)


async def _send_json(send, status: int, body: dict, headers=()):
    data = (json.dumps(body, indent=2) + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": data})


class HostCheckMiddleware:
    """Refuse requests whose Host header is not one of ``allowed`` (DNS rebinding)."""

    def __init__(self, app, allowed):
        self.app, self.allowed = app, {h.lower() for h in allowed}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
            name = host.rsplit("]", 1)[0].lstrip("[") if host.startswith("[") else host.split(":")[0]
            if name not in self.allowed:
                return await _send_json(send, 421, _error_body(
                    "host_refused", "this server answers only to a loopback host name (localhost, 127.0.0.1)",
                    "MisdirectedRequest"))
        return await self.app(scope, receive, send)


class TokenMiddleware:
    """Require the token on every request but the login form and the stylesheet: ``Authorization: Bearer TOKEN``
    or the ``denialkb_token`` cookie the login form sets; constant-time comparison."""

    def __init__(self, app, token: str):
        self.app, self.token = app, token.encode()

    def _presented(self, headers: dict) -> bytes | None:
        auth = headers.get(b"authorization", b"")
        if auth[:7].lower() == b"bearer ":
            return auth[7:].strip()
        for part in headers.get(b"cookie", b"").split(b";"):
            k, _, v = part.strip().partition(b"=")
            if k == TOKEN_COOKIE.encode():
                from urllib.parse import unquote_to_bytes

                return unquote_to_bytes(v)
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or scope["path"].startswith("/static/"):
            return await self.app(scope, receive, send)
        got = self._presented(dict(scope["headers"]))
        if got is not None and hmac.compare_digest(got, self.token):
            return await self.app(scope, receive, send)
        if scope["method"] == "GET" and (scope["path"] == "/" or scope["path"].startswith("/ui")):
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", b"/ui/login"), (b"content-length", b"0")]})
            return await send({"type": "http.response.body", "body": b""})
        return await _send_json(send, 401, _error_body(
            "unauthorized", "missing or wrong token (send Authorization: Bearer TOKEN)", "Unauthorized"),
            headers=[(b"www-authenticate", b"Bearer")])


class BodyLimitMiddleware:
    """Read the whole body first, refusing one larger than ``max_body`` bytes with 413."""

    def __init__(self, app, max_body: int):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_big = _error_body("body_too_large", f"the request body is larger than {self.max_body} bytes",
                              "PayloadTooLarge")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            return await _send_json(send, 413, too_big)
        chunks, size = [], 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return await _send_json(send, 413, too_big)
            chunks.append(chunk)
            if not msg.get("more_body"):
                break
        body, sent = b"".join(chunks), [False]

        async def replay():
            if not sent[0]:
                sent[0] = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


class SameOriginMiddleware:
    """Refuse a POST whose ``Origin`` names another site (a web page posting to the local
    workbench); API clients send no Origin."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = dict(scope["headers"])
            origin = headers.get(b"origin")
            if origin is not None and origin != b"null":
                host = headers.get(b"host", b"").decode("latin-1").lower()
                if urlsplit(origin.decode("latin-1")).netloc.lower() != host:
                    return await _send_json(send, 403, _error_body(
                        "cross_origin", "a request from another web site was refused", "Forbidden"))
        return await self.app(scope, receive, send)


class GuardMiddleware:
    """The last guard: an exception no handler took becomes a 500 with its type and place,
    logged without its message (which can quote claim values), and is not re-raised (the
    server's own error log would print it)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = [False]

        async def send_wrapper(msg):
            if msg["type"] == "http.response.start":
                started[0] = True
            await send(msg)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001
            resp = internal_response(exc)
            if not started[0]:
                await resp(scope, receive, send)


# --------------------------------------------------------------------------- the app

def _body_doc(extra_fields: dict | None = None) -> dict:
    """The OpenAPI requestBody of an endpoint that takes a claim input."""
    form = {"claim": {"type": "string", "format": "binary", "description": "the input (any format)"},
            "clinical": {"type": "string", "format": "binary",
                         "description": "clinical facts (YAML/JSON) to merge into an X12/FHIR input"}}
    form.update(extra_fields or {})
    content = {t: {"schema": {"type": "string", "description": d}} for t, d in INPUT_TYPES.items()}
    content["multipart/form-data"] = {"schema": {"type": "object", "required": ["claim"], "properties": form}}
    return {"requestBody": {"required": True, "content": content,
                            "description": "The claim input as the body (the content decides the format, as "
                                           "for `denialkb check`), or multipart with a `clinical` part. "
                                           "Options go in the query string or as form fields."}}


def _json_responses(description: str) -> dict:
    return {200: {"description": description, "content": {"application/json": {"schema": {}}}},
            400: {"description": "invalid input or options: `{error, summary, problems: [{file, line, col, "
                                 "place, code, message, expected, hint}]}`, as `--format json` prints them"},
            401: {"description": "missing or wrong token (when the server has one)"},
            413: {"description": "request body too large"},
            503: {"description": "engine busy past the time limit (retry), or the decision log is locked"},
            504: {"description": "the request ran past the time limit"}}


def build_app(service: Service | None, *, token: str | None = None, max_body: int = MAX_BODY,
              timeout: float = TIMEOUT, allowed_hosts=None, threads: int = 4):
    """The FastAPI app around ``service`` (None: only for the OpenAPI schema)."""
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import RedirectResponse, Response

    from denialkb.engine.errors import Problem, UsageError
    from denialkb.engine.serve import workbench

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="denialkb-serve")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        pool.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="denialkb decision service", version=_version(), lifespan=lifespan,
                  description="Decide oncology drug claims against the denialkb knowledge base and explain "
                              "the decisions. The same answers as the `denialkb` commands with `--format json` "
                              "(see docs/api.md).", docs_url=None, redoc_url=None)
    app.state.service, app.state.pool, app.state.timeout, app.state.max_body = service, pool, timeout, max_body

    @app.exception_handler(DenialKBError)
    async def _denialkb_error(request, exc):  # raised while reading the request
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _bad_options(request, exc):  # a missing or mistyped option: located, without its value
        problems = [Problem("usage_error", f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', 'invalid')}",
                            place=".".join(str(x) for x in e.get("loc", ())))
                    for e in exc.errors()]
        return error_response(UsageError(problems))

    @app.get("/health", summary="Liveness and the KB served")
    def health():
        s = app.state.service
        return {"status": "ok", "kb_version": s.kb.version, "engine": s.decider.engine_name}

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/ui", status_code=303)

    @app.get("/v1/kb", summary="The knowledge base: version, rules, facts", responses=_json_responses("the KB"))
    async def kb_info(request: Request):
        return await run_work(request, lambda s, dl: Response(json_text(s.kb_info()), media_type="application/json"))

    def claim_endpoint(path, summary, extra_fields=None, description=""):
        return app.post(path, summary=summary, description=description, response_class=Response,
                        openapi_extra=_body_doc(extra_fields), responses=_json_responses(summary))

    @claim_endpoint("/v1/check", "Decide claims: decision records (denialkb check --format json)",
                    description="One decision record for an input holding one claim, an array for several "
                                "(an X12 file, a FHIR Bundle). HTTP 200 whatever the outcome; the record's "
                                "`outcome` (and the `X-Denialkb-Outcome` header) says clean, denied or "
                                "undetermined.")
    async def check(request: Request, payer: str | None = Query(None, description="payer profile id for X12/FHIR"),
                    as_of: str | None = Query(None, description="decide with the rules in force on this ISO date")):
        claim, clinical, o = await read_request(request)

        def work(s, dl):
            from denialkb.engine.record import to_json

            as_of_ = check_as_of(opt(o, "as_of"))
            records = s.check(s.read(claim, clinical, opt(o, "payer")), as_of_, dl)
            headers = {"X-Denialkb-Outcome": records[0]["outcome"]} if len(records) == 1 else None
            return Response(to_json(records[0] if len(records) == 1 else records), media_type="application/json",
                            headers=headers)
        return await run_work(request, work)

    @claim_endpoint("/v1/why", "Each denial's chain of conditions and facts (denialkb why --format json)")
    async def why(request: Request, denial: str | None = Query(None, description="only this denial (rule id)"),
                  claim_id: str | None = Query(None, description="the claim, when the input holds several"),
                  payer: str | None = None, as_of: str | None = None):
        claim, clinical, o = await read_request(request)

        def work(s, dl):
            doc = s.one(s.read(claim, clinical, opt(o, "payer")), opt(o, "claim_id"))
            return Response(json_text(s.why(doc, opt(o, "denial"), check_as_of(opt(o, "as_of")), dl)),
                            media_type="application/json")
        return await run_work(request, work)

    @claim_endpoint("/v1/why-not", "Why a rule, finding or CARC was not concluded (denialkb why-not --format json)")
    async def why_not(request: Request, target: str = Query(..., description="rule id, finding id or CARC"),
                      claim_id: str | None = None, payer: str | None = None, as_of: str | None = None):
        claim, clinical, o = await read_request(request)

        def work(s, dl):
            doc = s.one(s.read(claim, clinical, opt(o, "payer")), opt(o, "claim_id"))
            return Response(json_text(s.why_not(doc, opt(o, "target"), check_as_of(opt(o, "as_of")), dl)),
                            media_type="application/json")
        return await run_work(request, work)

    @claim_endpoint("/v1/what-if", "Decide again with values changed (denialkb what-if --format json)")
    async def what_if(request: Request,
                      set_: Annotated[list[str] | None, Query(alias="set", description="PATH=VALUE, e.g. "
                                                              "claim.lines[0].modifiers=[JZ]")] = None,
                      unset: Annotated[list[str] | None, Query(description="PATH to remove")] = None,
                      claim_id: str | None = None, payer: str | None = None, as_of: str | None = None):
        claim, clinical, o = await read_request(request)

        def work(s, dl):
            doc = s.one(s.read(claim, clinical, opt(o, "payer")), opt(o, "claim_id"))
            sets = [v for v in o.get("set", []) if v]
            unsets = [v for v in o.get("unset", []) if v]
            return Response(json_text(s.what_if(doc, sets, unsets, check_as_of(opt(o, "as_of")), dl)),
                            media_type="application/json")
        return await run_work(request, work)

    @claim_endpoint("/v1/fix", "The smallest verified changes that clear each denial (denialkb fix --format json)")
    async def fix(request: Request, claim_id: str | None = None, payer: str | None = None, as_of: str | None = None):
        claim, clinical, o = await read_request(request)

        def work(s, dl):
            doc = s.one(s.read(claim, clinical, opt(o, "payer")), opt(o, "claim_id"))
            return Response(json_text(s.fix(doc, check_as_of(opt(o, "as_of")), dl)), media_type="application/json")
        return await run_work(request, work)

    @app.post("/v1/paths", summary="From the KB alone: the chains leading to a target (denialkb paths --format json)",
              response_class=Response, responses=_json_responses("the chains"))
    async def paths(request: Request, target: str = Query(..., description="rule id, finding id or CARC"),
                    payer: str | None = Query(None, description="only rules in this payer's scope"),
                    as_of: str | None = None):
        def work(s, dl):
            return Response(json_text(s.paths(target, payer or None, check_as_of(as_of))),
                            media_type="application/json")
        return await run_work(request, work)

    @claim_endpoint("/v1/graph", "The claim's decision graph as SVG (denialkb graph --claim)")
    async def graph(request: Request, denial: str | None = Query(None, description="only the part behind this denial"),
                    fact: str | None = Query(None, description="only the part downstream of this fact"),
                    full: bool = Query(False, description="also the rules and findings that did not fire"),
                    claim_id: str | None = None, payer: str | None = None, as_of: str | None = None):
        claim, clinical, o = await read_request(request)

        def work(s, dl):
            doc = s.one(s.read(claim, clinical, opt(o, "payer")), opt(o, "claim_id"))
            svg = s.graph_svg(doc, opt(o, "denial"), opt(o, "fact"), check_as_of(opt(o, "as_of")), dl,
                              full=opt(o, "full", "false").lower() in ("1", "true", "yes", "on"))
            return Response(svg, media_type="image/svg+xml")
        return await run_work(request, work)

    workbench.add_routes(app)

    # middleware: the last added runs first
    app.add_middleware(GuardMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_body=max_body)
    app.add_middleware(SameOriginMiddleware)
    if token:
        app.add_middleware(TokenMiddleware, token=token)
    if allowed_hosts:
        app.add_middleware(HostCheckMiddleware, allowed=allowed_hosts)
    app.add_middleware(AccessLogMiddleware)
    app.state.token_required, app.state.token = bool(token), token
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("denialkb")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def create_app(kb=None, *, token: str | None = None, max_body: int = MAX_BODY, timeout: float = TIMEOUT,
               engine: str = "experta", log_path=None, examples_dir=None, allowed_hosts=None, threads: int = 4):
    """The decision service for the knowledge base ``kb`` (a directory, a loaded
    KnowledgeBase, or None for the shipped one).

    Parameters
    ----------
    token : str, optional
        Require this token on every request (``Authorization: Bearer``); None: no token.
    max_body : int
        Largest request body in bytes (413 above).
    timeout : float
        Seconds a request may take (503 when the engine stays busy, 504 when the work runs longer).
    log_path : path, optional
        Append every ``/v1/check`` decision to this SQLite decision log.
    examples_dir : path, optional
        Claim documents the workbench lists under "open an example".
    allowed_hosts : iterable of str, optional
        Accept only these Host names (``denialkb serve`` passes the loopback names when it
        binds the loopback interface).
    """
    service = Service(kb, engine=engine, log_path=log_path, examples_dir=examples_dir)
    return build_app(service, token=token, max_body=max_body, timeout=timeout, allowed_hosts=allowed_hosts,
                     threads=threads)


def openapi_schema() -> dict:
    """The OpenAPI schema of the service (docs/openapi.json); needs no knowledge base."""
    return build_app(None).openapi()


def openapi_text() -> str:
    """docs/openapi.json's text: the schema as stable JSON."""
    return json.dumps(openapi_schema(), indent=2, sort_keys=True) + "\n"
