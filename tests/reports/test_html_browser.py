"""The HTML report of the bundled examples in a real headless Chromium.

The page must load with no console error and no network request, its filters must work, and the
counts it shows must equal the JSON report's. One full-page screenshot is saved per run, in
$BEDROCK_CHECKER_ARTIFACTS when set, and its path printed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.reports import example_report

from checker.model import FindingStatus, Report
from checker.reports import FORMATS, RenderOptions

CHROMIUM = next(
    (p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))), None
)
CHROMEDRIVER = shutil.which("chromedriver")
try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:  # pragma: no cover - the test extra installs selenium
    webdriver = None

if webdriver is None:
    pytest.skip("selenium is not installed (pip install '.[test]')", allow_module_level=True)
if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip(
        "chromium and chromedriver not found (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

FRAMEWORK = "nist-800-53"


def _driver(javascript: bool = True) -> Any:
    options = Options()
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in a container has no user namespace sandbox
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--no-first-run",
    ):
        options.add_argument(argument)
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    try:
        return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    except WebDriverException as exc:
        pytest.skip(f"chromium could not start: {exc.msg}")


@pytest.fixture(scope="module")
def report() -> Report:
    return example_report()


@pytest.fixture(scope="module")
def page_file(report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("html-report")
    path = folder / "report.html"
    path.write_text(FORMATS["html"](report, RenderOptions(framework=FRAMEWORK)), "utf-8")
    return path


@pytest.fixture(scope="module")
def browser(page_file: Path) -> Iterator[Any]:
    driver = _driver()
    try:
        driver.get(page_file.as_uri())
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def json_report(report: Report) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(FORMATS["json"](report, RenderOptions()))
    return document


def _visible_rows(driver: Any) -> list[Any]:
    return [r for r in driver.find_elements(By.CSS_SELECTOR, "tr.job-row") if r.is_displayed()]


def test_the_page_loads_without_console_errors(browser: Any) -> None:
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    assert browser.title.startswith("bedrock-checker: 27 jobs checked")


def test_the_page_makes_no_network_request(browser: Any, page_file: Path) -> None:
    requested = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    assert requested in ([], [page_file.as_uri()])
    resources = browser.execute_script("return performance.getEntriesByType('resource').length")
    assert resources == 0


def test_the_counts_on_the_page_equal_the_json_report(
    browser: Any, json_report: dict[str, Any]
) -> None:
    summary = json_report["summary"]
    shown = {
        cell.get_attribute("data-count"): int(cell.text)
        for cell in browser.find_elements(By.CSS_SELECTOR, "[data-count]")
    }
    expected = {k: v for k, v in summary.items() if k != "bySeverity"}
    assert shown == {**expected, **summary["bySeverity"]}
    assert len(_visible_rows(browser)) == summary["jobs"]
    findings = browser.find_elements(By.CSS_SELECTOR, "tr.finding-row")
    assert len(findings) == sum(len(job["findings"]) for job in json_report["jobs"])


def _filter(driver: Any, name: str, value: str) -> list[Any]:
    Select(driver.find_element(By.NAME, name)).select_by_value(value)
    rows = _visible_rows(driver)
    assert driver.find_element(By.ID, "shown-count").text == str(len(rows))
    return rows


def _reset(driver: Any) -> None:
    driver.find_element(By.CSS_SELECTOR, "#filters button[type=reset]").click()
    # The page applies the reset filters in a timer of its own (the form's values change only
    # after the reset event): wait for a timer queued after it, so that it has run.
    driver.execute_async_script("window.setTimeout(arguments[arguments.length - 1], 0);")


def test_the_filters_show_the_jobs_the_json_report_names(
    browser: Any, report: Report, json_report: dict[str, Any]
) -> None:
    assert browser.find_element(By.ID, "filters").is_displayed()
    jobs = json_report["jobs"]

    failed = _filter(browser, "outcome", "failed")
    assert len(failed) == json_report["summary"]["failed"] == 21
    details = browser.find_elements(By.CSS_SELECTOR, "section.job")
    assert sum(1 for d in details if d.is_displayed()) == 21
    _reset(browser)
    assert len(_visible_rows(browser)) == len(jobs)

    with_bmc001 = [j for j in jobs if any(f["ruleId"] == "BMC001" for f in j["findings"])]
    assert len(_filter(browser, "rules", "BMC001")) == len(with_bmc001) > 0
    # Filters combine: failed jobs with a BMC001 finding.
    failed_bmc001 = [j for j in with_bmc001 if j["outcome"] == "failed"]
    assert len(_filter(browser, "outcome", "failed")) == len(failed_bmc001)
    _reset(browser)

    unknown = [
        j
        for j in jobs
        if any(f["status"] == "unknown" and f["suppression"] is None for f in j["findings"])
    ]
    assert len(_filter(browser, "severities", "unknown")) == len(unknown) > 0
    _reset(browser)

    in_eu = [
        r
        for r in report.results
        if r.job is not None and r.job.document["derived"].get("region") == "eu-west-1"
    ]
    accounts = {r.job.document["derived"]["account"] for r in in_eu if r.job is not None}
    [account] = accounts
    same_account = [
        r
        for r in report.results
        if r.job is not None and r.job.document["derived"].get("account") == account
    ]
    assert len(_filter(browser, "account", account)) == len(same_account)
    _reset(browser)
    assert len(_visible_rows(browser)) == len(jobs)
    assert any(f.status is FindingStatus.UNKNOWN for _, f in report.findings())


def test_with_javascript_off_every_job_is_shown(page_file: Path) -> None:
    driver = _driver(javascript=False)
    try:
        driver.get(page_file.as_uri())
        assert len(_visible_rows(driver)) == 27
        assert not driver.find_element(By.ID, "filters").is_displayed()
        assert sum(1 for d in driver.find_elements(By.CSS_SELECTOR, "section.job")) == 27
    finally:
        driver.quit()


def test_a_screenshot_of_the_page_is_kept(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Path(os.environ.get("BEDROCK_CHECKER_ARTIFACTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, min(int(height), 16000))
    path = folder / "html-report.png"
    assert browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    with capsys.disabled():
        print(f"\nHTML report screenshot: {path}")


def test_printed_the_page_shows_every_job_and_no_filters(browser: Any) -> None:
    _filter(browser, "outcome", "passed")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert len(_visible_rows(browser)) == 27
        assert not browser.find_element(By.ID, "filters").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        _reset(browser)
    assert len(_visible_rows(browser)) == 27
