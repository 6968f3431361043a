"""The dashboard in a real headless Chromium: it renders without console errors or
outside requests, its links and filters work, and its numbers are the API's numbers."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import LiveServer, make_token, start_server
from tests.server.test_scans import report_with

ARTEFACTS = Path(__file__).resolve().parents[2] / ".cache" / "test-artefacts"


def _browser() -> Any:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("selenium is missing (scripts/setup.sh installs it)")
        pytest.skip("selenium is missing")
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        if os.environ.get("CI"):
            pytest.fail("chromium or chromedriver is missing (scripts/setup.sh installs them)")
        pytest.skip("chromium or chromedriver is missing")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1400,1000",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    from selenium.common.exceptions import WebDriverException

    for attempt in range(3):  # chromium can fail to start on a loaded 2-core machine
        try:
            return webdriver.Chrome(options=options, service=Service(executable_path=driver))
        except WebDriverException:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = _browser()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def filled_server(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    server = start_server(url, tmp_path / "data")
    admin = make_token(url, "admin")
    with server.client(admin) as client:
        for ref, findings, digest in (
            ("ghcr.io/acme/api:1", [("CVE-1", "high", "a"), ("CVE-2", "low", "b")], "1"),
            (
                "ghcr.io/acme/api:1",
                [("CVE-2", "low", "b"), ("CVE-3", "critical", "c"), ("CVE-4", "medium", "d")],
                "2",
            ),
            ("ghcr.io/acme/web:7", [("CVE-9", "medium", "z")], "3"),
        ):
            r = client.post(
                "/api/v1/scans",
                json={"report": report_with(findings, "sha256:" + digest * 64), "reference": ref},
            )
            assert r.status_code == 201
    try:
        yield server, admin
    finally:
        server.stop()


def _errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _hosts(driver: Any) -> set[str]:
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            hosts.add(message["params"]["request"]["url"].split("/")[2])
    return hosts


def test_dashboard_pages_render_and_agree_with_the_api(
    browser: Any, filled_server: tuple[LiveServer, str]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    server, admin = filled_server
    with server.client(admin) as client:
        images = {i["repository"]: i for i in client.get("/api/v1/images").json()}

    browser.get(f"{server.url}/")
    assert browser.current_url.endswith("/login")
    browser.find_element(By.NAME, "token").send_keys(admin)
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#images tbody tr")
    shown = {
        r.find_element(By.CSS_SELECTOR, "a").text: int(
            r.find_element(By.CSS_SELECTOR, ".total").text
        )
        for r in rows
    }
    assert shown == {repo: sum(i["latest"]["counts"].values()) for repo, i in images.items()}
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTEFACTS / "dashboard-overview.png"))

    Select(browser.find_element(By.NAME, "severity")).select_by_value("critical")
    browser.find_element(By.CSS_SELECTOR, "#filters button").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#images tbody tr")
    assert [r.get_attribute("data-worst") for r in rows] == ["critical"]

    browser.find_element(By.LINK_TEXT, "ghcr.io/acme/api").click()
    api_latest = images["ghcr.io/acme/api"]["latest"]
    assert int(browser.find_element(By.ID, "total").text) == sum(api_latest["counts"].values())
    assert len(browser.find_elements(By.CSS_SELECTOR, "#scans tbody tr")) == 2
    assert browser.find_elements(By.CSS_SELECTOR, "svg polyline")
    browser.save_screenshot(str(ARTEFACTS / "dashboard-image.png"))

    browser.find_element(By.LINK_TEXT, "Changes").click()
    with server.client(admin) as client:
        history = client.get(f"/api/v1/images/{images['ghcr.io/acme/api']['id']}/scans").json()
        diff = client.get(
            "/api/v1/compare", params={"old": history[1]["id"], "new": history[0]["id"]}
        ).json()
    card = next(
        c
        for c in browser.find_elements(By.CSS_SELECTOR, ".change")
        if "ghcr.io/acme/api" in c.text and c.find_elements(By.CSS_SELECTOR, ".new-count")
    )
    assert int(card.find_element(By.CSS_SELECTOR, ".new-count").text) == len(diff["new"])
    assert int(card.find_element(By.CSS_SELECTOR, ".resolved-count").text) == len(diff["resolved"])

    assert _errors(browser) == []
    assert _hosts(browser) <= {server.url.split("/")[2]}
