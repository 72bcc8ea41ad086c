"""What the API endpoints and the workbench pages share: reading a request's input and
options, running its work under the time limit, and turning errors into responses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from denialkb.engine.errors import DenialKBError, IncompleteError, exception_place
from denialkb.engine.serve.service import BODY_NAME, CLINICAL_NAME, BusyError, TimedOut, Upload
from denialkb.engine.serve.service import display_name as _display_name
from denialkb.engine.serve.service import usage as _usage

ERROR_LOG = logging.getLogger("denialkb.serve.error")
GRACE = 0.5                  # the work may run this much past the limit before 504: waiting for the
                             # engine until the limit is then reliably 503, never a 504 race
TOKEN_COOKIE = "denialkb_token"


def _error_body(code: str, summary: str, status_name: str) -> dict:
    return {"error": status_name, "summary": summary, "problems": [{"code": code, "message": summary}]}


# --------------------------------------------------------------------------- running work

def error_response(err: DenialKBError):
    """400 (bad input, arguments) or 503 (incomplete: the decision log is locked) with the
    error's JSON: the same object ``--format json`` prints on stderr."""
    from fastapi.responses import Response

    status = 503 if isinstance(err, IncompleteError) else 400
    return Response(json.dumps(err.to_dict(), indent=2) + "\n", status_code=status, media_type="application/json")


def internal_response(exc: BaseException):
    """500: the exception's type and where it arose, never its text (it can quote claim values)."""
    from fastapi.responses import JSONResponse

    where = exception_place(exc)
    msg = (f"denialkb: internal error: {type(exc).__name__}" + (f" at {where}" if where else "")
           + "; nothing was decided. This is a bug: please report it.")
    ERROR_LOG.error("internal error: %s%s", type(exc).__name__, f" at {where}" if where else "")
    return JSONResponse({"error": "InternalError", "summary": msg, "exception": type(exc).__name__,
                         "where": where, "problems": []}, status_code=500)


def _limit(status: int, summary: str, code: str):
    from fastapi.responses import JSONResponse

    return JSONResponse(_error_body(code, summary, "ServiceUnavailable" if status == 503 else "GatewayTimeout"),
                        status_code=status, headers={"Retry-After": "1"} if status == 503 else None)


async def run_work(request, fn):
    """Run ``fn(service, deadline)`` in the app's worker threads under the time limit and turn
    its outcome into a response (``fn`` returns one)."""
    state = request.app.state
    timeout = state.timeout
    deadline = time.monotonic() + timeout
    loop = asyncio.get_running_loop()

    def work():
        if time.monotonic() > deadline:
            raise TimedOut()
        return fn(state.service, deadline)

    try:
        return await asyncio.wait_for(loop.run_in_executor(state.pool, work), timeout + GRACE)
    except DenialKBError as err:
        return error_response(err)
    except BusyError:
        return _limit(503, f"the engine stayed busy for {timeout:g} s; retry", "busy")
    except (TimeoutError, asyncio.TimeoutError, TimedOut):
        return _limit(504, f"the request took longer than {timeout:g} s", "timeout")
    except Exception as exc:  # noqa: BLE001 - the top-level guard of a request
        return internal_response(exc)


# --------------------------------------------------------------------------- request inputs

async def read_request(request, *, need_claim: bool = True, urlencoded: bool = False):
    """``(claim Upload, clinical Upload or None, options)`` from a request: a raw body (the
    input itself; options in the query string), or ``multipart/form-data`` with a ``claim``
    part (file or text), an optional ``clinical`` part and option fields. Options are lists
    of strings by name (query string and form fields together). An
    ``application/x-www-form-urlencoded`` body is a raw input too (``curl --data-binary``
    sends that type), except for the workbench's forms (``urlencoded=True``)."""
    options: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        options.setdefault(k, []).append(v)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    claim = clinical = None
    if ctype == "multipart/form-data" or (urlencoded and ctype == "application/x-www-form-urlencoded"):
        # the body limit bounds the whole request; a pasted claim is one large text field and a
        # what-if form of a long claim has many fields
        form = await request.form(max_files=4, max_fields=20_000, max_part_size=request.app.state.max_body)
        for k, v in form.multi_items():
            if k in ("claim", "clinical"):
                if hasattr(v, "read"):
                    data, name = await v.read(), _display_name(v.filename, BODY_NAME if k == "claim" else CLINICAL_NAME)
                else:
                    data, name = v.encode("utf-8"), BODY_NAME if k == "claim" else CLINICAL_NAME
                if data.strip():
                    if k == "claim":
                        claim = Upload(data, name)
                    else:
                        clinical = Upload(data, name)
            elif isinstance(v, str):
                options.setdefault(k, []).append(v)
    else:
        body = await request.body()
        if body:
            claim = Upload(body, BODY_NAME)
    if need_claim and claim is None:
        raise _usage("no input: send a claim (claim document, X12 837 or FHIR) as the request body",
                     expected="a non-empty body, or a multipart 'claim' part")
    return claim, clinical, options


def opt(options: dict, name: str, default=None):
    """The last value of option ``name`` ("" counts as absent)."""
    vals = [v for v in options.get(name, []) if v != ""]
    return vals[-1] if vals else default


def json_text(obj) -> str:
    """The JSON text the query commands print (``indent=2``, UTF-8 as is, a final newline)."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
