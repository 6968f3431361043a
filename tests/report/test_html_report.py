"""The HTML report: one self-contained page, checked as a person sees it in a real
headless Chromium on a real image (the README's example image, built from the repository's
files): no console error, no request, the verdict and findings visible, the vulnerability
table filters and sorts, secrets nowhere in the page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from hullcheck.document import Report
from hullcheck.report import html_report
from hullcheck.report.options import RenderOptions
from tests.support.browser import ARTEFACTS, console_errors, requested_hosts

from .ci_fixture import ci_scan_report
from .conftest import DOCKERFILE, NOW, RAW_SECRET, lint_report

ROOT = Path(__file__).resolve().parents[2]
PLANTED = ("51Hx7Q2mR9vT4kL8pN3wZ6yB", "Zq8Rm2Tx9Vw4Ny7Pk3Ls")
"""Fragments of the secrets the example image plants (examples/image/README.md)."""


def _render(report: Report) -> str:
    return html_report.render(report, RenderOptions(now=NOW, sources={"Dockerfile": DOCKERFILE}))


def test_the_page_asks_for_nothing_and_escapes_everything() -> None:
    page = _render(ci_scan_report())
    assert "default-src 'none'" in page  # the CSP forbids any request
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "@import" not in page and "url(" not in page
    assert RAW_SECRET not in page
    assert "(code not shown: it holds a secret)" in page  # the ENV line of HC5002's layer
    report = lint_report()
    f = report.findings[0]
    hostile = {k: getattr(f, k) for k in f.__slots__}
    hostile["title"] = "<script>alert(1)</script>"
    report.findings[0] = type(f)(**hostile)
    page = _render(report)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page


def _example_report(tmp_path: Path) -> Path:
    image = tmp_path / "example-image"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make-example-image.py"), str(image)],
        check=True,
        timeout=60,
    )
    out = tmp_path / "report.html"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "hullcheck",
            "scan",
            f"oci:{image}:demo",
            "-f",
            "html",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stderr  # findings at or above high, nothing unchecked
    return out


def test_real_image_report_in_chromium(tmp_path: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    page = _example_report(tmp_path)
    text = page.read_text(encoding="utf-8")
    assert not any(secret in text for secret in PLANTED)
    browser.get(page.as_uri())
    assert browser.find_element(By.ID, "verdict").text.startswith("FAILED")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Image" in body and "oci:" in body
    assert not any(secret in body for secret in PLANTED)
    rules = {
        e.get_attribute("data-rule") for e in browser.find_elements(By.CSS_SELECTOR, ".finding")
    }
    assert {"HC8001", "stripe-secret-key", "gitlab-token"} <= rules
    for finding in browser.find_elements(By.CSS_SELECTOR, ".finding")[:5]:
        assert finding.is_displayed()
    assert browser.find_element(By.ID, "chart-severity").is_displayed()
    assert browser.find_element(By.ID, "chart-layers").is_displayed()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#layers tbody tr")) >= 2

    def visible_ids() -> list[str]:
        rows = browser.find_elements(By.CSS_SELECTOR, "#vulns tbody tr")
        return [r.find_elements(By.TAG_NAME, "td")[1].text for r in rows if r.is_displayed()]

    every = visible_ids()
    assert {"PYSEC-2020-96", "PYSEC-2023-192"} <= set(every)  # PyYAML 5.3, urllib3 1.23
    box = browser.find_element(By.ID, "vuln-filter")
    box.send_keys("PYSEC-2020-96")
    assert visible_ids() == ["PYSEC-2020-96"]
    assert browser.find_element(By.ID, "vuln-shown").text == "1"
    box.clear()  # clear() sends no input event: send one, as typing would
    browser.execute_script(
        "document.getElementById('vuln-filter').dispatchEvent(new Event('input'))"
    )
    assert sorted(visible_ids()) == sorted(every)
    severities = [
        r.get_attribute("data-severity")
        for r in browser.find_elements(By.CSS_SELECTOR, "#vulns tbody tr")
    ]
    first = severities[0]
    Select(browser.find_element(By.ID, "vuln-severity")).select_by_value(first)
    assert len(visible_ids()) == severities.count(first)
    Select(browser.find_element(By.ID, "vuln-severity")).select_by_value("")
    header = browser.find_element(By.CSS_SELECTOR, "#vulns thead th:nth-child(2)")
    header.click()
    assert visible_ids() == sorted(every)
    header.click()
    assert visible_ids() == sorted(every, reverse=True)
    browser.execute_script("window.scrollTo(0, 0)")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTEFACTS / "html-report.png"))
    assert console_errors(browser) == []
    assert requested_hosts(browser) <= {""}  # file:// only: nothing fetched from any host
