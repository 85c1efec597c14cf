#!/usr/bin/env python3
"""Charts and the offline HTML report of `stsscan analyze` (docs/analysis.md).

One module for every chart: `stsscan analyze` runs it as a script to write
report.html, and analysis/adoption.ipynb imports it to draw the same charts.

    python3 analysis/report.py TABLE_DIR      # writes TABLE_DIR/report.html

TABLE_DIR is the -o directory of `stsscan analyze` (its CSV tables and
summary.json). The page is self-contained: charts are inline SVG data from
matplotlib, styles are inline, nothing is fetched. Needs matplotlib and pandas
(Debian: python3-matplotlib python3-pandas); exits 3 when they are missing.
"""
import base64
import html
import io
import json
import os
import sys

try:
    import pandas as pd
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
except ImportError as e:  # pragma: no cover - exercised by stsscan analyze's fallback
    if __name__ == "__main__":
        # stsscan analyze tries another interpreter, then explains itself
        if not os.environ.get("STSSCAN_REPORT_QUIET_DEPS"):
            print(f"report.py: {e}: install python3-matplotlib and python3-pandas",
                  file=sys.stderr)
        sys.exit(3)
    raise

TABLES = ("funnel", "modes", "tlsrpt", "errors", "starttls", "providers", "countries", "asns",
          "table", "trend")
COLORS = {"blue": "#3b6ea5", "green": "#4c9a5a", "orange": "#d9822b", "red": "#c0392b",
          "grey": "#8c8c8c", "purple": "#7d5ba6"}
STAGE_COLORS = {"input": COLORS["grey"], "mta_sts": COLORS["blue"], "tls_rpt": COLORS["purple"],
                "mx": COLORS["orange"], "policy": COLORS["green"], "smtp": COLORS["red"]}
TOP = 15


def load_tables(directory):
    """Every CSV table of an analyze directory that exists, as DataFrames."""
    out = {}
    for name in TABLES:
        path = os.path.join(directory, name + ".csv")
        if os.path.exists(path):
            # "none" (a mode) and "NA" (Namibia) are words here, not missing values
            out[name] = pd.read_csv(path, keep_default_na=False, na_values=[""],
                                    dtype={"asn": "string", "country": "string"})
    return out


def load_summary(directory):
    path = os.path.join(directory, "summary.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _fig(height=3.2, width=7.5):
    fig = Figure(figsize=(width, height), dpi=100)
    fig.set_layout_engine("constrained")
    return fig


def _barh(ax, labels, values, color, annotate=None):
    y = range(len(labels))
    ax.barh(list(y), list(values), color=color)
    ax.set_yticks(list(y), labels=list(labels))
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for i, v in enumerate(values):
        text = annotate[i] if annotate is not None else f"{v:,}"
        ax.annotate(text, (v, i), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=8)


def chart_funnel(t):
    df = t["funnel"]
    fig = _fig(3.6)
    ax = fig.add_subplot()
    _barh(ax, df["stage"], df["domains"], COLORS["blue"],
          [f"{d:,} ({p:.2f}%)" for d, p in zip(df["domains"], df["percent"])])
    ax.set_xlabel("domains")
    ax.set_title("MTA-STS adoption funnel")
    ax.margins(x=0.25)
    return fig


def chart_modes(t):
    df = t["modes"]
    fig = _fig(2.8)
    ax = fig.add_subplot()
    x = range(len(df))
    ax.bar([i - 0.2 for i in x], df["domains"], width=0.4, label="usable (lax)",
           color=COLORS["blue"])
    ax.bar([i + 0.2 for i in x], df["strict_domains"], width=0.4, label="valid (strict)",
           color=COLORS["green"])
    ax.set_xticks(list(x), labels=list(df["mode"]))
    ax.set_ylabel("domains")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Policy modes (usable TXT record and policy)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return fig


def chart_tlsrpt(t):
    df = t["tlsrpt"]
    df = df[df["measure"] != "domains"]
    fig = _fig(3.0)
    ax = fig.add_subplot()
    _barh(ax, df["measure"], df["domains"], COLORS["purple"])
    ax.set_xlabel("domains")
    ax.set_title("TLS-RPT records and reporting URIs")
    ax.margins(x=0.15)
    return fig


def chart_errors(t):
    df = t["errors"].sort_values("domains", ascending=False, kind="stable").head(20)
    fig = _fig(max(2.0, 0.28 * len(df) + 1.0))
    ax = fig.add_subplot()
    if df.empty:
        ax.text(0.5, 0.5, "no errors", ha="center", va="center")
        ax.set_axis_off()
        return fig
    labels = [f"{s}: {c}" for s, c in zip(df["stage"], df["code"])]
    _barh(ax, labels, df["domains"], [STAGE_COLORS.get(s, COLORS["grey"]) for s in df["stage"]])
    ax.set_xlabel("domains")
    ax.set_title("Most frequent errors (stage: code)")
    ax.margins(x=0.15)
    return fig


def chart_starttls(t):
    df = t["starttls"]
    fig = _fig(3.2, 9.0)
    for n, group in enumerate(("class", "cert")):
        g = df[df["group"] == group]
        ax = fig.add_subplot(1, 2, n + 1)
        y = range(len(g))
        ax.barh([i - 0.2 for i in y], g["mx_addresses"], height=0.4, label="MX addresses",
                color=COLORS["orange"])
        ax.barh([i + 0.2 for i in y], g["domains"], height=0.4, label="domains",
                color=COLORS["blue"])
        ax.set_yticks(list(y), labels=list(g["value"]))
        ax.invert_yaxis()
        ax.set_title("STARTTLS class" if group == "class" else "certificate (offered)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
        if n == 0:
            ax.legend(fontsize=8)
    return fig


def chart_providers(t):
    df = t["providers"].head(TOP)
    fig = _fig(max(2.0, 0.3 * len(df) + 1.0))
    ax = fig.add_subplot()
    y = list(range(len(df)))
    ax.barh(y, df["domains"], color="#d0d7e1", label="domains served")
    ax.barh(y, df["policy_usable"], height=0.5, color=COLORS["blue"], label="usable policy")
    ax.barh(y, df["enforce"], height=0.25, color=COLORS["green"], label="enforce")
    ax.set_yticks(y, labels=list(df["provider"]))
    ax.invert_yaxis()
    ax.set_xlabel("domains")
    ax.set_title(f"MX providers (top {len(df)})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    return fig


def _chart_geo(df, key, title):
    df = df.head(TOP)
    fig = _fig(max(2.0, 0.3 * len(df) + 1.0))
    ax = fig.add_subplot()
    _barh(ax, [str(k) for k in df[key]], df["domains"], COLORS["orange"],
          [f"{d:,} domains, {a:,} addresses" for d, a in zip(df["domains"], df["mx_addresses"])])
    ax.set_xlabel("domains with an MX address there")
    ax.set_title(title)
    ax.margins(x=0.45)
    return fig


def chart_countries(t):
    return _chart_geo(t["countries"], "country", "MX addresses by country")


def chart_asns(t):
    df = t["asns"].copy()
    df["label"] = [f"AS{a} {o}" if a else str(o)
                   for a, o in zip(df["asn"].fillna(""), df["organization"].fillna(""))]
    return _chart_geo(df, "label", "MX addresses by autonomous system")


def chart_trend(t):
    df = t["trend"].copy()
    fig = _fig(3.2)
    ax = fig.add_subplot()
    base = df["domains"].where(df["domains"] > 0, 1)
    for col, color in (("policy_usable", "blue"), ("mode_enforce", "green"),
                       ("mode_testing", "orange"), ("tlsrpt_usable", "purple")):
        ax.plot(df["date"].str.slice(0, 10), 100.0 * df[col] / base, marker="o", label=col,
                color=COLORS[color])
    ax.set_ylabel("% of domains")
    ax.set_title("Adoption over time")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


# (section id, title, chart, tables it needs, how many table rows the page shows)
SECTIONS = (
    ("funnel", "Funnel", chart_funnel, "funnel", None),
    ("modes", "Policy modes", chart_modes, "modes", None),
    ("tlsrpt", "TLS-RPT", chart_tlsrpt, "tlsrpt", None),
    ("errors", "Errors", chart_errors, "errors", 40),
    ("starttls", "STARTTLS", chart_starttls, "starttls", None),
    ("providers", "MX providers", chart_providers, "providers", 25),
    ("countries", "Countries", chart_countries, "countries", 25),
    ("asns", "Autonomous systems", chart_asns, "asns", 25),
    ("trend", "Trend", chart_trend, "trend", None),
)


def svg_data_uri(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="svg")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


CSS = """
body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:20px auto;max-width:1280px;color:#222;
padding:0 16px} .row{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
.chart{flex:0 1 760px} .table{flex:1 1 300px;overflow-x:auto} .stack .table{margin-top:8px}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;border-bottom:1px solid #ccc;
padding-bottom:3px;margin-top:28px} .meta{color:#555;font-size:13px}
.sentence{font-size:16px;background:#eef3f8;padding:10px 14px;border-left:4px solid #3b6ea5}
table{border-collapse:collapse;font-size:12px;margin:8px 0} th,td{border:1px solid #ddd;
padding:3px 7px;text-align:left} th{background:#f2f2f2} img{max-width:100%}
.note{color:#666;font-size:12px}
"""


def _table_html(df, rows):
    shown = df if rows is None else df.head(rows)
    h = shown.to_html(index=False, escape=True, border=0, na_rep="",
                      float_format=lambda v: f"{v:.2f}")
    if rows is not None and len(df) > rows:
        h += f'<p class="note">{rows} of {len(df):,} rows; all in the CSV file.</p>'
    return h


def _header(summary):
    scans = summary.get("scans") or [{}]
    s = scans[-1]
    bad = sum((s.get("unreadable") or {}).values())
    parts = [f"scan of {s.get('date', '?')}", f"{s.get('records', 0):,} records",
             f"{s.get('domains', 0):,} domains", f"{bad:,} unreadable lines"]
    if len(scans) > 1:
        parts.append(f"newest of {len(scans)} scans")
    return (f'<p class="meta">{html.escape(str(s.get("results", "")))}<br>'
            f'{html.escape(", ".join(parts))}</p>')


def _geo_note(summary, sid):
    geo = summary.get("geo") or {}
    opt = "--geoip-db" if sid == "countries" else "--asn-db"
    if (geo.get("country_db") if sid == "countries" else geo.get("asn_db")):
        return "the table is empty"
    return (f"not in this report: no {opt} was given to stsscan analyze (a GeoLite2 or DB-IP "
            f"{'Country' if sid == 'countries' else 'ASN'} database in MaxMind DB format).")


def _table2_html(tables):
    out = []
    if "table" in tables:
        df = tables["table"]
        have = df[df["txt_record"].isin(["present", "non-conformant"])]
        out.append("<p>Domains with an <code>_mta-sts</code> TXT record, in input order "
                   "(the layout of Table 2 of the 2017 survey; every domain is in "
                   "table.csv):</p>")
        out.append(_table_html(have, 200))
    return "\n".join(out)


def render(directory):
    """The report page as a string."""
    tables = load_tables(directory)
    summary = load_summary(directory)
    body = ["<h1>stsscan analysis</h1>", _header(summary)]
    t2 = (summary.get("table2") or {}).get("sentence")
    if t2:
        body.append(f'<p class="sentence">{html.escape(t2)}</p>')
    for sid, title, chart, need, rows in SECTIONS:
        if need not in tables:
            if sid in ("countries", "asns"):
                body.append(f'<h2 id="{sid}">{title}</h2><p class="note">'
                            f'{html.escape(_geo_note(summary, sid))}</p>')
            continue
        # a table with long cells (examples) goes under its chart, the others beside it
        layout = "stack" if sid == "errors" else "row"
        body.append(f'<h2 id="{sid}">{title}</h2><div class="{layout}"><div class="chart">')
        fig = chart(tables)
        body.append(f'<img alt="{html.escape(title)} chart" src="{svg_data_uri(fig)}">')
        body.append(f'</div><div class="table">{_table_html(tables[need], rows)}</div></div>')
    body.append('<h2 id="table2">MTA-STS per domain (Table 2 of the 2017 survey)</h2>')
    body.append(_table2_html(tables))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>stsscan analysis</title><style>" + CSS + "</style></head><body>\n" +
            "\n".join(body) + "\n</body></html>\n")


def write_report(directory, out=None):
    out = out or os.path.join(directory, "report.html")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(render(directory))
    os.replace(tmp, out)
    return out


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    if not os.path.isdir(argv[1]):
        print(f"report.py: {argv[1]}: not a directory", file=sys.stderr)
        return 2
    write_report(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
