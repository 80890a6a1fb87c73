"""The demo page in a real browser, on the real server and the shipped model (not part of CI).

    python -m scripts.ui_check [--checkpoint model/checkpoint/joint.pt] [--screenshot results/demo.png]
    python -m scripts.ui_check --url http://127.0.0.1:5000      # an already running server

Starts gunicorn from the Procfile's web line on a free 127.0.0.1 port (unless --url), then
drives headless Chromium through Selenium: types a news paragraph holding an emoji (outside
the BMP, so code points and UTF-16 units differ) into the page, submits it (A2KB), and checks
every highlighted mention against the JSON API's answer for the same text: its text, NER
type, Wikipedia link, NIL marking. It opens a mention's hover card and saves a screenshot,
then marks a span by selecting it (D2KB) and checks that only that span comes back (second
screenshot, ``<name>_d2kb.png``), submits markup as text to check it is shown, not run, and
posts the form with JavaScript disabled to check the plain-HTML rendering. Prints one line per check; exit 1 on
the first failure.

Needs Debian's ``chromium`` and ``chromium-driver`` and ``pip install selenium`` (an
optional tool dependency, not in requirements.txt).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.request
from pathlib import Path

from model.settings import REPO_ROOT
from nif.uris import entity_uri
from scripts.bench.nif import start_server, stop_server, wait_ready
from scripts.options import add_checkpoint

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,900", "--force-device-scale-factor=1",
)
# Typed in two parts around the emoji: ChromeDriver can only type characters of the BMP.
PARAGRAPH_HEAD = "LONDON (Reuters) "
EMOJI = "📰"
PARAGRAPH_TAIL = (
    " - England captain Michael Atherton said on Friday that Pakistan would be hard to beat at "
    "Lord's, while Leicestershire lost to Somerset at Taunton. German Chancellor Angela Merkel "
    "arrived in Paris for talks with the European Union."
)
PARAGRAPH = PARAGRAPH_HEAD + EMOJI + PARAGRAPH_TAIL
D2KB_SURFACE = "Pakistan"
D2KB_APPENDED = " Play resumes on Monday."
MARKUP_TEXT = 'Paris <img src=x onerror="document.title=\'pwned\'"> <script>document.title="pwned"</script> Berlin'
ANSWER_TIMEOUT_S = 120.0  # a cold first request on 2 shared cores


class CheckFailed(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
    print(f"ok  {message}")


def api_answer(base: str, text: str, spans: list[list[int]] | None = None) -> dict:
    payload: dict = {"text": text} if spans is None else {"text": text, "spans": spans}
    request = urllib.request.Request(
        f"{base}/annotate?uris=wikipedia", data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=ANSWER_TIMEOUT_S) as response:
        return json.load(response)


def start_browser(profile_dir: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def submit_and_wait(driver, button_id: str = "annotate") -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("delete document.getElementById('result').dataset.state")
    driver.find_element(By.ID, button_id).click()
    WebDriverWait(driver, ANSWER_TIMEOUT_S).until(
        lambda d: d.find_element(By.ID, "result").get_attribute("data-state") == "done"
    )


def rendered_mentions(driver) -> list[dict]:
    """What the page shows: each highlighted mention's text, classes and link."""
    return driver.execute_script(
        """return Array.from(document.querySelectorAll('#doc mark.mention')).map((m) => ({
             start: Number(m.dataset.start), end: Number(m.dataset.end),
             surface: m.querySelector('.surface').textContent, classes: m.className,
             href: m.querySelector('a.surface') ? m.querySelector('a.surface').href : null,
             candidates: Array.from(m.querySelectorAll('.card .cand a')).map((a) => a.getAttribute('href'))}));"""
    )


def shown_text(driver) -> str:
    """The rendered document's text without the type labels and hover cards."""
    return driver.execute_script(
        """const doc = document.getElementById('doc').cloneNode(true);
           doc.querySelectorAll('.tag, .card').forEach((node) => node.remove());
           return doc.textContent;"""
    )


def check_a2kb(driver, base: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + "/")
    check(driver.title.startswith("nerel"), f"GET / in a browser serves the demo page ({driver.title!r})")
    box = driver.find_element(By.ID, "text")
    box.clear()
    box.send_keys(PARAGRAPH_HEAD)
    driver.execute_script("document.execCommand('insertText', false, arguments[0])", EMOJI)
    box.send_keys(PARAGRAPH_TAIL)
    check(box.get_attribute("value") == PARAGRAPH, "typed the paragraph (with an emoji outside the BMP)")
    submit_and_wait(driver)
    errors = driver.find_elements(By.CSS_SELECTOR, "#result .error")
    check(not errors, f"no error shown ({errors[0].text if errors else ''})")
    expected = api_answer(base, PARAGRAPH)["mentions"]
    shown = rendered_mentions(driver)
    check(len(shown) == len(expected) > 0, f"{len(shown)} mentions highlighted, as many as POST /annotate answers")
    for got, want in zip(shown, expected):
        what = f"{want['surface']!r} [{want['start']},{want['end']})"
        check(got["surface"] == want["surface"] == PARAGRAPH[want["start"]:want["end"]],
              f"{what}: highlighted text is the code-point span")
        check(f"t-{want['type']}" in got["classes"], f"{what}: coloured as {want['type']}")
        if want["uri"]:
            check(got["href"] == want["uri"] and "nil" not in got["classes"].split(), f"{what}: links {got['href']}")
        else:
            check(got["href"] is None and "nil" in got["classes"].split(), f"{what}: shown as NIL, no link")
    candidates = [[entity_uri(title) for title, _ in m["candidates"]] for m in expected]
    check([m["candidates"] for m in shown] == candidates,
          f"every hover card links the {sum(map(len, candidates))} candidates' Wikipedia pages as the server encodes them")
    check(any(m["uri"] is None for m in expected), "the paragraph has a NIL mention to show")
    check(shown_text(driver) == PARAGRAPH, "the rendered text, labels and cards aside, is the paragraph unchanged")
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map((r) => r.name)")
    check(all(url.startswith(base + "/") for url in loaded),
          f"the page loaded {len(loaded)} resources, all from the server itself")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.mentions tbody tr")
    check(len(rows) == len(expected), f"the mention table has {len(rows)} rows")


def fit_window(driver) -> None:
    """Make the window as tall as the page (within reason) so the screenshot shows all of it."""
    driver.set_window_size(1280, 900)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height + 100, 900), 2400))


def open_card_and_screenshot(driver, surface: str, path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    target = next(m for m in driver.find_elements(By.CSS_SELECTOR, "#doc mark.mention")
                  if m.find_element(By.CSS_SELECTOR, ".surface").text == surface)
    ActionChains(driver).move_to_element(target.find_element(By.CSS_SELECTOR, ".tag")).perform()
    card = target.find_element(By.CSS_SELECTOR, ".card")
    check(card.is_displayed(), f"hovering {surface!r} opens its card: {card.text.splitlines()[:2]}")
    fit_window(driver)
    ActionChains(driver).move_to_element(target.find_element(By.CSS_SELECTOR, ".tag")).perform()
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    print(f"ok  screenshot saved to {path}")


def check_d2kb(driver, base: str, screenshot: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.find_element(By.CSS_SELECTOR, "input[name=task][value=d2kb]").click()
    utf16_start = len(PARAGRAPH[: PARAGRAPH.index(D2KB_SURFACE)].encode("utf-16-le")) // 2
    # A user's selection: textarea selections are UTF-16 indices; the page converts them.
    driver.execute_script(
        """const box = document.getElementById('text'); box.focus();
           box.setSelectionRange(arguments[0], arguments[1]);
           box.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));""",
        utf16_start, utf16_start + len(D2KB_SURFACE),
    )
    start = PARAGRAPH.index(D2KB_SURFACE)
    spans = driver.find_element(By.ID, "spans").get_attribute("value")
    check(spans == f"{start}-{start + len(D2KB_SURFACE)}", f"selecting {D2KB_SURFACE!r} marks code points {spans}")
    box = driver.find_element(By.ID, "text")
    box.send_keys(Keys.CONTROL, Keys.END)
    box.send_keys(D2KB_APPENDED)
    check(box.get_attribute("value") == PARAGRAPH + D2KB_APPENDED and
          driver.find_element(By.ID, "spans").get_attribute("value") == spans,
          "typing after the marked span keeps it marked")
    submit_and_wait(driver)
    text = PARAGRAPH + D2KB_APPENDED
    shown = rendered_mentions(driver)
    expected = api_answer(base, text, [[start, start + len(D2KB_SURFACE)]])["mentions"]
    check([m["surface"] for m in shown] == [D2KB_SURFACE],
          f"D2KB answers exactly the marked span: {[m['surface'] for m in shown]}")
    check(shown[0]["href"] == expected[0]["uri"], f"D2KB link equals the API's: {shown[0]['href']}")
    check(shown_text(driver) == text, "the rendered D2KB text is the text unchanged")
    fit_window(driver)
    driver.save_screenshot(str(screenshot))
    print(f"ok  screenshot saved to {screenshot}")


def check_without_javascript(driver, base: str) -> None:
    """The plain form post (no JavaScript) renders the same mentions."""
    from selenium.webdriver.common.by import By

    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        driver.get(base + "/")
        box = driver.find_element(By.ID, "text")
        box.clear()
        box.send_keys(PARAGRAPH_HEAD + PARAGRAPH_TAIL)
        driver.find_element(By.ID, "annotate").click()
        check(driver.current_url.endswith("/demo"), f"without JavaScript the form posts to {driver.current_url}")
        marks = driver.find_elements(By.CSS_SELECTOR, "#doc mark.mention")
        expected = api_answer(base, PARAGRAPH_HEAD + PARAGRAPH_TAIL)["mentions"]
        shown = [(int(m.get_attribute("data-start")), m.find_element(By.CSS_SELECTOR, ".surface").text) for m in marks]
        check(shown == [(m["start"], m["surface"]) for m in expected],
              f"without JavaScript the page renders the API's {len(expected)} mentions")
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def check_raw_answers(driver) -> None:
    """The JSON and NIF buttons show the API's answers for the same text and spans."""
    from selenium.webdriver.common.by import By

    submit_and_wait(driver, "json-view")
    json_panel = driver.find_element(By.CSS_SELECTOR, "#result details.raw")
    answer = json.loads(json_panel.find_element(By.TAG_NAME, "pre").get_attribute("textContent"))
    check(json_panel.get_attribute("open") is not None and answer["task"] == "d2kb" and len(answer["mentions"]) == 1,
          "the JSON button shows the JSON answer")
    submit_and_wait(driver, "nif-view")
    turtle = driver.find_element(By.CSS_SELECTOR, "#result details.nif pre").get_attribute("textContent")
    check("nif:isString" in turtle and "<http://en.wikipedia.org/wiki/Pakistan_national_cricket_team>" in turtle,
          "the NIF button shows the NIF answer of POST /gerbil")


def check_markup_is_text(driver) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "input[name=task][value=a2kb]").click()
    driver.execute_script("document.getElementById('text').value = arguments[0]", MARKUP_TEXT)
    submit_and_wait(driver)
    doc = driver.find_element(By.ID, "doc")
    injected = driver.find_elements(By.CSS_SELECTOR, "#doc img, #doc script")
    check(not injected and driver.title != "pwned" and "<script>" in doc.text,
          "markup in the text is shown as text, not run")


def run(base: str, screenshot: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="nerel-ui-") as profile:
        driver = start_browser(profile)
        try:
            check_a2kb(driver, base)
            open_card_and_screenshot(driver, "England", screenshot)
            check_d2kb(driver, base, screenshot.with_name(f"{screenshot.stem}_d2kb{screenshot.suffix}"))
            check_raw_answers(driver)
            check_markup_is_text(driver)
            check_without_javascript(driver, base)
        finally:
            driver.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_checkpoint(parser)
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument("--screenshot", type=Path, default=REPO_ROOT / "results" / "demo.png")
    args = parser.parse_args(argv)
    process = None
    base = args.url
    if base is None:
        process, port = start_server(args.checkpoint, Path(tempfile.gettempdir()) / "nerel_ui_check.log")
        base = f"http://127.0.0.1:{port}"
    try:
        if process is not None:
            wait_ready(process, base)
        run(base.rstrip("/"), args.screenshot)
    except CheckFailed as failure:
        print(f"FAIL {failure}")
        return 1
    finally:
        if process is not None:
            stop_server(process)
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
