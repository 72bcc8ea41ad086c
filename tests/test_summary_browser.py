"""summary.html in headless Chromium (issue 15 item 5): it sorts, filters, links counts to
claims, and makes no network request. Uses the system Chromium; never downloads a browser."""

import shutil
from pathlib import Path

import pytest

from denialkb.engine.batch import run_audit
from tests.conftest import KB, SMALL

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (scripts/setup.sh)")


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("summary") / "out"
    run_audit([SMALL], out, workers=1, kb_dir=KB, progress=False, run_date="2026-12-01")
    return out / "summary.html"


def _texts(page, sel):
    return [t.strip() for t in page.locator(sel).all_inner_texts()]


def test_summary_sorts_filters_links_offline(page_file):
    requests = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            assert "KB sha256:" in page.inner_text("body") and "run 2026-12-01" in page.inner_text("body")
            assert page.locator("svg").count() >= 8  # charts drawn inline
            # by-rule table: rule titles are shown; sorted by amount at risk (largest first)
            rows = page.locator("#by-rule tbody tr")
            n = rows.count()
            assert n > 8
            at_risk = [float(x) for x in page.locator("#by-rule tbody tr td:last-child").evaluate_all(
                "els => els.map(e => e.getAttribute('data-v'))")]
            assert at_risk == sorted(at_risk, reverse=True)
            # click "at risk" -> ascending, again -> descending
            header = page.locator("#by-rule thead th", has_text="at risk")
            header.click()
            asc = [float(x) for x in page.locator("#by-rule tbody tr td:last-child").evaluate_all(
                "els => els.map(e => e.getAttribute('data-v'))")]
            assert asc == sorted(at_risk) and header.get_attribute("aria-sort") == "ascending"
            header.click()
            desc = [float(x) for x in page.locator("#by-rule tbody tr td:last-child").evaluate_all(
                "els => els.map(e => e.getAttribute('data-v'))")]
            assert desc == sorted(at_risk, reverse=True)
            # sort by rule id (text)
            page.locator("#by-rule thead th", has_text="Rule").click()
            ids = _texts(page, "#by-rule tbody tr td:first-child")
            assert ids == sorted(ids, key=str.lower)
            # filter the rule table
            page.fill("input[data-for='by-rule']", "pertuzumab")
            visible = [t for t in _texts(page, "#by-rule tbody tr:visible td:first-child")]
            assert visible and all("PERTUZUMAB" in t for t in visible) and len(visible) < n
            assert page.inner_text("#by-rule-count") == str(len(visible))
            page.fill("input[data-for='by-rule']", "")
            assert page.locator("#by-rule tbody tr:visible").count() == n
            # filter the claims list
            page.fill("input[data-for='claims-table']", "CLM-R-")
            claims = _texts(page, "#claims-table tbody tr:visible td:first-child")
            assert claims and all(c.startswith("CLM-R-") for c in claims)
            # a count links to the claims behind it
            link = page.locator("#by-rule tbody tr", has_text="TIMELY-FILING-EXPIRED").locator("a")
            link.click()
            det = page.locator("details#k-rule-TIMELY-FILING-EXPIRED")
            assert det.get_attribute("open") is not None
            assert _texts(det, "a") == ["CLM-P-LATE"]
            det.locator("a").click()
            assert page.evaluate("location.hash") == "#c-CLM-P-LATE"
            assert errors == []
        finally:
            browser.close()
    assert requests and all(u.startswith("file://") for u in requests), requests
    assert len(requests) == 1  # the page itself, nothing else
