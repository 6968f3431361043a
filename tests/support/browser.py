"""A real headless Chromium for the tests that look at a page (Debian's chromium and
chromedriver, driven by selenium): start it, read its console errors and the hosts it asked."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTEFACTS = Path(__file__).resolve().parents[2] / ".cache" / "test-artefacts"
"""Screenshots the browser tests keep (the test artefacts of a run)."""


def start_browser() -> Any:
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
    driver = start_browser()
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def requested_hosts(driver: Any) -> set[str]:
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            hosts.add(message["params"]["request"]["url"].split("/")[2])
    return hosts
