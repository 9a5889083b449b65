#!/usr/bin/python3
"""--report in a real browser (TAP): headless Chromium, driven through
chromedriver by Selenium, opens a page written from samples/mail-mix.pcap
and a generated capture with markup in its user names
(tests/cli/report_gen.py --hostile), and
- the rendered text (document.body.innerText) holds the exposed accounts,
  the markup names as text, the servers and the alert lines;
- no script ran (no dialog open) and the markup made no element;
- every SVG chart and its bars have a size on screen;
- a screenshot is a PNG of more than one colour;
- Chromium's network log has no request but the file itself, and its
  console no error (a blocked style or fetch under the page's CSP would be
  one).
Needs the Debian packages chromium, chromium-driver and python3-selenium;
skipped without them (a failure under CI=true)."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

SRCDIR = os.environ.get("SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
POP3SCOPE = os.environ.get("POP3SCOPE", os.path.join(os.environ.get("BUILDDIR", SRCDIR), "src", "pop3scope"))
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
from tap_checks import check, report  # noqa: E402  tests/lib/tap_checks.py


def skip(why):
    print("1..0 # SKIP " + why)
    sys.exit(0)


try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.chrome.service import Service
except ImportError:
    skip("selenium missing (Debian package python3-selenium)")
CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
if CHROMIUM is None or DRIVER is None:
    skip("chromium or chromedriver missing (Debian packages chromium, chromium-driver)")


def png_colours(png):
    """The number of distinct pixels (up to 3) of an 8-bit RGB or RGBA PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), "PNG kind %d/%d" % (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, prev, seen = zlib.decompress(idat), width * channels, bytearray(width * channels), set()
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, channels * 7):
            seen.add(bytes(line[x:x + channels]))
        if len(seen) > 2:
            return len(seen)
        prev = line
    return len(seen)


def main():
    work = tempfile.mkdtemp()
    driver = None
    try:
        hostile = os.path.join(work, "hostile.pcap")
        page = os.path.join(work, "report.html")
        subprocess.run(["/usr/bin/python3", os.path.join(SRCDIR, "tests", "cli", "report_gen.py"), "--sessions", "4",
                        "--attempts", "12", "--hostile", hostile], check=True)
        subprocess.run([POP3SCOPE, "--summary", "--report", page, os.path.join(SRCDIR, "samples", "mail-mix.pcap"),
                        hostile], check=True, stdout=subprocess.DEVNULL)
        url = "file://" + page

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--user-data-dir=" + os.path.join(work, "profile"), "--window-size=1400,2400",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-default-apps", "--disable-sync"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        started = time.monotonic()
        driver = webdriver.Chrome(service=Service(DRIVER), options=options)
        driver.set_page_load_timeout(20)
        # The browser's own start page makes requests of its own: drain
        # the log on a blank page, so what is left is the report's.
        driver.get("about:blank")
        driver.get_log("performance")
        driver.get(url)
        text = driver.execute_script("return document.body.innerText")

        for needle in ("alice", "carol", "eve&co<b>", "<script>alert(1)</script>", '"><img src=x onerror=alert(2)>',
                       "<iframe src=//evil.example/x></iframe> ready", "127.0.0.1:110", "127.0.0.1:995",
                       "192.0.2.1:110", "pop3scope test server ready"):
            check("rendered text holds %r" % needle, lambda n=needle: n in text,
                  lambda n=needle: "not in innerText (%d chars)" % len(text))
        check("rendered alert lines: cleartext_credentials for alice, password_spraying",
              lambda: any(l.startswith("2026") and "cleartext_credentials" in l and "alice" in l
                          for l in text.splitlines())
              and any("password_spraying" in l and "10.0.0." in l for l in text.splitlines()),
              lambda: "\n".join(l for l in text.splitlines() if "cleartext" in l or "spraying" in l)[:800])
        check("the first account row is a cleartext exposure",
              lambda: driver.execute_script(
                  "return document.querySelector('#accounts tbody tr td:nth-child(2)').innerText") == "cleartext")
        check("the secrets are not on the page (no --show-passwords)",
              lambda: "s3cr3t" not in text and "alice-secret-1" not in text)

        def no_dialog():
            try:
                driver.switch_to.alert
                return False
            except NoAlertPresentException:
                return True
        check("no script ran: no dialog open", no_dialog)
        check("the markup in names made no element",
              lambda: driver.execute_script("return document.querySelectorAll('script,img,iframe').length") == 0)

        sizes = driver.execute_script(
            "return [...document.querySelectorAll('svg')].map(s => {const r = s.getBoundingClientRect();"
            " return [r.width, r.height, [...s.querySelectorAll('rect')].filter(b => {"
            " const q = b.getBoundingClientRect(); return q.width > 0 && q.height > 0; }).length]; })")
        check("the timeline SVG has a size on screen and drawn bars",
              lambda: len(sizes) >= 1 and all(w > 100 and h > 50 and bars > 0 for w, h, bars in sizes),
              lambda: sizes)

        png = driver.get_screenshot_as_png()
        with open(os.path.join(work, "shot.png"), "wb") as f:
            f.write(png)
        check("the screenshot is a PNG of more than one colour",
              lambda: len(png) > 1000 and png_colours(png) > 1, lambda: "%d bytes" % len(png))

        requests = set()
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                requests.add(message["params"]["request"]["url"])
        check("the network log has no request but the file itself", lambda: requests == {url},
              lambda: sorted(requests))
        console = [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]
        check("the console has no error or warning (CSP violations would be)", lambda: not console,
              lambda: console)
        elapsed = time.monotonic() - started
        check("the browser part took under 30 s", lambda: elapsed < 30, lambda: "%.1f s" % elapsed)
    finally:
        if driver is not None:
            driver.quit()
        if os.environ.get("KEEP"):
            print("# kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return report()


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
