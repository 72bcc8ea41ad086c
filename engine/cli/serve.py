"""``denialkb serve``: the decision service and the web workbench, run by uvicorn.

Safe by default: it binds 127.0.0.1; any other address needs ``--token-file`` (else exit 2),
and the token is then required on every request. Requests have a size and a time limit; the
access log names method, path, status and time only; decisions are logged only with
``--log-decisions DIR``. Exit codes: 0 stopped, 2 bad arguments or KB, 3 internal error.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import click

from denialkb.engine.cli.app import engine_option, handle_errors, kb_option, main
from denialkb.engine.errors import Problem, UsageError

CONFIG_ENV = "DENIALKB_SERVE_CONFIG"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MIN_TOKEN = 16

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "uvicorn.error": {"level": "INFO"},
                "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
                "denialkb.serve": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}


def _usage(msg, **kw):
    return UsageError([Problem("usage_error", msg, **kw)])


def read_token(path) -> str:
    """The token in ``path`` (surrounding white space removed); a UsageError when the file is
    missing, empty, too short or readable by other users."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8").strip()
        mode = p.stat().st_mode
    except (OSError, UnicodeDecodeError) as e:
        raise _usage(f"--token-file: cannot read {p}: {getattr(e, 'strerror', None) or type(e).__name__}") from None
    if len(text) < MIN_TOKEN or any(c.isspace() for c in text):
        raise _usage(f"--token-file: {p} does not hold a usable token",
                     expected=f"one line of at least {MIN_TOKEN} characters without spaces",
                     hint="e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > FILE; chmod 600 FILE")
    if os.name == "posix" and mode & (stat.S_IRGRP | stat.S_IROTH):
        raise _usage(f"--token-file: {p} is readable by other users", hint=f"chmod 600 {p}")
    return text


def app_from_env():
    """The app of one uvicorn worker process, configured by ``$DENIALKB_SERVE_CONFIG``
    (set by ``denialkb serve`` for ``--workers N``; the token is read from its file)."""
    from denialkb.engine.serve import create_app

    cfg = json.loads(os.environ[CONFIG_ENV])
    token = read_token(cfg["token_file"]) if cfg.get("token_file") else None
    return create_app(cfg["kb"], token=token, max_body=cfg["max_body"], timeout=cfg["timeout"], engine=cfg["engine"],
                      log_path=cfg.get("log_path"), examples_dir=cfg.get("examples"),
                      allowed_hosts=cfg.get("allowed_hosts"), threads=cfg["threads"])


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but 127.0.0.1/localhost/::1 needs --token-file.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes, each with its own compiled engine.")
@click.option("--token-file", type=click.Path(dir_okay=False), default=None,
              help="File holding the token every request must carry (Authorization: Bearer TOKEN).")
@click.option("--log-decisions", "log_dir", type=click.Path(file_okay=False), default=None,
              help="Append every /v1/check decision to DIR/denialkb-decisions.sqlite (off by default).")
@click.option("--max-body", default=5 * 1024 * 1024, show_default=True, type=click.IntRange(1024, None),
              help="Largest request body in bytes (HTTP 413 above).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a request may take (503 engine busy, 504 took longer).")
@click.option("--examples", "examples", type=click.Path(file_okay=False), default=None,
              help="Claim documents the workbench offers to open (default: ./examples when present).")
@click.option("--openapi", "print_openapi", is_flag=True, help="Print the OpenAPI schema (docs/openapi.json) and exit.")
@kb_option
@engine_option
@handle_errors
def serve(host, port, workers, token_file, log_dir, max_body, timeout, examples, print_openapi, kb_dir, engine):
    """Serve decisions over HTTP (/v1/...) and the auditor's workbench (/ui).

    The API gives the answers of check, why, why-not, what-if, fix, paths and graph with
    --format json (docs/api.md); the workbench opens a claim of any format, explains its
    decision and edits it in a what-if form. Stop with Ctrl-C.
    """
    if print_openapi:
        from denialkb.engine.serve.app import openapi_text

        click.echo(openapi_text(), nl=False)
        return
    loopback = host.strip("[]").lower() in LOOPBACK
    if not loopback and not token_file:
        raise _usage(f"--host {host}: serving beyond this machine needs --token-file",
                     expected="--host 127.0.0.1 (the default), or --token-file FILE",
                     hint="every request must then carry the token: Authorization: Bearer TOKEN")
    token = read_token(token_file) if token_file else None
    log_path = None
    if log_dir:
        from denialkb.engine.decision_log import DEFAULT_LOG

        Path(log_dir).mkdir(parents=True, exist_ok=True)
        log_path = str(Path(log_dir) / DEFAULT_LOG)
    if examples is None and Path("examples").is_dir():
        examples = "examples"
    cfg = {"kb": kb_dir, "token_file": str(Path(token_file).resolve()) if token_file else None,
           "max_body": max_body, "timeout": timeout, "engine": engine, "log_path": log_path,
           "examples": str(Path(examples).resolve()) if examples else None,
           "allowed_hosts": list(LOOPBACK) if loopback else None, "threads": 4}
    import uvicorn

    from denialkb.engine.serve import create_app

    # built here first: a bad KB is exit 2 before any worker starts
    app = create_app(kb_dir, token=token, max_body=max_body, timeout=timeout, engine=engine, log_path=log_path,
                     examples_dir=cfg["examples"], allowed_hosts=cfg["allowed_hosts"])
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    click.echo(f"denialkb serve: http://{shown}:{port}/ui (API /v1, KB {app.state.service.kb.version[:19]}, "
               f"{workers} worker{'s' if workers != 1 else ''}{', token required' if token else ''}"
               f"{', decision log ' + log_path if log_path else ''})", err=True)
    common = {"host": host.strip("[]"), "port": port, "log_config": LOG_CONFIG, "access_log": False,
              "server_header": False, "timeout_graceful_shutdown": 5}
    if workers == 1:
        uvicorn.run(app, **common)
    else:
        del app
        os.environ[CONFIG_ENV] = json.dumps(cfg)
        uvicorn.run("denialkb.engine.cli.serve:app_from_env", factory=True, workers=workers, **common)
