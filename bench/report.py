#!/usr/bin/env python3
"""Summarises bench CSV rows (job,tool,variant,run,throughput,unit,loss,cpu_s,peak_rss_kb) per job, tool and
variant: median with min-max of the runs. Writes results.md and a self-contained SVG bar chart (no dependencies).
Usage: report.py RESULTS_CSV OUT_DIR [--smoke]   (prints the table; with --smoke, exits 1 when a job has no sane row)
"""
import csv
import statistics
import sys
from collections import OrderedDict

JOBS = {
    "1": "file -> UDP -> file (default flags)",
    "2": "lossless --rate search (3 of 3 byte-exact)",
    "3": "UDP fan-out 1 -> 2, 1400 B, lossless",
    "4": "UDP -> TCP, lossless",
    "5": "multicast -> 4 TCP clients (slowest client)",
    "6": "start-to-exit of --version (lower is better)",
}
OURS = ("mproxy", "relay")


def number(value):
    """A throughput as people read it: from 1000 up in full (1099947, not 1.09995e+06), below it as %g."""
    return f"{value:.0f}" if value >= 1000 else f"{value:g}"


def load(path):
    groups = OrderedDict()
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["job"] not in JOBS:
                continue
            key = (row["job"], row["tool"], row["variant"])
            groups.setdefault(key, []).append(row)
    return OrderedDict(sorted(groups.items(), key=lambda item: int(item[0][0])))


def summary(rows, field):
    values = [float(r[field]) for r in rows]
    return statistics.median(values), min(values), max(values)


def table(groups):
    lines = ["| job | tool | variant | runs | throughput (median, min–max) | loss % (max) | CPU s | peak RSS MiB |",
             "|---|---|---|---|---|---|---|---|"]
    for (job, tool, variant), rows in groups.items():
        med, lo, hi = summary(rows, "throughput")
        unit = rows[0]["unit"]
        spread = "" if len(rows) == 1 else f" ({number(lo)}–{number(hi)})"
        loss = max(float(r["loss"]) for r in rows)
        cpu = summary(rows, "cpu_s")[0]
        rss = summary(rows, "peak_rss_kb")[0] / 1024
        lines.append(f"| {job} | {tool} | {variant} | {len(rows)} | {number(med)} {unit}{spread} | {loss:g} | "
                     f"{cpu:.2f} | {rss:.0f} |")
    return "\n".join(lines)


def svg(groups):
    """One panel per job: a horizontal bar per tool and variant, ours in blue, peers in grey, min-max as a line."""
    by_job = OrderedDict()
    for (job, tool, variant), rows in groups.items():
        by_job.setdefault(job, []).append((f"{tool} · {variant}", summary(rows, "throughput"), rows[0]["unit"],
                                           tool.startswith(OURS), max(float(r["loss"]) for r in rows)))
    width, label_w, bar_w, row_h, head_h = 1000, 330, 420, 18, 26
    height = sum(head_h + row_h * len(bars) + 10 for bars in by_job.values()) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">', f'<rect width="{width}" height="{height}" fill="white"/>']
    y = 10
    for job, bars in by_job.items():
        out.append(f'<text x="5" y="{y + 16}" font-weight="bold">job {job}: {escape(JOBS[job])}</text>')
        y += head_h
        top = max(hi for _, (_, _, hi), _, _, _ in bars) or 1
        for label, (med, lo, hi), unit, ours, loss in bars:
            w = bar_w * med / top
            colour = "#2b6cb0" if ours else "#a0a0a0"
            out.append(f'<text x="{label_w - 5}" y="{y + 13}" text-anchor="end">{escape(label)}</text>')
            out.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" fill="{colour}"/>')
            if hi > lo:
                out.append(f'<line x1="{label_w + bar_w * lo / top:.1f}" x2="{label_w + bar_w * hi / top:.1f}" '
                           f'y1="{y + row_h / 2}" y2="{y + row_h / 2}" stroke="black"/>')
            # a throughput bar says nothing of what was lost on the way: say it beside the number
            lost = f" ({loss:.1f} % lost)" if loss > 0 else ""
            out.append(f'<text x="{label_w + max(w, bar_w * hi / top) + 5:.1f}" y="{y + 13}">{number(med)} {unit}'
                       f'{escape(lost)}</text>')
            y += row_h
        y += 10
    out.append("</svg>")
    return "\n".join(out) + "\n"


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def smoke_check(groups):
    """Every job has a row of ours with a positive throughput and a loss between 0 and 100 %. Loss itself only warns:
    one tiny run on a shared CI machine is no loss test (the end-to-end tests assert exact bytes)."""
    problems = []
    for job in JOBS:
        ours = [(k, rows) for k, rows in groups.items() if k[0] == job and k[1].startswith(OURS)]
        if not ours:
            problems.append(f"job {job}: no row of ours")
        for (j, tool, variant), rows in ours:
            if any(float(r["throughput"]) <= 0 for r in rows):
                problems.append(f"job {j} {tool} {variant}: throughput 0")
            if any(not 0 <= float(r["loss"]) <= 100 for r in rows):
                problems.append(f"job {j} {tool} {variant}: loss out of range")
            elif any(float(r["loss"]) > 0 for r in rows):
                print(f"bench: smoke: warning: job {j} {tool} {variant} lost data in this run", file=sys.stderr)
    return problems


def main():
    path, out_dir = sys.argv[1], sys.argv[2]
    groups = load(path)
    text = table(groups)
    print(text)
    with open(f"{out_dir}/results.md", "w") as f:
        f.write(text + "\n")
    with open(f"{out_dir}/results.svg", "w") as f:
        f.write(svg(groups))
    if "--smoke" in sys.argv:
        problems = smoke_check(groups)
        for p in problems:
            print(f"bench: smoke: {p}", file=sys.stderr)
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
