"""Why a scenario of the feature files has no outcome in this run: deselected, or not reached.

The reason is shown on the checklist row the scenario decides ("deselected by -k 'not x'",
"not reached: the run stopped after the first failure (-x)"), so an INCOMPLETE says what to run
to complete it.
"""

from pathlib import Path

import pytest

from readiness.report.inventory import PlannedScenario


def narrowing(config: pytest.Config) -> str:
    """The options and arguments of this run that select fewer than all of features/, as the
    user typed them; empty when the run selects every scenario."""
    option = config.option
    parts = []
    if getattr(option, "keyword", ""):
        parts.append(f"-k {option.keyword!r}")
    if getattr(option, "markexpr", ""):
        parts.append(f"-m {option.markexpr!r}")
    if getattr(option, "deselect", None):
        parts.append("--deselect " + " ".join(option.deselect))
    if getattr(option, "lf", False):
        parts.append("--lf")
    if getattr(option, "stepwise", False) or getattr(option, "stepwise_skip", False):
        parts.append("--sw")
    features = (config.rootpath / "features").resolve()
    narrower = [
        arg
        for arg in config.args
        if "::" in arg or (not features.is_relative_to(Path(arg).resolve()) and arg.endswith(".py"))
    ]
    if narrower:
        parts.append("the run named only " + ", ".join(narrower))
    return "; ".join(parts)


def stop_reason(session: pytest.Session, exitstatus: int) -> str:
    """Why a selected scenario was never reached: the run ended before it."""
    maxfail = int(getattr(session.config.option, "maxfail", 0) or 0)
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        return "not reached: the run was interrupted"
    if maxfail == 1:
        return "not reached: the run stopped after the first failure (-x)"
    if maxfail > 1:
        return f"not reached: the run stopped after {maxfail} failures (--maxfail={maxfail})"
    stopped = session.shouldstop or session.shouldfail
    return f"not reached: {stopped}" if stopped else "not reached: the run ended before it"


def missing_reason(
    planned: PlannedScenario, selected: set[str] | None, narrowed_by: str, stopped: str
) -> str:
    """`selected` holds the keys pytest selected to run (None when they are not known)."""
    if selected is not None and planned.key in selected:
        return stopped
    if narrowed_by:
        return f"deselected in this run ({narrowed_by})"
    return "not collected in this run" if selected is not None else stopped
