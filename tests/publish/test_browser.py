"""The report in a real browser (Debian's headless Chromium): opened from disk and served, every
image loads, the headline numbers show, and the console stays clean. A screenshot of each is kept
in test-artifacts/ for a person to look at."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from pollwatch.publish.viewer import report_server
from tests.helpers import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is needed for this test: apt-get install chromium "
            "(.ci/run installs it)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def open_and_check(browser, url: str, screenshot: Path) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.goto(url, wait_until="load")
    images = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => [i.getAttribute('src'), i.complete && i.naturalWidth])"
    )
    headlines = page.eval_on_selector_all(".headline", "nodes => nodes.map(n => n.innerText)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return {"problems": problems, "images": images, "headlines": headlines}


def assert_report_looks_right(seen: dict) -> None:
    assert seen["problems"] == []
    assert len(seen["images"]) >= 5  # four series and the comparison; a one-poll series is a card
    assert all(width == 1500 for _, width in seen["images"]), seen["images"]
    text = "\n".join(seen["headlines"])
    assert "Vladimir Putin · approval" in text and "Volodymyr Zelensky · trust" in text
    assert "95% band" in text and "%" in text
    assert "one poll, no average yet" in text


def test_the_report_opened_from_disk_loads_every_image(browser, sample_report):
    settings, report = sample_report
    seen = open_and_check(
        browser, report.index.resolve().as_uri(), ARTIFACTS / "report-from-disk.png"
    )
    assert_report_looks_right(seen)


def test_the_report_served_by_view_loads_every_image(browser, sample_report):
    settings, _ = sample_report
    server = report_server(settings.report_dir)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        seen = open_and_check(
            browser, f"http://127.0.0.1:{server.server_port}/", ARTIFACTS / "report-served.png"
        )
        leader = open_and_check(
            browser,
            f"http://127.0.0.1:{server.server_port}/leader-vladimir-putin.html",
            ARTIFACTS / "report-putin.png",
        )
    finally:
        server.shutdown()
        server.server_close()
    assert_report_looks_right(seen)
    assert leader["problems"] == [] and all(w == 1500 for _, w in leader["images"])
