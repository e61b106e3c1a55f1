"""The sign-off page's view over time: a strip of the last runs on this target (from the
history) and, for each before/after criterion, a small chart of both figures with its test."""

from html import escape
from typing import Any

from readiness.history.store import Entry

COLOURS = {"GO": "#1a7f37", "NO-GO": "#cf222e", "INCOMPLETE": "#9a6700"}


def history_strip(entries: list[Entry], history: str) -> str:
    """The target's last runs, oldest first, this one last."""
    if not entries:
        return ""
    cells = "".join(
        f'<li style="border-left:6px solid {COLOURS.get(e.verdict, "#57606a")};padding:2px 6px">'
        f"<strong>{escape(e.verdict)}</strong><br><small>{escape(e.started[:16])}</small></li>"
        for e in entries
    )
    return (
        '<section id="history-strip" aria-labelledby="history-strip-title">'
        f'<h2 id="history-strip-title">Last runs on this target ({len(entries)})</h2>'
        '<ol style="display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0;margin:0">'
        f"{cells}</ol><p><small>from the history {escape(history)}</small></p></section>"
    )


def before_after_block(comparisons: dict[str, dict[str, Any]], deployed: str) -> str:
    if not comparisons:
        return ""
    charts = "".join(_chart(c) for c in comparisons.values())
    return (
        '<section id="before-after" aria-labelledby="before-after-title">'
        f'<h2 id="before-after-title">Before and since the deploy ({escape(deployed)})</h2>'
        f'<div style="display:flex;flex-wrap:wrap;gap:12px">{charts}</div></section>'
    )


def _chart(comparison: dict[str, Any]) -> str:
    before, after = comparison.get("before_value"), comparison.get("after_value")
    values = [v for v in (before, after) if isinstance(v, int | float)]
    top = max(values, default=0.0) or 1.0
    worse = comparison.get("outcome") == "worse"
    rows = []
    for index, (label, value, shown) in enumerate(
        (("before", before, comparison.get("before")), ("since", after, comparison.get("after")))
    ):
        width = 0.0 if not isinstance(value, int | float) else max(1.0, value / top * 180)
        fill = "#cf222e" if worse and label == "since" else "#0969da"
        y = 8 + index * 28
        rows.append(
            f'<text x="0" y="{y + 13}" font-size="11">{label}</text>'
            f'<rect x="48" y="{y}" width="{width:.1f}" height="18" fill="{fill}">'
            f"<title>{escape(str(shown))}</title></rect>"
        )
    p_value = comparison.get("p_value")
    verdict = {"worse": "WORSE", "not worse": "not worse"}.get(
        str(comparison.get("outcome")), "not compared"
    )
    detail = (
        f"{escape(str(comparison.get('before')))} before; {escape(str(comparison.get('after')))}"
        " since"
    )
    test = (
        f"{escape(str(comparison.get('test')))}, p = {p_value:.3g}"
        if isinstance(p_value, int | float)
        else escape(str(comparison.get("reason") or ""))
    )
    return (
        '<figure class="s5-chart" style="margin:0">'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 64" width="240" height="64" '
        f'role="img" aria-label="{escape(str(comparison.get("measure")))}">{"".join(rows)}</svg>'
        f"<figcaption><strong>{escape(str(comparison.get('measure')))}: {verdict}</strong>"
        f"<br><small>{detail}<br>{test}</small></figcaption></figure>"
    )
