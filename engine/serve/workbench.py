"""The web workbench (``/ui``): server-rendered pages for an auditor, over the same service.

- ``GET /ui``: open a claim (upload a file of any format, paste it, or pick an example);
- ``POST /ui/decide``: the decision with its explanations (why chains), the focused decision
  graph (SVG), why-not for a chosen rule, the fix suggestions on request, and the what-if form;
- ``POST /ui/what-if``: the changed decision side by side with the original;
- ``GET /ui/log``, ``GET /ui/log/entry?id=N``, ``POST /ui/log/annotate``: browse the decision
  log (``denialkb serve --log-decisions DIR``) and record dispositions.

The pages are Jinja2 templates with one bundled stylesheet; no script, no CDN, nothing
fetched from elsewhere. The claim travels in the pages' forms (a hidden field), never in a
URL, and is kept nowhere on the server (unless the decision log is on).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request

from denialkb.engine.errors import DenialKBError, Problem, UsageError

HERE = Path(__file__).parent
DISPOSITIONS = ("agree", "disagree", "note")


def _templates():
    from starlette.templating import Jinja2Templates

    return Jinja2Templates(directory=str(HERE / "templates"))


def add_routes(app) -> None:
    """Add the workbench pages and its static files to ``app``."""
    from fastapi.responses import HTMLResponse, RedirectResponse
    from starlette.staticfiles import StaticFiles

    from denialkb.engine.serve.web import TOKEN_COOKIE, opt, read_request, run_work

    templates = _templates()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def page(request, name: str, ctx: dict, status: int = 200):
        s = request.app.state.service
        base = {"kb_version": s.kb.version, "engine": s.decider.engine_name, "log_on": s.log_path is not None,
                "token_required": request.app.state.token_required}
        return templates.TemplateResponse(request, name, {**base, **ctx}, status_code=status)

    def problems_page(request, err: DenialKBError, ctx=None):
        return page(request, "error.html", {"err": err, "problems": err.problems, **(ctx or {})}, status=400)

    async def guarded(request, fn, ctx=None):
        """Run ``fn(service, deadline)`` (returning a response) like the API does; library
        errors become the located-problems page."""
        from fastapi.responses import JSONResponse

        def work(s, dl):
            try:
                return fn(s, dl)
            except DenialKBError as err:
                return problems_page(request, err, ctx)
        resp = await run_work(request, work)
        if isinstance(resp, JSONResponse) and resp.status_code >= 500:
            return page(request, "error.html", {"summary": resp.body.decode(), "problems": []},
                        status=resp.status_code)
        return resp

    @app.get("/ui", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request):
        s = request.app.state.service
        return page(request, "index.html", {"examples": s.examples(), "payers": sorted(s.kb.payers)})

    @app.get("/ui/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request):
        return page(request, "login.html", {})

    @app.post("/ui/login", include_in_schema=False)
    async def login(request: Request):
        import hmac

        form = await request.form()
        given = str(form.get("token", "")).strip().encode()
        token = getattr(request.app.state, "token", None)
        if token is None:
            return RedirectResponse("/ui", status_code=303)
        if not hmac.compare_digest(given, token.encode()):
            return page(request, "login.html", {"wrong": True}, status=401)
        resp = RedirectResponse("/ui", status_code=303)
        resp.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
        return resp

    def _decide_context(s, claim, clinical, o, dl):
        """Everything the decision page shows (raises DenialKBError on bad input)."""
        from denialkb.engine.explain import render_fix, render_why_not
        from denialkb.engine.serve import forms
        from denialkb.engine.serve.service import check_as_of

        as_of, payer = check_as_of(opt(o, "as_of")), opt(o, "payer")
        docs = s.read(claim, clinical, payer)
        doc = s.one(docs, opt(o, "claim_id")) if opt(o, "claim_id") else docs[0]
        record = s.check([doc], as_of, dl)[0]
        decision = s.locked(lambda d: d.decide(doc, as_of), dl)
        focus = opt(o, "focus")
        denial_ids = sorted({d["id"] for d in record["denials"]})
        if focus and focus not in denial_ids:
            focus = None
        try:
            svg = s.graph_svg(doc, denial=focus, as_of=as_of, deadline=dl, picture="report")
        except DenialKBError as e:  # Graphviz missing: the page says so, the rest stands
            svg, graph_problem = "", e.problems[0].message
        else:
            graph_problem = ""
        target = opt(o, "why_not")
        why_not_text = ""
        if target:
            why_not_text = render_why_not(record["claim_id"], target, s.why_not(doc, target, as_of, dl)["attempts"])
        fix_text = render_fix(s.fix(doc, as_of, dl)) if opt(o, "fix") else ""
        rules = sorted(r.id for r in s.kb.rules if r.conclusion == "denial")
        return {"record": record, "why_text": _why_text(record, decision, s),
                "svg": svg, "graph_problem": graph_problem, "focus": focus, "denial_ids": denial_ids,
                "why_not": target, "why_not_text": why_not_text, "fix_text": fix_text, "rules": rules,
                "sections": forms.sections(doc.data), "claim_ids": [d.claim_id for d in docs],
                "claim_text": claim.data.decode("utf-8", "replace"), "claim_name": claim.name,
                "clinical_text": clinical.data.decode("utf-8", "replace") if clinical else "",
                "payer": payer or "", "as_of": as_of or "", "claim_id": doc.claim_id,
                "payers": sorted(s.kb.payers)}

    async def _inputs(request):
        """The claim of a workbench form: an upload, else the pasted (or carried) text."""
        from denialkb.engine.serve.service import BODY_NAME, CLINICAL_NAME, Upload

        claim, clinical, o = await read_request(request, need_claim=False, urlencoded=True)
        if claim is None and opt(o, "claim_text"):
            claim = Upload(opt(o, "claim_text").encode("utf-8"), opt(o, "claim_name") or BODY_NAME)
        if clinical is None and opt(o, "clinical_text"):
            clinical = Upload(opt(o, "clinical_text").encode("utf-8"), CLINICAL_NAME)
        if claim is None:
            raise UsageError([Problem("usage_error", "no claim: upload a file, paste a claim or pick an example")])
        return claim, clinical, o

    @app.post("/ui/decide", response_class=HTMLResponse, include_in_schema=False)
    async def decide(request: Request):
        try:
            claim, clinical, o = await _inputs(request)
        except DenialKBError as err:
            return problems_page(request, err)
        return await guarded(request, lambda s, dl: page(request, "decision.html",
                                                          _decide_context(s, claim, clinical, o, dl)))

    @app.get("/ui/example", response_class=HTMLResponse, include_in_schema=False)
    async def example(request: Request, name: str):
        from denialkb.engine.serve.service import Upload

        def work(s, dl):
            claim = Upload(s.example(name), name)
            return page(request, "decision.html", _decide_context(s, claim, None, {}, dl))
        return await guarded(request, work)

    @app.post("/ui/what-if", response_class=HTMLResponse, include_in_schema=False)
    async def what_if_page(request: Request):
        from denialkb.engine.serve import forms

        try:
            claim, clinical, o = await _inputs(request)
        except DenialKBError as err:
            return problems_page(request, err)

        def work(s, dl):
            from denialkb.engine.explain import render_what_if
            from denialkb.engine.serve.service import check_as_of

            as_of, payer = check_as_of(opt(o, "as_of")), opt(o, "payer")
            docs = s.read(claim, clinical, payer)
            doc = s.one(docs, opt(o, "claim_id")) if opt(o, "claim_id") else docs[0]
            submitted = {k[2:]: v[-1] for k, v in o.items() if k.startswith("f:")}
            sets, unsets, errors = forms.changes(doc.data, submitted)
            if errors:
                raise UsageError([Problem("usage_error", msg, claim.name, place=path) for path, msg in errors])
            before = s.check([doc], as_of, dl, log=False)[0]  # logged when it was decided
            res = s.what_if(doc, sets, unsets, as_of, dl)
            return page(request, "what_if.html", {
                "before": before, "after": res["record"], "res": res, "text": render_what_if(res),
                "changed": {p for p, _ in sets} | set(unsets),
                "added_keys": {f"{d['id']}@{d['line'] or ''}" for d in res["added"]},
                "removed_keys": {f"{d['id']}@{d['line'] or ''}" for d in res["removed"]},
                "sections": forms.sections(doc.data), "submitted": submitted,
                "claim_text": claim.data.decode("utf-8", "replace"), "claim_name": claim.name,
                "clinical_text": clinical.data.decode("utf-8", "replace") if clinical else "",
                "payer": payer or "", "as_of": as_of or "", "claim_id": doc.claim_id})
        return await guarded(request, work)

    # ------------------------------------------------------------------ the decision log
    @app.get("/ui/log", response_class=HTMLResponse, include_in_schema=False)
    def log_index(request: Request, claim: str | None = None):
        from denialkb.engine.serve import logview

        s = request.app.state.service
        rows = logview.recent(s.log_path, claim_id=claim) if s.log_path else []
        return page(request, "log.html", {"rows": rows, "claim": claim or "", "log_path": s.log_path})

    @app.get("/ui/log/entry", response_class=HTMLResponse, include_in_schema=False)
    def log_entry(request: Request, id: int):
        from denialkb.engine.record import render_text
        from denialkb.engine.serve import logview

        s = request.app.state.service
        if s.log_path is None:
            return RedirectResponse("/ui/log", status_code=303)
        entry = logview.entry(s.log_path, id)
        if entry is None:
            return page(request, "error.html", {"summary": "no such log entry", "problems": []}, status=404)
        return page(request, "log_entry.html", {
            "entry": entry, "record": entry["record_obj"], "text": render_text(entry["record_obj"]),
            "dispositions": logview.dispositions(s.log_path, entry["claim_id"]),
            "can_annotate": logview.can_annotate(), "choices": DISPOSITIONS})

    @app.post("/ui/log/annotate", include_in_schema=False)
    async def log_annotate(request: Request):
        from denialkb.engine.serve import logview

        s = request.app.state.service
        form = await request.form()
        entry_id = str(form.get("entry", ""))
        try:
            if s.log_path is None:
                raise UsageError([Problem("usage_error", "the decision log is off (serve --log-decisions DIR)")])
            rule_id, _, line = str(form.get("rule_line", "")).partition("|")
            logview.annotate(s.log_path, str(form.get("claim_id", "")), rule_id.strip(),
                             str(form.get("disposition", "")), str(form.get("note", "")).strip() or None,
                             int(line) if line.strip().isdigit() else None, kb_dir=s.kb_dir)
        except DenialKBError as err:
            return problems_page(request, err)
        return RedirectResponse(f"/ui/log/entry?id={int(entry_id) if entry_id.isdigit() else 0}", status_code=303)


def _why_text(record: dict, decision, s) -> str:
    """``denialkb why`` text for the decision (empty when nothing was denied)."""
    from denialkb.engine.explain import render_why, why

    if not record["denials"]:
        return ""
    return render_why(record["claim_id"], why(decision, s.kb))
