"""The HTML audit report (visualize.report, ``denialkb report``), checked in headless Chromium."""

import re
import shutil
import struct
import subprocess
import zlib

import pytest

from denialkb.engine.claim import load_claim
from tests.conftest import EXAMPLES, body

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                    "(scripts/setup.sh installs it; apt-get install chromium)")
CLAIMS = [EXAMPLES / "pertuzumab-her2-missing.yaml", EXAMPLES / "pertuzumab-jw-and-jz.yaml",
          EXAMPLES / "pertuzumab-clean-medicare.yaml"]


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    from tests.conftest import run_cli

    out = tmp_path_factory.mktemp("report") / "report.html"
    r = run_cli("report", *CLAIMS, "--out", out, "--pictures")
    assert r.returncode == 0, r.stderr
    assert body(r.stdout) == f"wrote {out} (3 claims)\n"
    return out


@pytest.fixture(scope="module")
def records(decider):
    return [decider.check_document(load_claim(p)) for p in CLAIMS]


def _chromium(tmp_path, *args):
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}", '--host-resolver-rules=MAP * ~NOTFOUND',
            "--window-size=1200,2000"]
    return subprocess.run(base + list(args), capture_output=True, text=True, timeout=120)


def png_filtered_byte_variety(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct bytes in the decompressed scanlines) of a PNG, stdlib only.

    A blank page filters to rows of zeros, so few distinct bytes means no content."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        typ = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    return width, height, len(set(raw))


def test_report_is_self_contained_and_escaped(report_file, records):
    text = report_file.read_text()
    # no external resource: no src/href/url() to http(s), no script
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert not re.search(r"url\(\s*['\"]?https?:", text, re.I)
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert "<!DOCTYPE svg" not in text and "<?xml" not in text
    assert text.count("<svg") == 3
    assert "@media print" in text
    for rec in records:
        assert f"href='#claim-{rec['claim_id']}'" in text
        for d in rec["denials"]:
            assert d["id"] in text


def test_text_is_escaped(decider, records):
    from denialkb.visualize.graph import decision_graph
    from denialkb.visualize.report import claim_section

    rec = dict(records[0])
    rec["denials"] = [dict(rec["denials"][0], explanation="<script>alert(1)</script> & more")]
    g = decision_graph(decider.decide(load_claim(CLAIMS[0])), decider.kb)
    html_text = claim_section(rec, g.subgraph([]).copy())
    assert "<script>" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html_text


def test_report_summary_counts(report_file, records):
    text = report_file.read_text()
    summary = text.split("<section id=summary>")[1].split("</section>")[0]
    carcs = sorted({f"{d['group']}-{d['carc']}" for r in records for d in r["denials"]})
    assert carcs  # the examples do get denials
    for c in carcs:
        n = sum(f"{d['group']}-{d['carc']}" == c for r in records for d in r["denials"])
        assert f"<tr><td>{c}</td><td>{n}</td></tr>" in summary
    assert "<tr><td>clean</td><td>1</td></tr>" in summary


@needs_chromium
def test_report_renders_in_headless_chromium(report_file, records, tmp_path):
    shot = tmp_path / "shot.png"
    r = _chromium(tmp_path, f"--screenshot={shot}", report_file.as_uri())
    assert shot.exists(), r.stderr[-2000:]
    w, h, variety = png_filtered_byte_variety(shot.read_bytes())
    assert (w, h) == (1200, 2000)
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    blank_shot = tmp_path / "blank.png"
    _chromium(tmp_path, f"--screenshot={blank_shot}", blank.as_uri())
    _, _, blank_variety = png_filtered_byte_variety(blank_shot.read_bytes())
    assert blank_variety < 10 and variety > 50, (blank_variety, variety)

    dom = _chromium(tmp_path, "--dump-dom", report_file.as_uri()).stdout
    assert "denialkb audit report" in dom
    for rec in records:
        assert rec["claim_id"] in dom
        for d in rec["denials"]:
            assert d["id"] in dom
            assert f"<td>{d['carc']}</td>" in dom
    assert "<svg" in dom


def test_report_without_graphviz_shows_dot_source(decider, monkeypatch, tmp_path):
    from denialkb.visualize.report import build_report

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    text = build_report(decider, [load_claim(CLAIMS[0])])
    assert "<svg" not in text
    assert "Graphviz is not installed" in text and "apt-get install graphviz" in text
    assert "denial__PERTUZUMAB-HER2-NOT-DOCUMENTED" in text  # the DOT source, escaped in <pre>
    assert "<section id=summary>" not in text  # one claim: no summary table


def test_multi_claim_report_is_small_without_pictures(tmp_path):
    """Several claims: no pictures unless --pictures, so the report stays small (docs/audit.md)."""
    from tests.conftest import run_cli

    files = sorted(EXAMPLES.glob("*.yaml"))
    out = tmp_path / "all.html"
    r = run_cli("report", *files, "--out", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "<svg" not in text and text.count("<section class=claim") == len(files)
    assert out.stat().st_size / len(files) < 12_000  # bytes per claim (measured ~6 KB)
    one = tmp_path / "one.html"
    assert run_cli("report", CLAIMS[0], "--out", one).returncode == 0
    assert one.read_text().count("<svg") == 1  # a one-claim report draws its picture
