"""The ``denialkb`` command group and what every command shares.

The CLI is a thin layer: it parses arguments, calls the library and formats the result.
Library errors (:class:`~denialkb.engine.errors.DenialKBError`) become messages on stderr
and their exit code; a user mistake never shows a Python traceback, and an unexpected
exception is an *internal error* (exit 3), never exit 1, which means "denied".

This module imports no command module; the commands (``check``, ``audit``, ...) live in
sibling modules that import from here, and :mod:`denialkb.engine.cli` imports them all.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from denialkb.engine.errors import DenialKBError, Problem, UsageError, exception_place

# Exit codes of every command (README "Exit codes", ``denialkb --help``).
EXIT_OK = 0           # clean / done
EXIT_FINDINGS = 1     # check: a denial or an undetermined outcome; audit: some claims rejected
EXIT_INVALID = 2      # invalid input, arguments or knowledge base: nothing decided
EXIT_INTERNAL = 3     # internal error (a bug): nothing decided; traceback with --debug
EXIT_INCOMPLETE = 4   # interrupted or aborted (signal, disk full, log locked): output incomplete

FORMATS = click.Choice(["text", "json"])
CHECK_FORMATS = click.Choice(["text", "json", "x12-835", "fhir"])

KB_ENV = "DENIALKB_KB"
DEBUG_ENV = "DENIALKB_DEBUG"


# --------------------------------------------------------------------------- KB location

@dataclass(frozen=True)
class KBSource:
    """Where the knowledge base of a command comes from.

    Parameters
    ----------
    path : Path
        The KB directory.
    origin : str
        ``--kb``, ``DENIALKB_KB``, ``./kb``, ``argument`` or ``shipped``.
    """

    path: Path
    origin: str

    @property
    def shipped(self) -> bool:
        return self.origin == "shipped"

    def display(self) -> str:
        """The path as a person reads it: relative to the working directory when inside it."""
        try:
            rel = self.path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return str(self.path)
        return rel.as_posix() or "."

    def describe(self) -> str:
        """``the shipped KB``, ``./kb in the working directory``, ... (for messages)."""
        return {"--kb": "--kb", KB_ENV: f"the {KB_ENV} environment variable",
                "./kb": "./kb in the working directory", "argument": "the command line",
                "shipped": "the KB shipped with denialkb"}.get(self.origin, self.origin)


def resolve_kb(kb_dir: str | os.PathLike | None, *, origin: str = "--kb") -> KBSource:
    """Find the knowledge base: ``kb_dir``, then ``$DENIALKB_KB``, then ``./kb`` when the
    working directory holds a knowledge base (``kb/kb.yaml``), else the shipped one.

    >>> resolve_kb("some/dir").origin
    '--kb'
    """
    if kb_dir:
        return KBSource(Path(kb_dir), origin)
    env = os.environ.get(KB_ENV, "").strip()
    if env:
        return KBSource(Path(env), KB_ENV)
    local = Path("kb")
    if (local / "kb.yaml").is_file():
        return KBSource(local, "./kb")
    from denialkb.engine.kb import default_kb_dir

    return KBSource(default_kb_dir(), "shipped")


def _meta() -> dict:
    ctx = click.get_current_context(silent=True)
    return ctx.meta if ctx is not None else {}


def current_kb() -> KBSource | None:
    """The KB source resolved for the running command (None before resolution)."""
    return _meta().get("denialkb.kb")


def use_kb(kb_dir, *, origin: str = "--kb", ctx=None) -> str:
    """Resolve the KB of this command, remember it (headers, hints) and return its path."""
    src = resolve_kb(kb_dir, origin=origin)
    (ctx.meta if ctx is not None else _meta())["denialkb.kb"] = src
    return str(src.path)


def _kb_callback(ctx, param, value):
    return use_kb(value, ctx=ctx)


def kb_header(version: str | None = None) -> str:
    """The first line of every text output: ``kb: PATH (VERSION, from ORIGIN)``."""
    src = current_kb()
    if src is None:  # pragma: no cover - every command that takes a KB resolves it
        return ""
    if version is None:
        version = kb_version_of(src.path)
    ver = version[:19] if version and version.startswith("sha256:") else (version or "unreadable")
    return f"kb: {src.display()} (version {ver}, from {src.describe()})"


def kb_version_of(path: Path) -> str | None:
    """The content version of the KB in ``path`` without loading it (None when unreadable)."""
    from denialkb.engine.kb import kb_files, kb_version

    try:
        return kb_version(path, kb_files(path)) if path.is_dir() else None
    except OSError:
        return None


def echo_header(version: str | None = None) -> None:
    """Print :func:`kb_header` on stdout."""
    click.echo(kb_header(version))


# --------------------------------------------------------------------------- errors

_KB_HINTED = ("unknown payer", "unknown drug")


def kb_note(err: DenialKBError | None = None) -> str:
    """A note naming the KB used, for errors a different KB could explain."""
    src = current_kb()
    if src is None:
        return ""
    from denialkb.engine.errors import KBInvalidError

    msgs = [p.message for p in getattr(err, "problems", [])] if err is not None else []
    if err is not None and not isinstance(err, KBInvalidError) and \
            not any(m.startswith(_KB_HINTED) or f": {_KB_HINTED[0]}" in m or f": {_KB_HINTED[1]}" in m
                    for m in msgs):
        return ""
    return (f"note: the knowledge base used is {src.display()} (from {src.describe()}); "
            f"pass --kb DIR or set {KB_ENV} to use another")


def _emit_error(err: DenialKBError, fmt: str) -> None:
    note = kb_note(err)
    if fmt == "json":
        d = err.to_dict()
        if note:
            src = current_kb()
            d["kb"] = {"path": src.display(), "origin": src.origin}
            d["hint"] = note.removeprefix("note: ")
        click.echo(json.dumps(d, indent=2), err=True)
    else:
        click.echo(err.format(), err=True)
        if note:
            click.echo(note, err=True)


def debug_enabled() -> bool:
    """``--debug`` on the command line or ``DENIALKB_DEBUG=1``: show tracebacks."""
    return bool(_meta().get("denialkb.debug")) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def internal_error(exc: BaseException, fmt: str = "text") -> None:
    """Report an unexpected exception and exit 3. The message names the exception type and
    where it was raised, never its text (which can quote claim values); ``--debug`` prints
    the traceback."""
    import traceback

    where = exception_place(exc)
    msg = (f"denialkb: internal error: {type(exc).__name__}" + (f" at {where}" if where else "")
           + "; nothing was decided. This is a bug: please report it"
           + (" (run again with --debug for the traceback)." if not debug_enabled() else "."))
    if debug_enabled():
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    if fmt == "json":
        click.echo(json.dumps({"error": "InternalError", "summary": msg, "exception": type(exc).__name__,
                               "where": where, "problems": []}, indent=2), err=True)
    else:
        click.echo(msg, err=True)
    sys.exit(EXIT_INTERNAL)


def environment_error(exc: OSError) -> None:
    """An I/O failure outside the input (disk full, unwritable path): a message, exit 4."""
    import errno

    what = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
            errno.EPIPE: "output closed early (broken pipe)"}.get(exc.errno, exc.strerror or str(exc))
    where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
    click.echo(f"denialkb: cannot finish: {what}{where}; the output is incomplete", err=True)
    sys.exit(EXIT_INCOMPLETE)


def _guard(fn, fmt_of):
    try:
        return fn()
    except DenialKBError as err:
        _emit_error(err, fmt_of())
        sys.exit(getattr(err, "exit_code", EXIT_INVALID))
    except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
        raise
    except KeyboardInterrupt:
        click.echo("denialkb: interrupted; the output is incomplete", err=True)
        sys.exit(EXIT_INCOMPLETE)
    except BrokenPipeError as exc:
        try:
            sys.stdout = open(os.devnull, "w")  # no second EPIPE when the interpreter flushes
        except OSError:  # pragma: no cover
            pass
        environment_error(exc)
    except OSError as exc:
        import errno

        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EPIPE):
            environment_error(exc)
        internal_error(exc, fmt_of())
    except Exception as exc:  # the top-level guard: nothing escapes as exit 1
        internal_error(exc, fmt_of())


def handle_errors(fn):
    """Turn library errors into a message and their exit code (2 for bad input; JSON under
    ``--format json``) and any other exception into an internal error (exit 3)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return _guard(lambda: fn(*args, **kwargs), lambda: kwargs.get("fmt", "text") or "text")
    return wrapper


class DenialKBGroup(click.Group):
    """The command group, with the top-level guard: no exception escapes as exit 1."""

    def invoke(self, ctx):
        """Invoke the command under the guard (see :func:`handle_errors`)."""
        return _guard(lambda: super(DenialKBGroup, self).invoke(ctx), lambda: "text")


# --------------------------------------------------------------------------- shared helpers

def get_decider(kb_dir, engine: str = "experta"):
    """A :class:`~denialkb.engine.runtime.Decider` for the resolved KB directory."""
    from denialkb.engine.runtime import Decider

    return Decider(kb_dir, engine=engine)


def load_claims(files, payer=None, clinical=None) -> list:
    """Load and validate every input first: one bad input means nothing is decided."""
    from denialkb.engine.inputs import read_inputs

    src = current_kb()
    return read_inputs(files, payer=payer, clinical=clinical, kb_dir=src.path if src else None)


def check_date(as_of):
    """Validate ``--as-of`` (an ISO date) and return it."""
    from denialkb.engine.bounds import option_date_problem

    if as_of is None:
        return None
    why = option_date_problem(as_of)
    if why:
        raise UsageError([Problem("usage_error", f"--as-of: {as_of[:40]!r} {why}",
                                  expected="an ISO date like 2024-03-15")])
    return as_of


EXIT_HELP = """\b
Exit codes (every command):
  0  clean / done
  1  check: a denial or an undetermined outcome; audit: the run completed
     and some claims were rejected; log replay: the decision changed;
     kb lint / kb test: problems found or a case failed
  2  invalid input, arguments or knowledge base: nothing decided
  3  internal error (a bug): nothing decided; --debug shows the traceback
  4  incomplete: interrupted (Ctrl-C, SIGTERM) or stopped by the environment
     (disk full, log locked); audit --resume continues the run
\b
Knowledge base: --kb DIR, else $DENIALKB_KB, else ./kb when the working
directory holds kb/kb.yaml, else the KB shipped with denialkb. Text output
names it in its first line."""


@click.group(cls=DenialKBGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=EXIT_HELP)
@click.version_option(package_name="denialkb")
@click.option("--debug", is_flag=True, help=f"Print the traceback of an internal error (or set {DEBUG_ENV}=1).")
@click.pass_context
def main(ctx, debug):
    """denialkb: explain how an oncology drug claim could be denied."""
    ctx.meta["denialkb.debug"] = debug


kb_option = click.option("--kb", "kb_dir", type=click.Path(file_okay=False), default=None,
                         callback=_kb_callback,
                         help=f"Knowledge-base directory (default: ${KB_ENV}, else ./kb when it holds "
                              "kb.yaml, else the shipped KB).")
format_option = click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                             help="Output format.")
engine_option = click.option(
    "--engine", type=click.Choice(["experta", "direct"]), default="experta", show_default=True,
    help="experta (the reference) or direct: stratified evaluation of the same compiled rules, "
         "several times faster, byte-identical decisions (CI-tested); the record names the engine.")
as_of_option = click.option("--as-of", "as_of", default=None, metavar="DATE",
                            help="Decide with the rules and tables in force on DATE instead of each date of service.")
