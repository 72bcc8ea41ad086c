"""No patient data in any message (issue 14 item 3, issue 17 S4).

Every reader (X12, FHIR JSON, NDJSON, clinical sidecars, and the CLI paths on top of them)
is run over every real third-party file and the project's own format examples, and over
variants that drive its error paths (truncation, removed envelope segments, byte flips,
over-long values in name and address elements, invalid birth dates, deep nesting, ...).
No message, warning, log record, stderr line or ``rejected.jsonl`` entry may contain a run
of more than 40 characters of the input.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyx12", reason="X12 conversion needs pyx12 4.x (Python 3.11+)")

from denialkb.engine.errors import DenialKBError  # noqa: E402
from denialkb.engine.formats import FormatError  # noqa: E402
from denialkb.engine.formats.clinical import load_clinical  # noqa: E402
from denialkb.engine.formats.reader import read_file  # noqa: E402
from denialkb.engine.inputs import read_inputs  # noqa: E402

HERE = Path(__file__).parent
REAL = sorted(p for p in (HERE / "data" / "third_party").iterdir() if p.suffix != ".md")
OWN = sorted((HERE / "data" / "formats").glob("*.txt")) + sorted((HERE / "data" / "formats").glob("*.json"))
LIMIT = 40
#: Files whose every error-path variant is read (pyx12 takes about a second per file, so
#: the other files are read as they are, in UTF-8 and UTF-16, to keep the suite quick).
FULL = {"lfh_demo.drug.example10.2.837", "lfh_two-claims-single-provider.837i", "ims_x12_complex.txt",
        "ims_x12_multiple_st.txt", "pertuzumab_837p.txt", "multi_837p.txt", "pertuzumab_837i.txt"}


def echoes(message: str, text: str) -> str | None:
    """The first run of more than LIMIT characters of ``text`` inside ``message``."""
    for i in range(0, max(0, len(message) - LIMIT), LIMIT // 2):
        probe = message[i : i + LIMIT // 2 + 1]
        if probe in text:
            for s in range(max(0, i - LIMIT // 2), i + 1):
                if len(message) - s > LIMIT and message[s : s + LIMIT + 1] in text:
                    return message[s : s + LIMIT + 1]
    return None


def _x12_variants(text: str) -> dict[str, str]:
    lines = text.splitlines(True)
    out = {
        "original": text,
        "no-gs": "".join(ln for ln in lines if not ln.startswith("GS*")),
        "no-isa": "".join(ln for ln in lines if not ln.startswith("ISA*")),
        "no-se": "".join(ln for ln in lines if not ln.startswith("SE*")),
        "no-iea": "".join(ln for ln in lines if not ln.startswith("IEA*")),
        "isa-15-elements": text.replace("*", "", 1) if text.startswith("ISA") else text,
        "half": text[: len(text) // 2],
        "long-name": text.replace("NM1*IL*1*", "NM1*IL*1*" + "VERYLONGPATIENTSURNAME" * 4 + "*", 1),
        "long-address": text.replace("\nN3*", "\nN3*" + "1234 A VERY LONG PATIENT STREET NAME " * 3, 1),
        "bad-birth-date": text.replace("DMG*D8*", "DMG*D8*1968", 1),
        "long-code": text.replace("SV1*HC:", "SV1*HC:" + "J9306J9306J9306J9306J9306J9306J9306J9306X", 1),
        "lower-case-clm": text.replace("CLM*", "clm*", 1),
    }
    for k in (2, 4):
        pos = len(text) * k // 6
        out[f"flip-{k}"] = text[:pos] + "#" + text[pos + 1 :]
    return out


def _json_variants(text: str) -> dict[str, str]:
    return {
        "original": text,
        "half": text[: len(text) // 2],
        "unknown-type": text.replace('"resourceType": "Claim"', '"resourceType": "Claimz"', 1),
        "bad-birth-date": text.replace('"birthDate": "', '"birthDate": "' + "X" * 50, 1),
        "long-string-in-number": text.replace('"value": ', '"value": "' + "PATIENTSECRET" * 5 + '", "v": ', 1),
        "deep": text.replace("{", "{" + '"extension": ' + "[" * 200 + "]" * 200 + ",", 1),
        "nan": text.replace('"value": ', '"value": NaN, "v": ', 1),
    }


def _messages_of(obj) -> list[str]:
    """Every text a reader result or error carries."""
    out: list[str] = []
    if isinstance(obj, FormatError):
        out.append(str(obj))
        out.append(json.dumps(obj.to_dict(), ensure_ascii=False))
    elif isinstance(obj, DenialKBError):
        out.append(obj.format())
        out.append(json.dumps(obj.to_dict(), ensure_ascii=False))
    else:
        out += [str(w) for w in obj.warnings]
        for c in obj.claims:
            out += [str(w) for w in c.warnings]
            out.append(c.source)
        for r in obj.rejections:
            out.append(str(r.error))
            out.append(json.dumps(r.problems(), ensure_ascii=False))
            out.append(r.source)
    return out


def _variants(path: Path, every: bool = False) -> dict[str, str]:
    text = path.read_text("utf-8", errors="replace")
    if path.suffix == ".json":
        return _json_variants(text)
    if not every and path.name not in FULL:
        return {"original": text}
    return _x12_variants(text)


@pytest.mark.parametrize("path", REAL + OWN, ids=lambda p: p.name)
def test_no_reader_message_echoes_the_input(path, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    seen = 0
    for label, text in _variants(path).items():
        for enc in ("utf-8", "utf-16") if label == "original" else ("utf-8",):
            f = tmp_path / f"{label}-{enc}{path.suffix}"
            f.write_bytes(text.encode(enc))
            messages = _messages_of(read_file(f))
            if label in ("original", "long-name", "bad-birth-date", "unknown-type"):
                try:  # the CLI path adds claim-document validation
                    read_inputs([str(f)])
                except DenialKBError as e:
                    messages += _messages_of(e)
            for suffix in (".yaml", ".json"):  # the same text given as a clinical sidecar
                side = tmp_path / f"side{suffix}"
                side.write_bytes(text.encode(enc))
                try:
                    load_clinical(side)
                except FormatError as e:
                    messages += _messages_of(e)
            messages += [r.getMessage() for r in caplog.records]
            caplog.clear()
            for m in messages:
                hit = echoes(m, text)
                assert hit is None, f"{label}/{enc}: message quotes the input: {hit!r}"
            seen += len(messages)
    assert seen > 3  # the variants did produce messages


def test_cli_stderr_and_rejected_jsonl_never_echo_the_input(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    texts = []
    for path in REAL:
        for label, text in _variants(path).items():
            if label in ("original", "long-name", "long-address", "bad-birth-date", "half"):
                name = f"{label}-{path.stem}{'.json' if path.suffix == '.json' else '.txt'}"
                (folder / name).write_text(text, "utf-8")
                texts.append(text)
    everything = "\x00".join(texts)
    cli = [sys.executable, "-m", "denialkb.engine.cli"]
    run = subprocess.run([*cli, "audit", str(folder), "--out", str(tmp_path / "out"), "--workers", "1",
                          "--no-progress"], capture_output=True, text=True, timeout=900)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    rejected = (tmp_path / "out" / "rejected.jsonl").read_text("utf-8")
    assert rejected.count("\n") > 20
    check = subprocess.run([*cli, "check", *sorted(str(p) for p in folder.iterdir())[:40]],
                           capture_output=True, text=True, timeout=900)
    check_json = subprocess.run([*cli, "check", "--format", "json", *sorted(str(p) for p in folder.iterdir())[:40]],
                                capture_output=True, text=True, timeout=900)
    for source, out in (("audit stderr", run.stderr), ("rejected.jsonl", rejected),
                        ("check stderr", check.stderr), ("check --format json stderr", check_json.stderr)):
        for line in dict.fromkeys(out.splitlines()):
            hit = echoes(line, everything)
            assert hit is None, f"{source} quotes an input: {hit!r}"
