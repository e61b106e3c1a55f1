"""What the terminal says at the end of a run: the scenarios grouped by cause, then the verdict.

The verdict and its causes are the last lines of the output, one line each, most scenarios
first: a CI log tail or a hurried reader sees the answer and the fix without scrolling.
"""

from collections import Counter
from typing import Any

from readiness.report.verdict import INCOMPLETE, NO_GO, Verdict

_NAMES_SHOWN = 8


def terminal_details(
    verdict: Verdict, reports: list[str], identity: dict[str, Any] | None = None
) -> list[str]:
    """Failed scenarios under their cause; unverified ones under their reason; the schema
    profile and the runbook's drift; where reports are."""
    lines = []
    for number, cause in enumerate(verdict.causes, 1):
        lines.append(f"cause {number}: {cause.title} ({cause.count}):")
        names = [f"{r.feature}: {r.title}" for r in cause.records]
        lines += [f"    - {name}" for name in names[:_NAMES_SHOWN]]
        if len(names) > _NAMES_SHOWN:
            lines.append(f"    - … and {len(names) - _NAMES_SHOWN} more (see the report)")
    reasons: dict[str, list[str]] = {}
    for record in verdict.unverified:
        reasons.setdefault(record.message or record.outcome, []).append(record.title)
    for reason, names in reasons.items():
        lines.append(f"not verified ({len(names)}): {reason}")
        lines += [f"    - {name}" for name in names[:_NAMES_SHOWN]]
        if len(names) > _NAMES_SHOWN:
            lines.append(f"    - … and {len(names) - _NAMES_SHOWN} more")
    if identity and identity.get("schema_profile"):
        drift = identity.get("runbook_drift") or []
        shown = f"; runbook drift: {len(drift)} of its queries do not run here" if drift else ""
        if identity.get("runbook_drift_unknown"):
            shown = "; runbook drift not checked (see the report)"
        lines.append(f"schema profile: {identity['schema_profile']}{shown} (see the report)")
    if identity and identity.get("api_profile"):
        api_drift = identity.get("api_drift") or []
        shown = (
            f"; runbook drift: {len(api_drift)} of its calls, greps and metrics do not work here"
            if api_drift
            else ""
        )
        lines.append(f"API profile: {identity['api_profile']}{shown}")
    if identity and identity.get("health_warning"):
        lines.append(f"warning: {identity['health_warning']}")
    lines.append("reports: " + ", ".join(reports))
    return lines


def verdict_lines(verdict: Verdict, allow_incomplete: bool) -> list[str]:
    """The verdict line, then its causes (NO-GO) or what would complete it (INCOMPLETE)."""
    lines = [
        f"Readiness verdict: {verdict.decision} ({verdict.passed} passed, {verdict.failed} "
        f"failed, {verdict.incomplete} required not verified)"
    ]
    if verdict.interrupted:
        lines.append(f"  interrupted: {verdict.interrupted}")
    if verdict.decision == NO_GO:
        total = len(verdict.causes)
        lines += [f"  cause {n}/{total}: {c.line()}" for n, c in enumerate(verdict.causes, 1)]
    elif verdict.decision == INCOMPLETE:
        reasons = Counter(r.message or r.outcome for r in verdict.unverified)
        lines.append("  to complete it:")
        lines += [f"  - {reason} ({count})" for reason, count in reasons.most_common()]
        if verdict.interrupted:
            lines.append("  - run it again to the end")
        elif not allow_incomplete:
            lines.append("  or pass --allow-incomplete where these cannot be verified here")
    return lines
