"""The dashboard in a real headless Chromium: it renders without console errors or
outside requests, its links and filters work, and its numbers are the API's numbers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import LiveServer, make_token, start_server
from tests.server.test_scans import report_with
from tests.support.browser import ARTEFACTS, console_errors, requested_hosts


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


def test_dashboard_pages_render_and_agree_with_the_api(
    browser: Any, filled_server: tuple[LiveServer, str]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    server, admin = filled_server
    with server.client(admin) as client:
        images = {i["repository"]: i for i in client.get("/api/v1/images").json()}

    browser.get(f"{server.url}/")
    assert browser.current_url.endswith("/login")
    browser.find_element(By.NAME, "token").send_keys(admin)
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    # the click returns before the next page is there: on a loaded machine, wait for it
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#images tbody tr"))
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
    WebDriverWait(browser, 30).until(
        lambda b: (
            "severity=critical" in b.current_url
            and b.execute_script("return document.readyState") == "complete"
        )
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "#images tbody tr")
    assert [r.get_attribute("data-worst") for r in rows] == ["critical"]

    browser.find_element(By.LINK_TEXT, "ghcr.io/acme/api").click()
    WebDriverWait(browser, 30).until(
        lambda b: (
            b.find_elements(By.ID, "total")
            and b.execute_script("return document.readyState") == "complete"
        )
    )
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

    assert console_errors(browser) == []
    assert requested_hosts(browser) <= {server.url.split("/")[2]}
