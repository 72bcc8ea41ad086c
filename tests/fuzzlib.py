"""The fuzz harness shared by tests/test_fuzz.py (bounded, in CI) and scripts/fuzz.py (long run).

Every fuzzed input goes through the same library code as ``denialkb check`` (read, validate,
decide, render the record as JSON and text) and must end in one of three ways:

- decided (``check`` would exit 0 or 1): the record serialises to JSON and text;
- refused (exit 2): a :class:`~denialkb.engine.errors.DenialKBError` whose every problem
  names its file and says what is wrong;
- nothing else: any other exception (a traceback, exit 3) or more than
  :data:`TIME_LIMIT` seconds is a finding.

Strategies mutate real inputs (the examples, the 837 and FHIR test files, the shipped KB):
byte edits (insert, delete, replace, truncate, duplicate), value swaps in the parsed
document (NaN, infinities, huge numbers, control characters, lone surrogates, impossible
dates, deep nesting, wrong types), and semantics-preserving rewrites (key order, YAML or
JSON, CRLF, BOM, comments, case of codes) whose records must be byte-identical.
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import signal
import time
from pathlib import Path

import yaml
from hypothesis import strategies as st

from denialkb.engine.errors import DenialKBError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
FORMATS = ROOT / "tests" / "data" / "formats"
X12_FILES = [FORMATS / "pertuzumab_837p.txt", FORMATS / "pertuzumab_837i.txt", FORMATS / "ramucirumab_837p.txt"]
X12_CLINICAL = FORMATS / "pertuzumab_clinical.yaml"
FHIR_FILE = FORMATS / "pertuzumab_bundle.json"
FHIR_CLINICAL = FORMATS / "pertuzumab_bundle_complement.yaml"
TIME_LIMIT = 10.0


class Finding(AssertionError):
    """A fuzzed input that crashed, hung or was refused without a located message."""


@contextlib.contextmanager
def time_limit(seconds: float = TIME_LIMIT):
    """Raise :class:`Finding` when the block runs longer than ``seconds`` (SIGALRM, main thread)."""
    def on_alarm(signum, frame):
        raise Finding(f"took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


_DECIDER = {}


def decider():
    """One Decider for the shipped KB per process."""
    if "d" not in _DECIDER:
        from denialkb.engine.runtime import Decider

        _DECIDER["d"] = Decider()
    return _DECIDER["d"]


def warm() -> None:
    """Read one X12 and one FHIR file and build the Decider before any input is timed: the
    first use of pyx12 and fhir.resources loads their maps and models, seconds on a loaded
    machine, which is not the time of the input under test."""
    if "warm" in _DECIDER:
        return
    _DECIDER["warm"] = True
    from denialkb.engine.inputs import read_inputs

    decider()
    for path, clinical in ((X12_FILES[0], X12_CLINICAL), (FHIR_FILE, FHIR_CLINICAL)):
        try:
            read_inputs([str(path)], clinical=str(clinical))
        except Exception:  # noqa: S110 - warming only; the tests judge every outcome
            pass


def outcome(read, what: str = "input") -> tuple[str, list]:
    """Run ``read()`` (which returns claim documents) and decide them; classify the result.

    Returns ``("decided", [record JSON])`` or ``("refused", [problem text])``; raises
    :class:`Finding` for anything else.
    """
    from denialkb.engine.record import render_text, to_json

    warm()
    t0 = time.perf_counter()
    try:
        with time_limit():
            docs = read()
            records = [decider().check_document(d) for d in docs]
            out = [to_json(r) for r in records]
            for r in records:
                render_text(r).encode("utf-8")
            for o in out:
                o.encode("utf-8")
    except Finding:
        raise
    except DenialKBError as e:
        if not e.problems:
            raise Finding(f"{what}: refused with no problem listed") from None
        for p in e.problems:
            if not p.message or not (p.file or p.place):
                raise Finding(f"{what}: refused without a location: {p.format()!r}") from None
            text = p.format()
            text.encode("utf-8")  # must be printable
            if "Traceback" in text:
                raise Finding(f"{what}: a traceback in a message") from None
        return "refused", [p.format() for p in e.problems]
    except Exception as e:
        raise Finding(f"{what}: {type(e).__name__}: {str(e)[:300]}") from e
    if time.perf_counter() - t0 > TIME_LIMIT:  # pragma: no cover - the alarm fires first
        raise Finding(f"{what}: took more than {TIME_LIMIT} s")
    return "decided", out


# ------------------------------------------------------------------ strategies

def byte_edits(max_edits: int = 4):
    """A list of edits ``(op, where in [0,1), bytes)`` to apply with :func:`apply_edits`."""
    op = st.sampled_from(["insert", "delete", "replace", "truncate", "duplicate", "flip"])
    junk = st.one_of(
        st.binary(min_size=1, max_size=8),
        st.sampled_from([b"\x00", b"\x1b[2J", b"\xff\xfe", b"\x96", b"\\", b'"', b"'", b":", b"- ", b"{", b"[",
                         b"]", b"}", b"\n", b"\t", b"&a ", b"*a", b"!!python/object:os.system", b"<<: ",
                         b"~", b"*", b"ISA", b"GS*", b"SE*", b"NaN", b"Infinity", b".inf", b"1e308",
                         b"9" * 40, b"\xed\xa0\x80", b"2024-02-30", b"9999-12-31", b"T25:61"]),
    )
    return st.lists(st.tuples(op, st.floats(0, 1, exclude_max=True), junk), min_size=1, max_size=max_edits)


def apply_edits(data: bytes, edits) -> bytes:
    """Apply :func:`byte_edits` output to ``data``."""
    for op, where, junk in edits:
        i = int(where * max(len(data), 1))
        if op == "insert":
            data = data[:i] + junk + data[i:]
        elif op == "delete":
            data = data[:i] + data[i + len(junk):]
        elif op == "replace":
            data = data[:i] + junk + data[i + len(junk):]
        elif op == "truncate":
            data = data[:i]
        elif op == "duplicate":
            data = data[:i] + data[i:i + 64] + data[i:]
        elif op == "flip" and data:
            j = min(i, len(data) - 1)
            data = data[:j] + bytes([data[j] ^ (1 << (junk[0] % 8))]) + data[j + 1:]
    return data


NASTY = st.one_of(
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 2 ** 63, -(2 ** 63), 10 ** 40, 1e308, 1e-308,
                     0, -1, -0.0, True, False, None, "", " ", "\x00", "A\x1bB", "\ud800", "x" * 5000,
                     "2024-02-30", "9999-12-31", "0001-01-01", "2024-03-15T25:00", "2024-03-15T09:10Z",
                     "2024-03-15T09:10+05:00", "J9306", "j9306", "JZ", "C50.911", "c50911", "medicare",
                     "commercial", "pertuzumab", "Perjeta", [], {}, [[[[[]]]]], {"a": {"b": {"c": {}}}}]),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(-5, 5), max_size=4),
)


def leaf_paths(doc, path=()):
    """Every path of ``doc`` (mappings and lists), leaves and containers."""
    out = [path]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += leaf_paths(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += leaf_paths(v, path + (i,))
    return out


def replace_at(doc, path, value):
    """A copy of ``doc`` with the value at ``path`` replaced (or the key deleted for ``...``)."""
    doc = json.loads(json.dumps(doc))
    if not path:
        return value
    node = doc
    for k in path[:-1]:
        node = node[k]
    if value is Ellipsis:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


def load_example(path: Path) -> dict:
    """An example claim document as plain JSON data (dates as strings)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))


# ------------------------------------------------------------------ semantics-preserving rewrites

def _shuffled(v, rnd: random.Random):
    if isinstance(v, dict):
        items = list(v.items())
        rnd.shuffle(items)
        return {k: _shuffled(x, rnd) for k, x in items}
    if isinstance(v, list):
        return [_shuffled(x, rnd) for x in v]
    return v


def rewrite(doc: dict, how: str, seed: int) -> tuple[str, str]:
    """The same claim written another way: returns ``(file name, text)``."""
    rnd = random.Random(seed)
    d = json.loads(json.dumps(doc))
    if how == "lower_codes":
        for ln in d["claim"]["lines"]:
            ln["code"] = ln["code"].lower()
            if "modifiers" in ln:
                ln["modifiers"] = [m.lower() for m in ln["modifiers"]]
    if how == "dotless_icd":
        d["claim"]["diagnoses"] = [c.replace(".", "") for c in d["claim"]["diagnoses"]]
    if how in ("shuffle_yaml", "shuffle_json", "lower_codes", "dotless_icd"):
        d = _shuffled(d, rnd)
    if how in ("shuffle_json", "json_compact"):
        return "c.json", json.dumps(d, indent=None if how == "json_compact" else rnd.choice([1, 2, 4]),
                                    ensure_ascii=rnd.random() < 0.5)
    text = yaml.safe_dump(d, sort_keys=False, allow_unicode=True, default_flow_style=(how == "yaml_flow"),
                          width=rnd.choice([40, 80, 10 ** 6]))
    if how == "crlf":
        text = text.replace("\n", "\r\n")
    if how == "bom":
        text = "\ufeff" + text
    if how == "comments":
        text = "# a comment\n" + "\n".join(f"{ln}  # note" if ln.strip() and not ln.rstrip().endswith(("|", ">"))
                                           and ":" in ln and not ln.lstrip().startswith("-") else ln
                                           for ln in text.splitlines()) + "\n"
    return "c.yaml", text


REWRITES = ["shuffle_yaml", "shuffle_json", "json_compact", "yaml_flow", "crlf", "bom", "comments",
            "lower_codes", "dotless_icd"]


# ------------------------------------------------------------------ readers under test

def read_claim_text(text_or_bytes, name: str = "fuzz.yaml"):
    """Claim reader on bytes, exactly as from a file (decode, parse, validate)."""
    from denialkb.engine.claim import ClaimDocument, validate_claim
    from denialkb.engine.errors import ClaimInvalidError
    from denialkb.engine.yamlio import LoadError, decode_text, parse_text

    raw = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode("utf-8", "surrogatepass")

    def read() -> list[ClaimDocument]:
        try:
            text = decode_text(raw, name, "claim_invalid")
            loaded = parse_text(text, name, "claim_invalid")
        except LoadError as e:
            raise ClaimInvalidError([e.problem]) from None
        return [validate_claim(loaded.data, name, loaded.marks)]

    return read


def read_file(path: Path, clinical: Path | None = None):
    """The ``check`` input reader (X12, FHIR or claim document, by content) on a file."""
    from denialkb.engine.inputs import read_inputs

    return lambda: read_inputs([str(path)], clinical=str(clinical) if clinical else None)


def kb_outcome(kb_dir: Path, claim: Path) -> str:
    """Load a (mutated) KB for deciding and decide one claim with it; ``decided`` or ``refused``."""
    from denialkb.engine.claim import load_claim
    from denialkb.engine.runtime import Decider

    def read():
        d = Decider(kb_dir)
        return [d.check_document(load_claim(claim))]

    try:
        with time_limit():
            recs = read()
            json.dumps(recs)
    except Finding:
        raise
    except DenialKBError as e:
        for p in e.problems:
            if not p.message or not p.file:
                raise Finding(f"KB refused without a location: {p.format()!r}") from None
        return "refused"
    except Exception as e:
        raise Finding(f"KB: {type(e).__name__}: {str(e)[:300]}") from e
    return "decided"


def fresh_kb(dst: Path) -> Path:
    """A copy of the shipped KB under ``dst`` (replaced if present)."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(ROOT / "kb", dst, ignore=shutil.ignore_patterns("__pycache__", "cases"))
    return dst
