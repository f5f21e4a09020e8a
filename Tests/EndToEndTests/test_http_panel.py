"""The admin panel of a running `almanac dev --speed 60` in headless Chromium (Debian's chromium
and chromium-driver, driven by Selenium; nothing is downloaded): an app paused through its form
stops running, and a screenshot is kept in .almanac/artifacts/panel.png."""
import datetime as dt
import re
import shutil

import pytest

from conftest import ROOT, by_type
from http_support import Client

START = "2026-03-02T07:55:00-05:00"
ARTIFACTS = ROOT / ".almanac" / "artifacts"


def chrome(width: int = 1280, height: int = 1800):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    if not shutil.which("chromedriver"):
        pytest.fail("chromium-driver is not installed (ops/install-deps installs it)")
    options = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}"]:
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def wait_for_element(browser, element_id: str, seconds: float):
    """The element with `element_id` once the current navigation has produced it; fails with the
    page the browser is showing when it does not appear within `seconds`."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        return WebDriverWait(browser, seconds, poll_frequency=0.2).until(
            expected_conditions.presence_of_element_located((By.ID, element_id)))
    except TimeoutException:
        pytest.fail(f"no #{element_id} within {seconds} s; the browser shows {browser.current_url}:\n"
                    f"{browser.page_source[:2000]}")


def log_in(browser, url: str, token: str):
    """Logs the browser in to the panel at `url` with `token` and waits for the panel."""
    from selenium.webdriver.common.by import By
    browser.get(url + "/")
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "login").click()
    wait_for_element(browser, "viewer", 30)


def parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# Alone: beside other tests (pytest-xdist) its dev's worker once ran nothing of one partition for
# 90 s (support-queue's triggers all on triggers[5], none started) while the other partitions ran.
@pytest.mark.alone
def test_pausing_an_app_in_the_panel_stops_its_runs(dev_factory, example_apps):
    from selenium.webdriver.common.by import By

    dev = dev_factory(["--apps", str(example_apps), "--start", START, "--speed", "60", "--quiet"])
    url = dev.http_url()
    api = Client(url, token=dev.token())
    dev.wait_for(lambda: api.get("/readyz").status == 200, 60, "/readyz 200")
    # Let support-queue (every 5 minutes from 8:00) run twice first.
    api.wait_for("/v1/apps/support-queue/jobs/triage-tickets/runs",
                 lambda body: sum(r["status"] == "succeeded" for r in body["runs"]) >= 2, 90, "two support-queue runs")

    browser = chrome()
    try:
        log_in(browser, url, dev.token())
        assert browser.title == "Almanac"
        card = browser.find_element(By.ID, "app-support-queue")
        assert "helpdesk-co" in card.text
        assert browser.find_element(By.ID, "toggle-app-support-queue-submit").text == "ON"
        assert "succeeded" in browser.find_element(By.ID, "job-support-queue-triage-tickets").text
        assert "acme-clinics" in browser.find_element(By.ID, "accounts").text
        # Run chips show the slot they ran for (support-queue's slots are every 5 minutes), in the
        # panel's one time format; the page reloads itself.
        chips = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#job-support-queue-triage-tickets .run")]
        assert chips and all(re.match(r"^\d\d:\d[05] ", c) for c in chips), chips
        assert "times in America/New_York" in card.text
        assert browser.find_element(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]').get_attribute("content") == "30; url=/"
        # "run now": a manual trigger, like `almanac trigger`.
        browser.find_element(By.ID, "run-inventory-sync-sync-stock-submit").click()
        assert "Triggered inventory-sync/sync-stock" in wait_for_element(browser, "flash", 30).text
        api.wait_for("/v1/apps/inventory-sync/jobs/sync-stock/runs", lambda body: any(re.fullmatch(r"[0-9a-f-]{36}", r["triggerId"]) for r in body["runs"]), 60,
                     "the manual run")
        browser.get(url + "/")

        form = browser.find_element(By.ID, "toggle-app-support-queue")
        form.find_element(By.NAME, "reason").send_keys("panel test")
        browser.find_element(By.ID, "toggle-app-support-queue-submit").click()
        # The form's POST waits for the broker to acknowledge the pause before its 303, and
        # chromedriver's click can return while that navigation is still pending: wait for it.
        flash = wait_for_element(browser, "flash", 30)
        assert "Paused support-queue" in flash.text
        # The panel reads the projection, which folds the pause a moment later.
        dev.wait_for(lambda: not api.get("/v1/apps/support-queue").json["enabled"], 30, "the pause in the projection")
        browser.get(url + "/")
        assert browser.find_element(By.ID, "toggle-app-support-queue-submit").text == "OFF"
        paused = api.get("/v1/apps/support-queue").json["paused"]
        assert paused["reason"] == "panel test" and paused["actor"] == "admin"
        # The pause and its reason are on the page (not only in a tooltip); the jobs say "paused"
        # where their next runs were.
        assert re.fullmatch(r"paused since \d\d:\d\d by admin: “panel test”", browser.find_element(By.ID, "pause-support-queue").text)
        assert "paused" in browser.find_element(By.CSS_SELECTOR, "#job-support-queue-triage-tickets .paused-next").text

        # Three more slots (15 simulated minutes) pass while paused.
        since = parse(paused["since"])
        api.wait_for("/v1/apps/support-queue/jobs/triage-tickets/runs", lambda body: sum(
            r["status"] == "skipped" and r.get("skipReason") == "paused" for r in body["runs"]) >= 3, 60, "three paused slots")
        browser.get(url + "/")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "panel.png"))
        browser.set_window_size(390, 1400)
        browser.save_screenshot(str(ARTIFACTS / "panel-mobile.png"))
        assert (ARTIFACTS / "panel.png").stat().st_size > 10_000
    finally:
        browser.quit()

    assert dev.stop() == 0
    events = dev.events()
    key = "helpdesk-co/support-queue/triage-tickets"
    after = lambda e: parse(e["scheduledFor"]) > since
    triggered = [e["data"] for e in by_type(events, "almanac.job.triggered") if e["subject"] == key]
    assert len([t for t in triggered if not after(t)]) >= 2   # it did run before the pause
    triggered_after = [t for t in triggered if after(t)]
    assert triggered_after == [], f"support-queue ran after its pause at {since}: {triggered_after[:3]}"
    skipped = [e["data"] for e in by_type(events, "almanac.job.skipped") if e["subject"] == key and after(e["data"])]
    assert len(skipped) >= 3 and all(s["reason"] == "paused" for s in skipped)
    pause = [e for e in by_type(events, "almanac.schedule.paused") if e["data"]["app"] == "support-queue"]
    assert pause and pause[0]["data"]["actor"] == "admin" and pause[0]["data"]["reason"] == "panel test"
