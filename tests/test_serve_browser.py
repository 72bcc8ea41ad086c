"""The workbench in headless Chromium (issue 19): a real server on 127.0.0.1 (uvicorn, a free
port), an example opened, a modifier changed in the what-if form, the decision changes; every
request the page makes goes to that server and nowhere else. Uses the system Chromium
(scripts/setup.sh installs it) through Playwright's driver; never downloads a browser."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import EXAMPLES, KB

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright (the browser driver) is not installed")
uvicorn = pytest.importorskip("uvicorn")
pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (scripts/setup.sh)"),
              pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    from denialkb.engine.cli.serve import LOG_CONFIG, LOOPBACK
    from denialkb.engine.serve import create_app

    port = _free_port()
    app = create_app(str(KB), examples_dir=EXAMPLES, allowed_hosts=LOOPBACK)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=LOG_CONFIG, access_log=False))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(10)


def test_workbench_what_if_changes_the_decision_offline(server):
    requests, refused = [], []
    origin = urlsplit(server).netloc

    def only_local(route):
        url = route.request.url
        requests.append(url)
        if urlsplit(url).netloc != origin:
            refused.append(url)
            return route.abort()
        return route.continue_()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", only_local)
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{server}/ui")
            assert "Open a claim" in page.inner_text("h1")
            page.click("a:text('pertuzumab-jz-missing-medicare.yaml')")
            page.wait_for_selector(".badge[data-outcome]")
            assert page.locator(".record .badge").first.get_attribute("data-outcome") == "denied"
            assert page.locator("tr.denial[data-rule='JZ-MISSING-NO-WASTE']").count() == 1
            assert page.locator(".graph svg").count() == 1  # the decision graph, inline
            field = page.locator("input[name='f:claim.lines[0].modifiers']")
            assert field.input_value() == ""
            field.fill("JZ")
            page.click("button:text('Decide with these values')")
            page.wait_for_selector("#outcome-after")
            assert page.inner_text("#outcome-after") == "clean"
            assert page.locator("#before .badge").get_attribute("data-outcome") == "denied"
            assert page.locator("#after .badge").get_attribute("data-outcome") == "clean"
            assert "JZ-MISSING-NO-WASTE" in page.inner_text("body")  # named as cleared
            # the form keeps the change: undo it and the denial comes back
            page.locator("form.what-if input[name='f:claim.lines[0].modifiers']").fill("")
            page.click("button:text('Decide with these values')")
            page.wait_for_selector("#outcome-after")
            assert page.inner_text("#outcome-after") == "denied"
            assert errors == []
        finally:
            browser.close()
    assert refused == [], refused
    assert requests and all(urlsplit(u).netloc == origin for u in requests)
    assert any(u.endswith("/static/workbench.css") for u in requests)


def test_workbench_why_not_and_focused_graph(server):
    origin = urlsplit(server).netloc
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).netloc == origin else r.abort())
            page.goto(f"{server}/ui/example?name=pertuzumab-jz-missing-medicare.yaml")
            page.select_option("select[name='why_not']", "UNITS-EXCEED-DOCUMENTED-DOSE")
            page.click("section.why-not button")
            page.wait_for_selector("pre.why-not-text")
            assert "UNITS-EXCEED-DOCUMENTED-DOSE" in page.inner_text("pre.why-not-text")
            page.select_option("select[name='focus']", "JZ-MISSING-NO-WASTE")
            page.click("section.graph button")
            page.wait_for_selector(".graph svg")
            assert "JZ-MISSING-NO-WASTE" in page.inner_text("section.graph h2")
            assert page.locator(".graph svg g.node").count() > 3
        finally:
            browser.close()
