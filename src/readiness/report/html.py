"""HTML fragments of the sign-off page, placed into pytest-html's report through its hooks.

Everything is inline (styles, SVG): the page is one self-contained file with no external assets.
"""

import json
import re
from html import escape
from typing import Any

from readiness.report.scenario_record import ScenarioRecord, StepRecord
from readiness.report.verdict import GO, INCOMPLETE, NO_GO, NOT_VERIFIED, Verdict

_COLOURS = {GO: "#1a7f37", NO_GO: "#cf222e"}
_STATUS_COLOURS = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "skipped": "#9a6700",
    "not verified": "#9a6700",
    "not run": "#57606a",
    "manual": "#57606a",
    "informative, not run": "#57606a",
}

STYLE = """<style>
body{display:flex;flex-direction:column;align-items:flex-start;min-width:0;color:#24292f;
font-size:14px;margin:8px;overflow-wrap:anywhere}
a,#results-table,.filters button,.collapse button{color:#0550ae}
span.passed,.passed .col-result{color:#1a7f37}
span.skipped,span.xfailed,span.rerun,.skipped .col-result,.xfailed .col-result,.rerun .col-result{color:#9a6700}
span.error,span.failed,span.xpassed,.error .col-result,.failed .col-result,.xpassed .col-result{color:#cf222e}
#environment-header,#environment{display:none}
table{max-width:100%}
.s5-table,#results-table{display:block;overflow-x:auto}
svg{max-width:100%;height:auto}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
details.s5-details{border:1px solid #d0d7de;border-radius:6px;margin:4px 0;padding:2px 8px;align-self:stretch}
details.s5-details>summary{cursor:pointer;padding:4px 0}
.s5-evidence-title{font-size:13px;margin:8px 0 2px}
.logwrapper{max-height:none;overflow:visible}
#scenarios{align-self:stretch}
code{background:#f6f8fa;padding:0 3px;border-radius:3px}
#results-table{align-self:stretch}
#environment-header,#environment{order:1}
.s5-message{background:#fff8f8;border-left:4px solid #cf222e;padding:6px 10px}
.s5-banner{padding:16px 20px;border-radius:6px;color:#fff;margin:8px 0 12px}
.s5-banner h1{margin:0;font-size:32px;color:#fff}.s5-banner p{margin:4px 0 0;color:#fff}
.s5-table{border-collapse:collapse;margin:6px 0 14px;font-size:13px}
.s5-table td,.s5-table th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
.s5-table th{overflow-wrap:normal}
.s5-section{margin:10px 0 2px;font-size:16px}
#causes{background:#fff8f0;border:1px solid #d0d7de;border-radius:6px;padding:4px 16px;margin:0 0 12px}
#causes li{margin:6px 0}
.s5-steps .failed{color:#cf222e;font-weight:bold}.s5-steps .skipped{color:#9a6700}
.s5-evidence pre{background:#f6f8fa;padding:6px;white-space:pre-wrap;max-height:320px;overflow:auto}
</style>"""


def banner(verdict: Verdict, exit_code: int, rehearsal: str = "") -> str:
    """The verdict, first on the page, with the exit code the run ended with; a run on the
    embedded engine says it is a rehearsal, an interrupted one what it was doing."""
    colour = _COLOURS.get(verdict.decision, "#9a6700")
    gate = f"exit code {exit_code}"
    interrupted = (
        f'<p id="interrupted"><b>Interrupted: {escape(verdict.interrupted)}</b></p>'
        if verdict.interrupted
        else ""
    )
    return (
        f'<div class="s5-banner" id="verdict" style="background:{colour}"><h1>{verdict.decision}</h1>'
        f"<p>{verdict.passed} passed · {verdict.failed} failed · {verdict.incomplete} required criteria not verified"
        f" · CI gate: {gate}</p>"
        + (
            f'<p id="rehearsal"><b>{escape(rehearsal[:1].upper() + rehearsal[1:])}</b></p>'
            if rehearsal
            else ""
        )
        + interrupted
        + "</div>"
    )


def text(value: str) -> str:
    """Escaped, with `backticked` commands (the runbook's fixes) shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(value))


def anchor(record: ScenarioRecord) -> str:
    """The HTML id of a scenario's details, so the causes can link to the scenarios they explain."""
    return anchor_for(record.nodeid)


def anchor_for(nodeid: str) -> str:
    return "s5-" + "".join(c if c.isalnum() else "-" for c in nodeid).strip("-")


def causes_block(verdict: Verdict) -> str:
    """Right under the banner: why NO-GO (each cause, its fix, the scenarios it explains), or
    what would complete an INCOMPLETE run."""
    if verdict.decision == NO_GO:
        items = []
        for cause in verdict.causes:
            links = ", ".join(
                f'<a href="#{anchor(r)}">{escape(r.title)}</a>' for r in cause.records[:12]
            )
            more = f" and {cause.count - 12} more" if cause.count > 12 else ""
            items.append(
                f"<li><b>{escape(cause.title)}</b> ({cause.count} scenario"
                f"{'s' if cause.count != 1 else ''}): {text(cause.finding)}"
                f"<br>fix: {text(cause.fix)}<br><small>{links}{more}</small></li>"
            )
        return f'<div id="causes"><h2>Why NO-GO</h2><ol>{"".join(items)}</ol></div>'
    if verdict.decision == INCOMPLETE:
        reasons: dict[str, list[str]] = {}
        for record in verdict.unverified:
            reasons.setdefault(record.message or record.outcome, []).append(record.title)
        items = [
            f"<li>{text(reason)} <small>({len(names)}: "
            f"{escape(', '.join(names[:6]))}{' …' if len(names) > 6 else ''})</small></li>"
            for reason, names in reasons.items()
        ]
        return (
            '<div id="causes"><h2>Why INCOMPLETE: what would complete it</h2>'
            f"<ul>{''.join(items)}</ul></div>"
        )
    return ""


def identity_table(identity: dict[str, Any]) -> str:
    labels = {
        "target_mode": "Target mode",
        "target_url": "Target URL",
        "database": "Database",
        "engine_version": "Engine version",
        "schema_profile": "Schema profile",
        "api_profile": "API profile",
        "health_warning": "Health (warning)",
        "deployed": "Deployed at (UTC)",
        "suite_version": "Suite version",
        "git_commit": "Suite commit",
        "started": "Started (UTC)",
        "duration_s": "Duration (s)",
        "by": "Run by",
        "url": "CI job",
    }
    shown = {**identity, "deployed": _deployed(identity)}
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(str(shown.get(key) or '—'))}</td></tr>"
        for key, label in labels.items()
    )
    return f'<table class="s5-table" id="identity">{rows}</table>'


def _deployed(identity: dict[str, Any]) -> str:
    source = identity.get("deployed_at_source")
    return (
        f"{identity.get('deployed_at')} ({source})" if source else str(identity.get("deployed_at"))
    )


def api_drift_block(drift: list[dict[str, str]]) -> str:
    """The runbook's curl, greps and metrics that do not work on the deployed API, and what the
    suite used instead; it informs whoever follows the runbook by hand."""
    if not drift:
        return ""
    rows = "".join(
        f"<tr><td>{escape(d['runbook'])}</td><td>{escape(d['deployment'])}</td>"
        f"<td>{escape(d['used'])}</td></tr>"
        for d in drift
    )
    return (
        '<div id="api-drift"><h2>Runbook drift: the API, logs and metrics</h2><p>These lines of '
        "the runbook do not work on the deployed service as written; the suite checked the "
        "same criterion as shown. This informs whoever follows the runbook by hand; it does not "
        'decide the verdict.</p><table class="s5-table"><tr><th>runbook</th><th>this '
        f"deployment</th><th>the suite used</th></tr>{rows}</table></div>"
    )


def drift_block(drift: list[dict[str, Any]], unknown: str = "") -> str:
    """Where the runbook's SQL does not run on the deployed schema, and what ran instead. It
    informs whoever follows the runbook by hand; the verdict rests on the equivalents."""
    if unknown:
        return f'<div id="runbook-drift"><h2>Runbook drift</h2><p>{escape(unknown)}</p></div>'
    if not drift:
        return ""
    rows = "".join(
        f"<tr><td>{escape(d['query'])}</td><td>{escape(d['error'])}</td>"
        f"<td>{escape(', '.join(d['missing_columns']) or '—')}</td>"
        f"<td><pre>{escape(d['equivalent'])}</pre></td></tr>"
        for d in drift
    )
    return (
        '<div id="runbook-drift"><h2>Runbook drift</h2><p>The runbook\'s SQL for these checks '
        "does not run on the deployed schema; the suite ran the equivalent shown. This informs "
        "whoever follows the runbook by hand; it does not decide the verdict.</p>"
        '<table class="s5-table"><tr><th>runbook query</th><th>Postgres says</th>'
        f"<th>missing columns</th><th>equivalent run</th></tr>{rows}</table></div>"
    )


def checklist(verdict: Verdict) -> str:
    parts = ['<div id="checklist"><h2>Runbook checklist</h2>']
    section = None
    for outcome in verdict.items:
        if outcome.section != section:
            if section is not None:
                parts.append("</table>")
            section = outcome.section
            parts.append(f'<h3 class="s5-section">{escape(section)}</h3><table class="s5-table">')
        names = sorted({r.name for r in outcome.scenarios}) or [
            "(for people: not automated)" if outcome.status == "manual" else "(not run)"
        ]
        shown = names if len(names) <= 3 else [*names[:2], f"… and {len(names) - 2} more"]
        drill = "" if outcome.required else " <em>(drill, informative)</em>"
        # An informative item that did not run takes nothing from a GO: not shown as a warning.
        status = (
            "informative, not run"
            if not outcome.required and outcome.status == NOT_VERIFIED
            else outcome.status
        )
        colour = _STATUS_COLOURS[status]
        why = "".join(f"<br><small>{text(reason)}</small>" for reason in outcome.reasons)
        parts.append(
            f'<tr><td style="color:{colour};font-weight:bold">{escape(status.upper())}</td>'
            f"<td>{escape(outcome.item.text)}{drill}{why}</td>"
            f"<td>{'<br>'.join(escape(n) for n in shown)}</td></tr>"
        )
    parts.append("</table></div>")
    return "".join(parts)


def scored_plans(records: list[ScenarioRecord]) -> list[dict[str, Any]]:
    """The generated test plans that carry a score (the flag-off drill's plan has none)."""
    plans = [e["data"] for r in records for e in r.evidence if e["kind"] == "plan"]
    return [p for p in plans if isinstance(p.get("total"), int | float)]


def plans_chart(records: list[ScenarioRecord]) -> str:
    """Scores and completion times of the scored test plans, as two inline SVG bar charts."""
    plans = scored_plans(records)
    if not plans:
        return "<p>No scored test plans were generated in this run.</p>"
    seconds = [p.get("seconds") or 0.0 for p in plans]
    return (
        f'<div id="plans-chart"><h2>Generated test plans ({len(plans)} scored)</h2>'
        + _bars([p["total"] for p in plans], 1.0, "scoring total (0 to 1)", "{:.3f}")
        + _bars(seconds, max(seconds) or 1.0, "job completion time (s)", "{:.2f}")
        + "</div>"
    )


def _bars(values: list[float], scale: float, title: str, fmt: str) -> str:
    """A bar per plan, in run order, with a labelled value axis (0 and the top of the scale),
    and every value written out below it (no hover needed: touch screens have none)."""
    left, width, height, bar = 48, 24 * len(values) + 60, 150, 18
    shapes = [
        f'<text x="4" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left - 2}" y1="20" x2="{left - 2}" y2="120" stroke="#57606a"/>',
        f'<text x="{left - 6}" y="124" font-size="10" text-anchor="end">0</text>',
        f'<text x="{left - 6}" y="24" font-size="10" text-anchor="end">{fmt.format(scale)}</text>',
    ]
    for i, value in enumerate(values):
        h = max(1.0, (value / scale) * 100)
        x = left + i * 24
        shapes.append(
            f'<rect x="{x}" y="{120 - h:.1f}" width="{bar}" height="{h:.1f}" fill="#0969da">'
            f"<title>plan {i + 1}: {fmt.format(value)}</title></rect>"
            f'<text x="{x + bar / 2}" y="136" font-size="9" text-anchor="middle">{i + 1}</text>'
        )
    shapes.append(f'<line x1="{left - 2}" y1="120" x2="{width - 4}" y2="120" stroke="#57606a"/>')
    figures = " · ".join(f"{i + 1}: {fmt.format(v)}" for i, v in enumerate(values))
    return (
        f'<figure class="s5-chart"><svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {max(width, 380)} {height}" width="{max(width, 380)}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">{"".join(shapes)}</svg>'
        f"<figcaption><small>test plans of this run, in the order generated: "
        f"{escape(figures)}</small></figcaption></figure>"
    )


def scenario_details(record: ScenarioRecord) -> str:
    """What went wrong first (the finding and its fix), then the steps, the failing one carrying
    its error, then the evidence."""
    parts = [
        f'<div class="s5-scenario"><b>{escape(record.feature)}: '
        f"{escape(record.name)}</b> "
        f"<small>{' '.join('@' + escape(t) for t in record.tags)}</small>"
    ]
    if record.message and record.outcome != "passed":
        parts.append(
            f"<p class='s5-message'><b>{escape(record.outcome)}:</b> {text(record.message)}</p>"
        )
    if record.steps:
        parts.append(
            f'<table class="s5-table s5-steps">{"".join(map(_step_row, record.steps))}</table>'
        )
    parts.append(
        '<div class="s5-evidence">'
        + "".join(_evidence(e) for e in record.evidence)
        + "</div></div>"
    )
    return "".join(parts)


def scenarios_block(records: list[ScenarioRecord], redact: Any) -> str:
    """Every scenario of the feature files with its steps and evidence, served as HTML (no
    script needed): closed when it passed, open when it did not. The causes link here."""
    parts = ['<section id="scenarios"><h2>Scenarios, steps and evidence</h2>']
    for record in records:
        colour = _STATUS_COLOURS.get(record.outcome, "#57606a")
        opened = " open" if record.outcome == "failed" else ""
        parts.append(
            f'<details class="s5-details" id="{anchor(record)}"{opened}><summary>'
            f'<b style="color:{colour}">{escape(record.outcome.upper())}</b> '
            f"{escape(record.feature)}: {escape(record.title)}</summary>"
            f"{redact(scenario_details(record))}</details>"
        )
    parts.append("</section>")
    return "".join(parts)


def _step_row(step: StepRecord) -> str:
    error = f"<br><small>{escape(step.error)}</small>" if step.error else ""
    return (
        f'<tr class="{step.status}"><td>{escape(step.keyword)} {escape(step.name)}{error}</td>'
        f"<td>{escape(step.status)}</td><td>{step.duration_s * 1000:.0f} ms</td></tr>"
    )


def _sql_shown(data: dict[str, Any]) -> str:
    """The SQL run; for one of the runbook's queries, the runbook's SQL as written too, and
    when the schema profile runs something else, both, labelled."""
    runbook_sql, run = data.get("runbook_sql"), data["query"]
    if not runbook_sql:
        return f"<pre>{escape(run)}</pre>"
    if runbook_sql == run:
        return f"<p>the runbook's SQL, run as written</p><pre>{escape(run)}</pre>"
    return (
        f"<p>the runbook's SQL, as written</p><pre>{escape(runbook_sql)}</pre>"
        f"<p>run instead, its equivalent on the {escape(str(data.get('profile')))} schema "
        f"profile</p><pre>{escape(run)}</pre>"
    )


def _evidence(item: dict[str, Any]) -> str:
    data, title = item["data"], f"<h3 class='s5-evidence-title'>{escape(item['title'])}</h3>"
    if item["kind"] == "sql":
        head = "".join(f"<th>{escape(str(c))}</th>" for c in data["columns"])
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
            for row in data["rows"]
        )
        more = (
            f"<p>… {data['row_count'] - len(data['rows'])} more rows</p>"
            if data["row_count"] > len(data["rows"])
            else ""
        )
        return (
            f"{title}{_sql_shown(data)}<table class='s5-table'><tr>{head}</tr>{rows}</table>{more}"
        )
    if item["kind"] == "http":
        return (
            f"{title}<p>request</p><pre>{escape(json.dumps(data['request'], indent=2, default=str))}</pre>"
            f"<p>response</p><pre>{escape(json.dumps(data['response'], indent=2, default=str))}</pre>"
        )
    if item["kind"] == "findings":
        lines = [f"error: {e}" for e in data["errors"]] + [
            f"warning: {w}" for w in data["warnings"]
        ]
        return f"{title}<pre>{escape(chr(10).join(lines) or 'no findings: the payload is valid')}</pre>"
    return f"{title}<pre>{escape(json.dumps(data, indent=2, default=str))}</pre>"
