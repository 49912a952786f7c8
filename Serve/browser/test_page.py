#!/usr/bin/env python3
"""The search page of `kite serve`, driven in headless Chromium (Selenium).

    python3 Serve/browser/test_page.py --server-command 'Serve/.build/release/kite-serve --port 0' \\
        --screenshot /tmp/kite-page.png

The server command (or $KITE_SERVE_COMMAND) is run through the shell in a process group of its own; it must print
`kite serve: listening on http://HOST:PORT/ …` on standard output (within 120 s: a first run may build the index).
Needs the default demo index's documents (升规纳统 is one document of 市统计局 in 2023Q3; 新质生产力 matches
several periods). Prints one `ok: …` line per step; on a failure prints what the page showed, saves
`…-failure.png` beside the screenshot and exits 1. The server is always stopped at the end.

Every wait is on a condition: <main> carries data-state (loading|done|error) and data-seq, which the page bumps
each time a load finishes, so each action waits for the next seq; no fixed sleeps.
"""

import argparse
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 30  # seconds, for every condition in the page
START_TIMEOUT = 120  # seconds, for the server's "listening" line
LISTENING = re.compile(r"kite serve: listening on (https?://\S+?/)(?:\s|$)")
PERIOD = re.compile(r"^(\d{4})(?:[HhQq]\d|-\d{2})?$")


class Failure(Exception):
    pass


# ------------------------------------------------------------------------------------------------- the server


class Server:
    """The server command in a process group of its own; its standard output read on a thread."""

    def __init__(self, command):
        self.command = command
        self.stderr = tempfile.TemporaryFile(mode="w+b")
        self.lines = queue.Queue()
        self.seen = []
        self.process = subprocess.Popen(
            command, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.stderr,
            start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.process.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines.put(None)

    def wait_listening(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"the server did not say it was listening within {timeout} s; its output:\n"
                              + self.output())
            try:
                line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if line is None:
                self.process.wait(timeout=10)
                raise Failure(f"the server exited ({self.process.returncode}) before listening; its output:\n"
                              + self.output())
            self.seen.append(line)
            match = LISTENING.search(line)
            if match:
                return match.group(1)

    def output(self):
        self.stderr.seek(0)
        err = self.stderr.read().decode("utf-8", "replace")
        return "stdout:\n  " + "\n  ".join(self.seen[-20:]) + "\nstderr:\n  " + "\n  ".join(err.splitlines()[-20:])

    def stop(self):
        if self.process.poll() is None:
            for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        else:
            # The shell is gone; anything it started in the group may not be.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# ------------------------------------------------------------------------------------------------- the page


def period_range(text):
    """(year, first month, last month) of a period, or None."""
    m = re.match(r"^(\d{4})(?:([HhQq])(\d)|-(\d{2}))?$", text or "")
    if not m:
        return None
    year = int(m.group(1))
    if m.group(2):
        n = int(m.group(3))
        return (year, n * 6 - 5, n * 6) if m.group(2) in "Hh" else (year, n * 3 - 2, n * 3)
    if m.group(4):
        n = int(m.group(4))
        return (year, n, n)
    return (year, 1, 12)


def period_contains(outer, inner):
    """Filtering on `outer` takes in `inner`: periods nest (2023 takes in 2023Q3), as in the engine."""
    if outer == inner:
        return True
    a, b = period_range(outer), period_range(inner)
    return bool(a and b and a[0] == b[0] and a[1] <= b[1] and b[2] <= a[2])


class Page:
    def __init__(self, driver, base):
        self.d = driver
        self.base = base

    # -- waiting

    def main(self):
        return self.d.find_element(By.ID, "main")

    def seq(self):
        return int(self.main().get_attribute("data-seq") or "0")

    def state(self):
        return self.main().get_attribute("data-state")

    def until(self, condition, what, timeout=WAIT):
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.1).until(lambda _: condition())
        except TimeoutException:
            raise Failure(f"timed out after {timeout} s waiting for {what}\n" + self.describe()) from None

    def after(self, action, what):
        """Runs `action`, then waits for the load it starts to finish; returns the page's state."""
        before = self.seq()
        action()
        self.until(lambda: self.seq() > before and self.state() in ("done", "error"), what)
        return self.state()

    def open(self, path=""):
        self.d.get(self.base + path)
        if not self.d.find_elements(By.ID, "main"):
            source = " ".join(self.d.page_source.split())[:300]
            raise Failure(f"/{path} is not the search page (no <main id=main>); it is: {source}")
        self.until(lambda: self.seq() >= 1 and self.state() in ("done", "error"), f"the page at /{path} to load")

    # -- reading

    def by_testid(self, testid, root=None):
        return (root or self.d).find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def one(self, testid):
        found = self.by_testid(testid)
        if not found:
            raise Failure(f'no element with data-testid="{testid}"\n' + self.describe())
        return found[0]

    def total(self):
        element = self.one("total")
        count = element.get_attribute("data-count")
        return (int(count) if count not in (None, "") else None), element.text

    def hits(self, exact_only=False):
        selector = '#hits [data-testid="hit"]' if exact_only else '[data-testid="hit"]'
        result = []
        for li in self.d.find_elements(By.CSS_SELECTOR, selector):
            if not li.is_displayed():
                continue
            dept = li.find_elements(By.CSS_SELECTOR, '[data-testid="hit-department"]')
            result.append({
                "id": li.get_attribute("data-id"),
                "period": li.get_attribute("data-period"),
                "match": li.get_attribute("data-match"),
                "department": dept[0].text if dept else "",
                "element": li,
            })
        return result

    def bars(self):
        result = []
        for bar in self.d.find_elements(By.CSS_SELECTOR, '[data-testid="chart"] [data-testid="bar"]'):
            label = bar.find_elements(By.CSS_SELECTOR, ".bar-label")
            count = bar.find_elements(By.CSS_SELECTOR, ".bar-count")
            result.append({
                "period": bar.get_attribute("data-period") or "",
                "count": int(bar.get_attribute("data-count")),
                "label": label[0].text if label else "",
                "count_text": count[0].text if count else "",
                "pressed": bar.get_attribute("aria-pressed"),
                "aria": bar.get_attribute("aria-label") or "",
                "element": bar,
            })
        return result

    def search(self, text):
        box = self.one("search-input")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.DELETE)
        box.send_keys(text)
        return self.after(lambda: box.send_keys(Keys.ENTER), f"the results of {text!r}")

    def describe(self):
        """What the page shows, for a failure report."""
        try:
            lines = [f"  url: {self.d.current_url}", f"  state: {self.state()} seq: {self.seq()}"]
            for testid in ("total", "error"):
                found = self.by_testid(testid)
                if found and found[0].is_displayed():
                    lines.append(f"  {testid}: {found[0].text!r}")
            bars = self.bars()
            if bars:
                lines.append("  bars: " + ", ".join(f"{b['period'] or '(none)'}={b['count']}"
                                                    f"{'*' if b['pressed'] == 'true' else ''}" for b in bars))
            for hit in self.hits()[:12]:
                lines.append(f"  hit {hit['id']} period={hit['period']!r} match={hit['match']} "
                             f"department={hit['department']!r}")
            doc = self.by_testid("document")
            if doc and doc[0].is_displayed():
                lines.append(f"  document: {doc[0].get_attribute('data-id')!r}, "
                             f"{len(doc[0].find_elements(By.TAG_NAME, 'mark'))} marks")
            return "\n".join(lines)
        except WebDriverException as error:
            return f"  (could not read the page: {error.msg})"


def check(condition, message, page):
    if not condition:
        raise Failure(message + "\n" + page.describe())


def ok(message):
    print(f"ok: {message}", flush=True)


# ------------------------------------------------------------------------------------------------- the steps


def step_single_hit(page):
    page.open()
    check(page.d.switch_to.active_element == page.one("search-input"), "the search box does not have the focus", page)
    page.until(lambda: page.one("from").get_attribute("data-loaded") == "true", "the period selects to be filled")
    state = page.search("升规纳统")
    check(state == "done", f"searching 升规纳统 ended in state {state}", page)
    hits = page.hits(exact_only=True)
    check(len(hits) >= 1, "no hits for 升规纳统", page)
    first = hits[0]
    check(first["department"] == "市统计局", f"the first hit's department is {first['department']!r}, not 市统计局", page)
    check(first["id"] == "2023Q3/59/2", f"the first hit's id is {first['id']!r}, not 2023Q3/59/2", page)
    check(first["period"] == "2023Q3", f"the first hit's period is {first['period']!r}, not 2023Q3", page)
    marks = first["element"].find_elements(By.CSS_SELECTOR, '[data-testid="hit-snippet"] mark')
    check(marks and any("升规纳统" in m.text or m.text in "升规纳统" for m in marks),
          "the first hit's snippet has no <mark> of the query", page)
    count, text = page.total()
    check(count == 1 and re.search(r"\b1 document\b", text), f"the total says {text!r} (count {count})", page)
    check("q=" in page.d.current_url, f"the URL does not carry the query: {page.d.current_url}", page)
    external = page.d.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith(location.origin) && !n.startsWith('data:'))")
    check(not external, f"the page loaded resources from elsewhere: {external}", page)
    ok("升规纳统: 1 document, first hit 2023Q3/59/2 of 市统计局 with a marked snippet")


def step_chart_filter(page):
    state = page.search("新质生产力")
    check(state == "done", f"searching 新质生产力 ended in state {state}", page)
    total, _ = page.total()
    bars = page.bars()
    period_bars = [b for b in bars if b["period"]]
    none_bars = [b for b in bars if not b["period"]]
    check(len(period_bars) >= 2, f"the chart shows {len(period_bars)} period bars", page)
    for bar in period_bars:
        check(PERIOD.match(bar["period"]) and bar["label"] == bar["period"],
              f"a bar is labelled {bar['label']!r} for period {bar['period']!r}", page)
        check(bar["count_text"].replace(",", "") == str(bar["count"]) and bar["count"] > 0,
              f"bar {bar['period']} shows {bar['count_text']!r} for a count of {bar['count']}", page)
        check(bar["period"] in bar["aria"], f"bar {bar['period']} has aria-label {bar['aria']!r}", page)
    check(any(b["period"] == "2026-02" for b in period_bars), "no bar for 2026-02", page)
    counted = sum(b["count"] for b in period_bars)
    check(len(none_bars) <= 1, "more than one no-period bar", page)
    without = none_bars[0]["count"] if none_bars else 0
    check(counted == total - without, f"the bars count {counted} with a period and {without} without, "
          f"the total is {total}", page)
    ok(f"新质生产力: {total} documents, {len(period_bars)} period bars adding up"
       + (f" (+{without} without a period)" if without else ""))

    # A bar whose period takes in no other bar's, with fewer documents than all: its count is what it filters to.
    candidates = [b for b in period_bars if b["count"] < total
                  and not any(o is not b and period_contains(b["period"], o["period"]) for o in period_bars)]
    check(candidates, "no bar to filter on (each has all the documents)", page)
    chosen = max(candidates, key=lambda b: b["count"])
    period, expected = chosen["period"], chosen["count"]

    def assert_filtered():
        count, text = page.total()
        check(count == expected, f"filtered to {period}: the total is {count} ({text!r}), the bar said {expected}",
              page)
        hits = page.hits()
        check(hits, f"no hits shown for period {period}", page)
        for hit in hits:
            check(period_contains(period, hit["period"]), f"hit {hit['id']} has period {hit['period']!r}, "
                  f"not {period}", page)
        now = page.bars()
        check(sum(b["count"] for b in now) == total, "the chart no longer shows the unfiltered query", page)
        for bar in now:
            selected = bar["period"] == period
            check((bar["pressed"] == "true") == selected, f"bar {bar['period'] or '(none)'} has aria-pressed="
                  f"{bar['pressed']!r} with {period} chosen", page)
        check("selected" in next(b for b in now if b["period"] == period)["element"].get_attribute("class"),
              f"bar {period} is not shown as selected", page)
        check("period=" in page.d.current_url, f"the URL does not carry the period: {page.d.current_url}", page)
        return len(hits)

    def assert_unfiltered(how):
        count, text = page.total()
        check(count == total, f"after {how} the total is {count} ({text!r}), not {total}", page)
        check(not any(b["pressed"] == "true" for b in page.bars()), f"a bar is still selected after {how}", page)
        check("period=" not in page.d.current_url, f"the URL still has a period after {how}", page)

    def bar_element(p):
        return page.d.find_element(By.CSS_SELECTOR, f'[data-testid="chart"] [data-testid="bar"][data-period="{p}"]')

    page.after(lambda: bar_element(period).click(), f"the results filtered to {period}")
    shown = assert_filtered()
    ok(f"bar {period} filters to its {expected} documents ({shown} shown, all in {period}), bar selected")
    page.after(lambda: bar_element(period).click(), "the filter to go when its bar is chosen again")
    assert_unfiltered("choosing the bar again")
    page.after(lambda: bar_element(period).click(), f"the results filtered to {period} again")
    assert_filtered()
    clear = page.one("clear-period")
    check(clear.is_displayed(), "no visible control to clear the period filter", page)
    page.after(clear.click, "the filter to be cleared")
    assert_unfiltered("the clear control")
    ok(f"the period filter goes when its bar is chosen again and with the clear control (total back to {total})")
    return total


def choose_range(page):
    """Two years of the index's periods for the range: 2023 and 2024 when it has them."""
    values = [o.get_attribute("value") for o in Select(page.one("from")).options if o.get_attribute("value")]
    if "2023" in values and "2024" in values:
        return "2023", "2024"
    years = sorted({v[:4] for v in values if PERIOD.match(v) and v[:4] in values})
    check(len(years) >= 2, f"the from select offers {values}", page)
    return years[-2], years[-1]


def step_range(page):
    low, high = choose_range(page)
    page.after(lambda: Select(page.one("from")).select_by_value(low), f"the results from {low}")
    page.after(lambda: Select(page.one("to")).select_by_value(high), f"the results from {low} to {high}")
    url = page.d.current_url
    check(f"from={low}" in url and f"to={high}" in url, f"the URL does not carry the range: {url}", page)

    def assert_in_range(query):
        count, _ = page.total()
        hits = page.hits()
        for hit in hits:
            year = int(hit["period"][:4]) if PERIOD.match(hit["period"] or "") else None
            check(year is not None and int(low) <= year <= int(high),
                  f"{query}: hit {hit['id']} has period {hit['period']!r}, outside {low}–{high}", page)
        for bar in page.bars():
            check(bar["period"] and int(low) <= int(bar["period"][:4]) <= int(high),
                  f"{query}: the chart has a bar {bar['period'] or '(none)'} outside {low}–{high}", page)
        return count, len(hits)

    count, shown = assert_in_range("新质生产力")
    state = page.search("高质量发展")
    check(state == "done", f"searching 高质量发展 within the range ended in state {state}", page)
    check(Select(page.one("from")).first_selected_option.get_attribute("value") == low,
          "a new search lost the range", page)
    count2, shown2 = assert_in_range("高质量发展")
    check(shown2 > 0, "高质量发展 shows no hits within the range", page)
    ok(f"range {low}–{high}: 新质生产力 {count} matching ({shown} hits shown), 高质量发展 {count2} ({shown2} shown), "
       "all within the range")
    page.after(lambda: Select(page.one("from")).select_by_value(""), "the range's start to be cleared")
    page.after(lambda: Select(page.one("to")).select_by_value(""), "the range's end to be cleared")
    check("from=" not in page.d.current_url and "to=" not in page.d.current_url,
          f"the URL still has a range: {page.d.current_url}", page)


def step_document(page, total):
    query = "新质生产力"
    state = page.search(query)
    check(state == "done" and page.total()[0] == total, f"searching {query} again: state {state}", page)
    hit = page.hits(exact_only=True)[0]

    def open_document():
        link = page.d.find_element(By.CSS_SELECTOR, f'#hits [data-testid="hit"] [data-testid="hit-title"]')
        page.after(link.click, "the document view")

    def assert_document(how):
        doc = page.one("document")
        check(doc.is_displayed(), f"{how}: the document view is not shown", page)
        check(not page.one("results-view").is_displayed(), f"{how}: the results still show under the document", page)
        check("doc=" in page.d.current_url, f"{how}: the URL does not name the document: {page.d.current_url}", page)
        marks = [m.text for m in doc.find_elements(By.CSS_SELECTOR, '[data-testid="document-passages"] mark')]
        check(marks, f"{how}: the document has no <mark>", page)
        check(any(query in "".join(m.split()) for m in marks),
              f"{how}: no <mark> holds {query}; marks: {marks[:20]}", page)
        joined = "".join(marks)
        check(all(c in joined for c in query), f"{how}: the marks miss some of {query}'s characters", page)
        passages = page.by_testid("passage", doc)
        check(passages, f"{how}: the document shows no passages", page)
        ids = [p.get_attribute("data-passage-id") for p in passages]
        check(hit["id"] in ids, f"{how}: the hit's passage {hit['id']} is not among the document's {ids[:10]}", page)
        fields = page.one("document-fields").text
        check(hit["period"] in fields, f"{how}: the document's fields {fields!r} do not show {hit['period']}", page)
        return len(marks), len(passages)

    def assert_results(how):
        check(not page.one("document").is_displayed(), f"{how}: the document view still shows", page)
        count, _ = page.total()
        first = page.hits(exact_only=True)[:1]
        check(count == total and first and first[0]["id"] == hit["id"],
              f"{how}: the results are not back (total {count})", page)
        check("doc=" not in page.d.current_url, f"{how}: the URL still names a document", page)

    open_document()
    marks, passages = assert_document("opening a hit")
    ok(f"document of {hit['id']}: {passages} passages, {marks} marks incl. {query}")

    page.after(lambda: page.one("document-back").click(), "the results after the back button")
    assert_results("the back button")
    open_document()
    page.after(lambda: page.d.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE), "the results after Escape")
    assert_results("Escape")
    open_document()
    page.d.refresh()
    page.until(lambda: page.state() == "done" and page.one("document").is_displayed()
               and page.d.find_elements(By.CSS_SELECTOR, '[data-testid="document-passages"] mark'),
               "the document view after a reload")
    assert_document("a reload")
    # Back to an entry of the page before the reload: a new page load or a popstate, so wait on what shows.
    page.d.back()
    page.until(lambda: "doc=" not in page.d.current_url and page.state() == "done"
               and page.one("results-view").is_displayed(), "the results after the browser's back")
    assert_results("the browser's back button")
    ok("back to the results with the back button, Escape, and the browser's back after a reload")


def step_error(page):
    state = page.search("(a")
    check(state == "error", f"the bad query (a ended in state {state}", page)
    error = page.one("error")
    check(error.is_displayed() and error.text.strip(), "no error message shown for (a", page)
    check(not page.one("results-view").is_displayed(), "results still show beside the error", page)
    ok(f"a bad query shows: {' '.join(error.text.split())!r}")


def step_layout(page, screenshot):
    state = page.search("新质生产力")
    check(state == "done" and not page.one("error").is_displayed(), "the page did not recover from the error", page)
    page.d.execute_script("window.scrollTo(0, 0)")
    if not page.d.save_screenshot(screenshot):
        raise Failure(f"could not save {screenshot}")
    ok(f"desktop screenshot: {screenshot}")

    page.d.set_window_size(390, 844)
    page.until(lambda: page.d.execute_script("return window.innerWidth") <= 400, "the window to be phone-wide")

    def fits(what):
        width, inner = page.d.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        check(width <= inner, f"{what} at 390 px: scrollWidth {width} > innerWidth {inner}", page)
        return width, inner

    width, inner = fits("the results")
    root, ext = os.path.splitext(screenshot)
    phone = f"{root}-phone{ext or '.png'}"
    if not page.d.save_screenshot(phone):
        raise Failure(f"could not save {phone}")
    link = page.d.find_element(By.CSS_SELECTOR, '#hits [data-testid="hit"] [data-testid="hit-title"]')
    page.after(link.click, "the document view at phone width")
    fits("the document view")
    ok(f"no horizontal scrolling at 390 px (scrollWidth {width} <= {inner}), results and document; "
       f"phone screenshot: {phone}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-command", default=os.environ.get("KITE_SERVE_COMMAND"),
                        help="shell command starting the server on port 0 (default: $KITE_SERVE_COMMAND)")
    parser.add_argument("--screenshot", default=os.path.join(tempfile.gettempdir(), "kite-page.png"),
                        help="where to save the desktop screenshot (the phone one goes beside it, with -phone)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    if not args.server_command:
        parser.error("give --server-command or set KITE_SERVE_COMMAND")
    screenshot = os.path.abspath(args.screenshot)

    server = Server(args.server_command)
    driver = None
    page = None
    try:
        base = server.wait_listening(START_TIMEOUT)
        ok(f"server listening on {base}")
        options = webdriver.ChromeOptions()
        options.binary_location = args.chromium
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=en-US"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
        driver.set_window_size(1280, 1000)
        driver.set_page_load_timeout(WAIT)
        page = Page(driver, base)

        step_single_hit(page)
        total = step_chart_filter(page)
        step_range(page)
        step_document(page, total)
        step_error(page)
        step_layout(page, screenshot)

        errors = [e["message"] for e in driver.get_log("browser")
                  if e.get("level") == "SEVERE" and e.get("source") != "network"]
        if errors:
            raise Failure("JavaScript errors in the console:\n  " + "\n  ".join(errors))
        ok("no JavaScript errors")
        return 0
    except Failure as failure:
        print(f"FAIL: {failure}", flush=True)
        if driver is not None:
            root, ext = os.path.splitext(screenshot)
            try:
                driver.save_screenshot(f"{root}-failure{ext or '.png'}")
                print(f"  (screenshot of the failure: {root}-failure{ext or '.png'})")
                for entry in driver.get_log("browser"):
                    print(f"  console: {entry.get('level')} {entry.get('message')}")
            except WebDriverException:
                pass
        return 1
    except WebDriverException as error:
        print(f"FAIL: the browser: {error.msg}" + ("\n" + page.describe() if page else ""), flush=True)
        return 1
    finally:
        if driver is not None:
            try:
                driver.quit()
            except WebDriverException:
                pass
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
