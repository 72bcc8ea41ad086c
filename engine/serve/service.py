"""What the HTTP API and the workbench do, over the same library calls as the CLI.

:class:`Service` holds one knowledge base and one :class:`~denialkb.engine.runtime.Decider`
per process. experta engines are not thread-safe, so every use of the Decider is
serialised by one lock (:attr:`Service.lock`); the web framework's worker threads only
parse inputs and render outputs in parallel. Deciding is CPU-bound Python (the GIL holds
it to one core anyway), so the lock costs no throughput; more throughput comes from more
processes (``denialkb serve --workers N``), each with its own Decider.

Inputs arrive as bytes (a request body, an upload, a pasted text). They are written to a
private temporary directory and read by :func:`denialkb.engine.inputs.read_inputs`, the
reader of ``denialkb check``: the content decides the format (claim document YAML/JSON,
X12 837, FHIR), and bad input raises :class:`~denialkb.engine.errors.ClaimInvalidError`
with the same located problems, naming the input as the client named it (``<body>``, an
upload's file name), never the temporary path.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import time
from pathlib import Path, PurePath

from denialkb.engine.errors import (
    ClaimInvalidError,
    DenialKBError,
    Problem,
    UsageError,
    did_you_mean,
)

BODY_NAME = "<body>"
CLINICAL_NAME = "<clinical>"
INPUT_STEM, CLINICAL_STEM = "denialkb-input", "denialkb-clinical"  # temporary files, renamed in every message


class BusyError(Exception):
    """The engine stayed busy with other requests past the request's time limit."""


class TimedOut(Exception):
    """The request's time limit passed before its work could start."""


@dataclasses.dataclass(frozen=True)
class Upload:
    """One input as received: its bytes and the name problems are located in."""

    data: bytes
    name: str = BODY_NAME


def display_name(filename: str | None, default: str) -> str:
    """An uploaded file's base name (never a client path), or ``default``."""
    if not filename:
        return default
    base = PurePath(filename.replace("\\", "/")).name
    return base[:200] or default


def check_as_of(as_of: str | None) -> str | None:
    """Validate the ``as_of`` option (an ISO date) and return it (None when empty)."""
    if not as_of:
        return None
    from denialkb.engine.bounds import option_date_problem

    why = option_date_problem(as_of)
    if why:
        raise UsageError([Problem("usage_error", f"as_of: {why}", expected="an ISO date like 2024-03-15")])
    return as_of


def usage(message: str, **kw) -> UsageError:
    """A :class:`UsageError` with one problem."""
    return UsageError([Problem("usage_error", message, **kw)])


def _suffix(data: bytes) -> str:
    """The file suffix the readers expect for this content (as ``denialkb check -`` picks it)."""
    from denialkb.engine.formats.sniff import decode_bytes, sniff_text

    try:
        kind = sniff_text(decode_bytes(data[:65536], "body"), "body")
    except Exception:  # undecodable: the claim reader reports it, located
        kind = "claim"
    if data.lstrip()[:1] == b"{" or kind in ("fhir", "ndjson"):
        return ".json"
    return ".txt" if kind == "x12" else ".yaml"


def _renamed(text: str, names: dict) -> str:
    for tmp, name in names.items():
        text = text.replace(tmp, name)
    return text


def _rename(problems, names: dict) -> list:
    """Problems with temporary paths (and file names) replaced by the names the client gave."""
    return [dataclasses.replace(p, file=_renamed(str(p.file), names), message=_renamed(p.message, names),
                                place=_renamed(p.place, names)) for p in problems]


def _rename_notes(notes, names: dict) -> list:
    """Converter warnings (``{code, place, message}``) with the temporary names replaced."""
    return [{k: _renamed(v, names) if isinstance(v, str) else v for k, v in n.items()} for n in notes]


class Service:
    """One knowledge base and one Decider, shared by every request of a process.

    Parameters
    ----------
    kb : KnowledgeBase, path or None
        The knowledge base (default: the shipped one); a directory is linted first, as for
        ``denialkb check``.
    engine : str
        ``experta`` (default), ``experta-reference`` or ``direct``.
    log_path : path, optional
        Append every ``check`` decision to this SQLite decision log (``--log-decisions``).
    examples_dir : path, optional
        Claim documents the workbench offers to open.
    """

    def __init__(self, kb=None, *, engine: str = "experta", log_path=None, examples_dir=None):
        from denialkb.engine.runtime import Decider

        self.decider = Decider(kb, engine=engine)
        self.kb = self.decider.kb
        self.kb_dir = Path(self.kb.root) if getattr(self.kb, "root", None) else None
        self.lock = threading.Lock()
        self.log_path = Path(log_path) if log_path else None
        self.examples_dir = Path(examples_dir) if examples_dir else None

    # ------------------------------------------------------------------ the engine
    def locked(self, fn, deadline: float | None = None):
        """Run ``fn(decider)`` holding the engine lock; :class:`BusyError` when the lock
        cannot be had before ``deadline`` (a :func:`time.monotonic` value)."""
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise TimedOut()
            if not self.lock.acquire(timeout=wait):
                raise BusyError()
        else:
            self.lock.acquire()
        try:
            return fn(self.decider)
        finally:
            self.lock.release()

    # ------------------------------------------------------------------ inputs
    def read(self, claim: Upload, clinical: Upload | None = None, payer: str | None = None) -> list:
        """Read and validate one input (which may hold several claims: an X12 file, a FHIR
        Bundle) into claim documents, exactly as ``denialkb check`` reads a file.

        Raises ClaimInvalidError with every located problem.
        """
        from denialkb.engine.inputs import read_inputs

        if not claim.data.strip():
            raise ClaimInvalidError([Problem("claim_invalid", "the input is empty", claim.name,
                                             expected="a claim document (YAML/JSON), an X12 837 file or a FHIR Bundle")])
        if payer is not None and payer not in self.kb.payers:
            raise usage(f"payer: unknown payer '{payer}'", expected="one of " + ", ".join(sorted(self.kb.payers)),
                        hint=did_you_mean(payer, self.kb.payers))
        with tempfile.TemporaryDirectory(prefix="denialkb-serve-") as tmp:
            path = Path(tmp) / (INPUT_STEM + _suffix(claim.data))
            path.write_bytes(claim.data)
            names = {str(path): claim.name}
            clinical_path = None
            if clinical is not None and clinical.data.strip():
                clinical_path = Path(tmp) / (CLINICAL_STEM + (".json" if clinical.data.lstrip()[:1] == b"{"
                                                              else ".yaml"))
                clinical_path.write_bytes(clinical.data)
                names[str(clinical_path)] = clinical.name
                names[clinical_path.name] = clinical.name
            names[path.name] = claim.name
            names[tmp] = "<input>"
            try:
                docs = read_inputs([str(path)], payer=payer, clinical=str(clinical_path) if clinical_path else None,
                                   kb_dir=self.kb_dir)
            except DenialKBError as e:
                raise type(e)(_rename(e.problems, names), _renamed(e.summary, names)) from None
        for d in docs:
            d.file = claim.name
            if getattr(d, "converter_warnings", None):
                d.converter_warnings = _rename_notes(d.converter_warnings, names)
        return docs

    def one(self, docs: list, claim_id: str | None = None):
        """The one claim of ``docs`` a query is about: the only one, or the one ``claim_id`` names."""
        if claim_id:
            for d in docs:
                if d.claim_id == claim_id:
                    return d
            raise usage("claim_id: no such claim in the input",
                        expected=f"one of the {len(docs)} claim id(s) of the input")
        if len(docs) != 1:
            raise usage(f"the input holds {len(docs)} claims; this query is about one",
                        hint="pass claim_id to pick one")
        return docs[0]

    # ------------------------------------------------------------------ queries
    def check(self, docs: list, as_of=None, deadline=None, log: bool = True) -> list[dict]:
        """Decision records of ``docs`` (converter warnings attached), appended to the decision
        log when the service has one (and ``log``)."""
        from denialkb.engine.inputs import attach_warnings

        records = self.locked(lambda d: [attach_warnings(d.check_document(doc, as_of), doc) for doc in docs],
                              deadline)
        if self.log_path is not None and log:
            from denialkb.engine.decision_log import log_check_records

            log_check_records(self.log_path, zip(records, docs, strict=True), as_of=as_of)
        return records

    def why(self, doc, denial=None, as_of=None, deadline=None) -> dict:
        """``denialkb why --format json``."""
        from denialkb.engine.explain import why

        decision = self.locked(lambda d: d.decide(doc, as_of), deadline)
        return {"claim_id": decision.claim_id, "denials": why(decision, self.kb, denial)}

    def why_not(self, doc, target: str, as_of=None, deadline=None) -> dict:
        """``denialkb why-not --format json``."""
        from denialkb.engine.explain import why_not

        decision = self.locked(lambda d: d.decide(doc, as_of), deadline)
        return {"claim_id": decision.claim_id, "target": target, "attempts": why_not(decision, self.kb, target)}

    def paths(self, target: str, payer=None, as_of=None) -> dict:
        """``denialkb paths --format json`` (from the KB alone)."""
        from denialkb.engine.explain import paths

        return {"target": target, "payer": payer, "as_of": as_of, "paths": paths(self.kb, target, payer, as_of)}

    def what_if(self, doc, sets=(), unsets=(), as_of=None, deadline=None) -> dict:
        """``denialkb what-if --format json``: ``sets`` are ``PATH=VALUE`` texts or (path, value) pairs."""
        from denialkb.engine.explain import parse_assignment, what_if

        pairs = [parse_assignment(s) if isinstance(s, str) else tuple(s) for s in sets]
        return self.locked(lambda d: what_if(d, doc, pairs, list(unsets), as_of), deadline)

    def fix(self, doc, as_of=None, deadline=None) -> dict:
        """``denialkb fix --format json``."""
        from denialkb.engine.explain import fix

        return self.locked(lambda d: fix(d, doc, as_of), deadline)

    def graph_svg(self, doc, denial=None, fact=None, as_of=None, deadline=None, full=False,
                  picture: str = "decision") -> str:
        """The decision graph of ``doc`` as inline SVG (``denialkb graph --claim``), optionally
        focused on one denial or one fact. ``picture="report"``: unfocused, the picture of
        ``denialkb report`` (the fired denials with their reasons)."""
        from denialkb.visualize.graph import decision_graph, focus_graph
        from denialkb.visualize.render import render_svg_text

        if denial and fact:
            raise usage("give denial or fact, not both")
        decision = self.locked(lambda d: d.decide(doc, as_of), deadline)
        if picture == "report" and not (denial or fact):
            from denialkb.visualize.report import report_graph

            return render_svg_text(report_graph(decision, self.kb))
        g = decision_graph(decision, self.kb, prune=not full)
        if denial:
            ids = sorted(a["rule"] for _, a in g.nodes(data=True) if a["kind"] == "denial")
            if denial not in ids:
                raise usage(f"denial: no denial '{denial}' in this graph", hint=did_you_mean(denial, ids))
            g = focus_graph(g, denial=denial)
        elif fact:
            names = sorted(a["fact"] for _, a in g.nodes(data=True) if a["kind"] == "fact")
            if fact not in names:
                raise usage(f"fact: no fact '{fact}' in this graph", hint=did_you_mean(fact, names))
            g = focus_graph(g, fact=fact)
        return render_svg_text(g)

    def kb_info(self) -> dict:
        """``GET /v1/kb``: the KB version, its rules and the fact names rules can use."""
        from denialkb.engine.facts import fact_catalog

        rules = []
        for r in self.kb.rules:
            item = {"id": r.id, "title": r.title, "level": r.level, "conclusion": r.conclusion,
                    "scope": r.scope, "confidence": r.confidence}
            if r.conclusion == "finding":
                item["finding"] = r.finding
            else:
                item["denial"] = r.denial
            rules.append(item)
        facts = [{"name": s.name, "type": s.type, "doc": s.doc, "source": s.source,
                  "values": list(s.values) if isinstance(s.values, tuple) else s.values}
                 for _, s in sorted(fact_catalog(self.kb).items())]
        return {"version": self.kb.version, "engine": self.decider.engine_name,
                "payers": sorted(self.kb.payers), "drugs": sorted(self.kb.drugs),
                "rules": rules, "facts": facts}

    def examples(self) -> list[str]:
        """File names of the example claim documents the workbench offers."""
        d = self.examples_dir
        if d is None or not d.is_dir():
            return []
        return sorted(p.name for p in d.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml", ".json"))

    def example(self, name: str) -> bytes:
        """One example's bytes (only names :meth:`examples` lists: no path escapes)."""
        if name not in self.examples():
            raise usage("example: no such example", expected="one of the listed examples")
        return (self.examples_dir / name).read_bytes()
