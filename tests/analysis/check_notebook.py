#!/usr/bin/env python3
"""analysis/adoption.ipynb executed headless (jupyter-nbconvert from Debian) on a real
scan and its analyze tables: it must run without an error (its own cells assert that
domains.csv and mx.csv agree with funnel.csv and starttls.csv) and draw the charts.

usage: check_notebook.py STSSCAN SCAN_DIR NOTEBOOK WORK"""
import json
import os
import shutil
import subprocess
import sys

from common import check, done, fresh, run


def main():
    stsscan, scan, notebook, work = sys.argv[1:5]
    scan = os.path.abspath(scan)  # the kernel runs in the notebook's directory
    work = fresh(os.path.abspath(work))
    tables = os.path.join(work, "tables")
    p = run([stsscan, "analyze", "--no-report", "-o", tables, scan])
    check(p.returncode == 0, "analyze exits 0")
    nbconvert = shutil.which("jupyter-nbconvert")
    if not check(nbconvert is not None, "jupyter-nbconvert is installed (scripts/setup)"):
        done()
    env = dict(os.environ, STSSCAN_SCAN=scan, STSSCAN_TABLES=tables,
               STSSCAN_ANALYSIS_DIR=os.path.dirname(os.path.abspath(notebook)),
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    argv = [nbconvert, "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=300",
            notebook, "--output-dir", work, "--output", "executed.ipynb"]
    r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    print(f"$ {' '.join(argv)}  -> exit {r.returncode}\n{r.stderr[-3000:]}")
    check(r.returncode == 0, "the notebook runs to the end (its consistency asserts hold)")
    out = os.path.join(work, "executed.ipynb")
    if not check(os.path.exists(out), "nbconvert wrote the executed notebook"):
        done()
    nb = json.load(open(out, encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    check(not [o for o in outputs if o["output_type"] == "error"], "no error output")
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    charts = len([t for t in ("funnel", "modes", "tlsrpt", "errors", "starttls", "providers",
                              "countries", "asns", "trend")
                  if os.path.exists(os.path.join(tables, t + ".csv"))])
    check(len(images) == charts, f"one chart per table ({len(images)} of {charts})")
    text = "".join("".join(o.get("text", "")) for o in outputs)
    check("domains with a TXT record" in text, "the paper's sentence is printed")
    done()


if __name__ == "__main__":
    main()
