#!/usr/bin/env python3
"""report.html of stsscan analyze: written, self-contained (nothing remote, no script),
one matplotlib chart per table, and rendered by headless Chromium (Debian) to a PNG that
shows the charts (their colours are on the screenshot, the page is not blank). Also the
fallbacks: without python3 or without matplotlib the tables are still written, exit 0 and
the message says how to get the report; a failing report script is exit 1.

usage: check_report.py STSSCAN SCAN MMDB_DIR WORK [--keep-png FILE]
(--keep-png copies the screenshot, e.g. to docs/report.png)"""
import base64
import html.parser
import os
import re
import shutil
import subprocess
import sys

from common import FIXTURES, check, done, fresh, read, run

CHARTS = ("funnel", "modes", "tlsrpt", "errors", "starttls", "providers", "countries", "asns")
WIDTH, HEIGHT = 1280, 2000
CHART_BLUE = (0x3B, 0x6E, 0xA5)  # report.py COLORS["blue"]: the funnel bars


class Resources(html.parser.HTMLParser):
    """Every URL-bearing attribute, every tag name."""

    def __init__(self):
        super().__init__()
        self.urls, self.tags, self.imgs = [], set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k in ("src", "href", "srcset", "poster", "data", "action", "background") and v:
                self.urls.append(v)
        if tag == "img":
            self.imgs.append(dict(attrs))


def screenshot(page, png, work):
    chromium = shutil.which("chromium")
    if not check(chromium is not None, "chromium is installed (scripts/setup)"):
        return False
    profile = fresh(os.path.join(work, "chromium-profile"))
    argv = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}", f"--screenshot={png}",
            f"--window-size={WIDTH},{HEIGHT}", "file://" + os.path.abspath(page)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    print(f"$ chromium ... --screenshot={png}  -> exit {p.returncode}")
    return check(p.returncode == 0 and os.path.exists(png), "chromium wrote the screenshot")


def check_png(png):
    from PIL import Image  # python3-pil, a dependency of python3-matplotlib
    size = os.path.getsize(png)
    check(size > 50_000, f"screenshot is not trivial ({size} bytes)")
    img = Image.open(png).convert("RGB")
    check(img.size == (WIDTH, HEIGHT), f"screenshot is {WIDTH}x{HEIGHT}")
    px = list(img.getdata())
    nonwhite = sum(1 for p in px if sum(p) < 720) / len(px)
    check(nonwhite > 0.05, f"screenshot is not blank ({nonwhite:.1%} non-white)")
    blue = sum(1 for p in px if all(abs(a - b) <= 6 for a, b in zip(p, CHART_BLUE)))
    check(blue > 5000, f"the funnel chart's bars are on the screenshot ({blue} pixels)")
    check(len(set(px)) > 100, f"many colours (charts and text): {len(set(px))}")


def main():
    args = sys.argv[1:]
    keep = None
    if "--keep-png" in args:
        i = args.index("--keep-png")
        keep = args[i + 1]
        del args[i:i + 2]
    stsscan, scan, mmdb, work = args
    work = fresh(work)
    out = os.path.join(work, "report")
    p = run([stsscan, "analyze", "--geoip-db", os.path.join(mmdb, "country.mmdb"),
             "--asn-db", os.path.join(mmdb, "asn.mmdb"), "-o", out, scan])
    page = os.path.join(out, "report.html")
    check(p.returncode == 0 and os.path.exists(page), "analyze writes report.html (exit 0)")
    check(f"report: {out}/report.html" in p.stdout, "stdout names the report")
    text = read(page)
    r = Resources()
    r.feed(text)
    check(all(u.startswith("data:") or u.startswith("#") for u in r.urls),
          f"every src/href is inline data ({len(r.urls)} URLs)")
    check(not r.tags & {"script", "link", "iframe", "object", "embed", "base"},
          "no script, link, iframe, object, embed or base tag")
    check(not re.search(r"@import|url\((?!\s*['\"]?data:)", text), "no CSS import or remote url()")
    charts = [i for i in r.imgs if i.get("src", "").startswith("data:image/svg+xml;base64,")]
    check(len(charts) == len(CHARTS), f"{len(CHARTS)} inline SVG charts ({len(charts)})")
    for img in charts:
        svg = base64.b64decode(img["src"].split(",", 1)[1]).decode("utf-8")
        check("<svg" in svg and "http://www.w3.org/2000/svg" in svg and "<image" not in svg,
              f"chart '{img.get('alt')}' is plain SVG")
        check("xlink:href=\"http" not in svg, f"chart '{img.get('alt')}' links nothing remote")
    for sid in CHARTS + ("table2",):
        check(f'id="{sid}"' in text, f"section {sid}")
    check("8 domains with a TXT record" in text or "domains with a TXT record" in text,
          "the paper's sentence is on the page")
    png = os.path.join(work, "report.png")
    if screenshot(page, png, work):
        check_png(png)
        if keep:
            shutil.copy(png, keep)

    # fallbacks: no python3; python3 without matplotlib/pandas; a failing report script
    nomods = os.path.join(work, "python3-nomods")
    with open(nomods, "w") as f:
        f.write('#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n')  # -S: no dist-packages
    os.chmod(nomods, 0o755)
    for py, why in (("/nonexistent/python3", "python3 not found"), (nomods, "modules missing")):
        o = os.path.join(work, "fallback-" + os.path.basename(py))
        p = run([stsscan, "analyze", "-o", o, scan], env={"STSSCAN_PYTHON": py})
        check(p.returncode == 0, f"{why}: exit 0")
        check("report.html not written" in p.stdout and why in p.stdout and
              "apt-get install python3-matplotlib python3-pandas" in p.stdout,
              f"{why}: the message says how to get the report")
        check(os.path.exists(os.path.join(o, "funnel.csv")) and
              not os.path.exists(os.path.join(o, "report.html")), f"{why}: tables, no report")
    bad = fresh(os.path.join(work, "badmodule"))
    with open(os.path.join(bad, "report.py"), "w") as f:
        f.write("import sys\nsys.exit(1)\n")
    p = run([stsscan, "analyze", "-o", os.path.join(work, "failing"), scan],
            env={"STSSCAN_ANALYSIS_DIR": bad})
    check(p.returncode == 1 and "failed (exit status 1)" in p.stdout,
          "a failing report script: exit 1 and a message")

    # the installed layout (a package's /usr/bin/stsscan, /usr/share/stsscan/analysis) wins
    # over the source tree the binary was built from
    inst = fresh(os.path.join(work, "inst"))
    os.makedirs(os.path.join(inst, "bin"))
    mod = os.path.join(inst, "share", "stsscan", "analysis")
    os.makedirs(mod)
    shutil.copy(stsscan, os.path.join(inst, "bin", "stsscan"))
    with open(os.path.join(mod, "report.py"), "w") as f:
        f.write("import sys\nopen(sys.argv[1] + '/report.html', 'w').write('installed module')\n")
    o = os.path.join(work, "installed")
    p = run([os.path.join(inst, "bin", "stsscan"), "analyze", "-o", o, scan],
            env={"STSSCAN_ANALYSIS_DIR": ""})
    check(p.returncode == 0 and read(os.path.join(o, "report.html")) == "installed module",
          "the module in <bin>/../share/stsscan/analysis is used")

    # two scans: the trend chart joins the page
    a, b = os.path.join(work, "scanA"), os.path.join(work, "scanB")
    for d, src in ((a, os.path.join(FIXTURES, "tables", "results.ndjson")),
                   (b, os.path.join(FIXTURES, "diff", "adopted", "new.ndjson"))):
        os.makedirs(d)
        shutil.copy(src, os.path.join(d, "results.ndjson"))
    o = os.path.join(work, "trend")
    p = run([stsscan, "analyze", "-o", o, a, b])
    check(p.returncode == 0 and 'id="trend"' in read(os.path.join(o, "report.html")),
          "two scans: the report has the trend chart")
    done()


if __name__ == "__main__":
    main()
