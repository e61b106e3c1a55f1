"""reports/trend.html: a target's runs and watch rounds over time, from the history.

One small line chart per measure (verdict, share of plans scored, errors, query time, job
latency p50 and p95, the score distribution), every value also written out in the table below
them, and the alerts of each round named in its row."""

from html import escape
from typing import Any

from readiness.history.store import ROUND, Entry
from readiness.report.html import STYLE

VERDICT_COLOURS = {
    "GO": "#1a7f37",
    "OK": "#1a7f37",
    "NO-GO": "#cf222e",
    "ALERT": "#cf222e",
    "NO ANSWER": "#9a6700",
    "INCOMPLETE": "#9a6700",
}


def _label(entry: Entry) -> str:
    if entry.kind == ROUND:
        return f"round {entry.measured.get('round', '?')}"
    return "run"


def _get(measured: dict[str, Any], *path: str) -> float | None:
    value: Any = measured
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _scored_share(measured: dict[str, Any]) -> float | None:
    completed = _get(measured, "jobs", "since", "completed")
    scored = _get(measured, "jobs", "since", "scored")
    return scored / completed if completed and scored is not None else None


def _slowest_query(measured: dict[str, Any]) -> float | None:
    timings = [v for v in (measured.get("queries_ms") or {}).values() if isinstance(v, int | float)]
    return max(timings) if timings else None


SERIES = (
    ("share of plans scored since the deploy", _scored_share, "{:.0%}"),
    (
        "failed plan jobs since the deploy",
        lambda m: _get(m, "errors", "failed_jobs_since_deploy"),
        "{:g}",
    ),
    ("scoring calculation errors", lambda m: _get(m, "errors", "scoring_errors"), "{:g}"),
    ("failed movement imports", lambda m: _get(m, "errors", "import_failures"), "{:g}"),
    ("error lines in the engine log", lambda m: _get(m, "errors", "log_errors"), "{:g}"),
    ("published movements", lambda m: _get(m, "published_movements"), "{:g}"),
    ("slowest runbook query (ms)", _slowest_query, "{:.2f}"),
    ("job latency p50 (s)", lambda m: _get(m, "jobs", "since", "latency", "p50"), "{:.3g}"),
    ("job latency p95 (s)", lambda m: _get(m, "jobs", "since", "latency", "p95"), "{:.3g}"),
    ("score total, mean", lambda m: _get(m, "scores", "total", "mean"), "{:.3f}"),
    ("score total, 5th percentile", lambda m: _get(m, "scores", "total", "q5"), "{:.3f}"),
    ("score total, 95th percentile", lambda m: _get(m, "scores", "total", "q95"), "{:.3f}"),
)


def _line_chart(title: str, values: list[float | None], fmt: str) -> str:
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    width, height, left = max(60 + 28 * len(values), 300), 110, 40
    top = max((v for _, v in points), default=0.0) or 1.0
    coords = [(left + i * 28, 90 - v / top * 70) for i, v in points]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#0969da"><title>{fmt.format(v)}</title>'
        "</circle>"
        for (x, y), (_, v) in zip(coords, points, strict=True)
    )
    return (
        f'<figure class="s5-chart" style="margin:0"><svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}"><text x="4" y="12" font-size="11" font-weight="bold">'
        f"{escape(title)}</text>"
        f'<text x="{left - 4}" y="24" font-size="9" text-anchor="end">{fmt.format(top)}</text>'
        f'<text x="{left - 4}" y="93" font-size="9" text-anchor="end">0</text>'
        f'<line x1="{left - 2}" y1="90" x2="{width - 4}" y2="90" stroke="#57606a"/>'
        f'<polyline points="{line}" fill="none" stroke="#0969da" stroke-width="2"/>{dots}'
        "</svg></figure>"
    )


def _verdict_strip(entries: list[Entry]) -> str:
    cells = "".join(
        f'<li style="border-left:6px solid {VERDICT_COLOURS.get(e.verdict, "#57606a")};'
        f'padding:2px 6px"><strong>{escape(e.verdict)}</strong><br>'
        f"<small>{escape(_label(e))}, {escape(e.started[11:19])}</small></li>"
        for e in entries
    )
    return (
        '<ol aria-label="verdict over time" style="display:flex;flex-wrap:wrap;gap:6px;'
        f'list-style:none;padding:0">{cells}</ol>'
    )


def _table(entries: list[Entry]) -> str:
    head = "".join(f"<th>{escape(title)}</th>" for title, _, _ in SERIES)
    rows = []
    for entry in entries:
        values = []
        for _, read, fmt in SERIES:
            value = read(entry.measured)
            values.append("—" if value is None else fmt.format(value))
        alerts = entry.measured.get("alerts") or []
        problem = entry.measured.get("problem") or ""
        notes = "<br>".join(escape(str(a)) for a in [*alerts, problem] if a) or "—"
        rows.append(
            f"<tr><td>{escape(entry.started)}</td><td>{escape(_label(entry))}</td>"
            f'<td style="color:{VERDICT_COLOURS.get(entry.verdict, "#24292f")};font-weight:bold">'
            f"{escape(entry.verdict)}</td><td>{notes}</td>"
            + "".join(f"<td>{escape(v)}</td>" for v in values)
            + "</tr>"
        )
    return (
        '<div style="overflow-x:auto"><table class="s5-table" id="trend-table"><thead><tr>'
        f"<th>time (UTC)</th><th>what</th><th>verdict</th><th>alerts</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def render(entries: list[Entry], target: str, note: str = "") -> str:
    charts = "".join(
        _line_chart(title, [read(e.measured) for e in entries], fmt) for title, read, fmt in SERIES
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Stream 5 readiness: trend</title>"
        f"{STYLE}</head><body><main><h1>Stream 5 readiness: trend</h1>"
        f"<p>{escape(target)}: {len(entries)} runs and watch rounds, oldest first. "
        f"{escape(note)}</p><h2>Verdict</h2>{_verdict_strip(entries)}"
        f'<h2>Measures</h2><div style="display:flex;flex-wrap:wrap;gap:12px">{charts}</div>'
        f"<h2>Every run and round</h2>{_table(entries)}</main></body></html>"
    )
