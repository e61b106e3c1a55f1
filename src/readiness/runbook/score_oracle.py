"""The suite as an oracle for staging's scoring: every stored score recomputed from its plan.

The contract checks (shape, ranges, contribution = weight x score, total = sum) all pass for a
scorer that computes a factor wrongly but consistently, that scores another plan than the one
it stores, or whose stored plan was changed afterwards. Only recomputing the score shows
those: fixed-weight-v1 by the reference implementation (`planning_engine.scoring`), applied to
the stored plan (`plans.content`, found through `plans.job_id`) and the stored request
(`plan_jobs.request_data`), compared with the stored scoring (`plan_jobs.result_data->'scoring'`)
field by field, numbers at the contract's 4 decimals.

`recompute`, `compare` and `audit` are pure (tested without a database);
`verify_stored_scores` reads the target in one query and turns the audit into the runbook's
failure, a skip (no way to find the plans: the verdict cannot be GO) or a pass.
"""

import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pytest

from planning_engine.scoring import round4, score_plan
from readiness.checks import fail
from readiness.evidence import Evidence
from readiness.fixes import Fix
from readiness.target.db_probe import DatabaseProbe

# How many of the last hour's completed jobs are recomputed (newest first): enough to cover
# every test plan of a run and the traffic around it, bounded so a busy staging stays fast.
RECOMPUTE_CAP: Final = 100

# The payload's fields, in the order a difference is reported (the contract's own fields only:
# an extension a deployment adds beside them is not the reference's to judge).
COMPARED_FIELDS: Final = ("version", "factors", "total", "weights", "metadata")

# The factor fields the contract rounds to 4 decimals: compared as stored, not rounded again.
ROUNDED_FACTOR_FIELDS: Final = frozenset({"weight", "score", "contribution"})

# When the score was made, not what it is: the only field a correct recomputation cannot repeat.
IGNORED_PATHS: Final = frozenset({"metadata.evaluatedAt"})

# The failure message names the first differing job and as many of its differences as fit this
# many characters; everything is in the evidence. With the fix after it, the message stays
# within the 500 characters a JUnit message attribute keeps (CI shows no more of it).
MESSAGE_BUDGET: Final = 290


class _Missing:
    """A field one side has and the other lacks (distinct from a JSON null)."""

    def __repr__(self) -> str:
        return "(missing)"


MISSING: Final = _Missing()


@dataclass(frozen=True)
class FieldDifference:
    """One field where the stored scoring and the recomputed one disagree, both values shown as a
    person reads them, e.g. `factors.compliance.score: stored 0.8, recomputed 1.0`."""

    path: str
    stored: str
    recomputed: str

    def __str__(self) -> str:
        return f"{self.path}: stored {self.stored}, recomputed {self.recomputed}"


@dataclass(frozen=True)
class Comparison:
    """The differences that make a stored score wrong, and reasons merely worded otherwise
    (human text the contract does not fix: shown as information, never a failure)."""

    differences: tuple[FieldDifference, ...] = ()
    wording: tuple[FieldDifference, ...] = ()


def recompute(plan: Any, request: Any) -> dict[str, Any]:
    """fixed-weight-v1 of a stored plan for its stored request, by the reference scorer.

    Raises ValueError when there is nothing to score (not a JSON object), as the scorer does
    for what it cannot score."""
    if not isinstance(plan, Mapping):
        raise ValueError(f"plans.content is not a JSON object ({_show(plan)})")
    if not isinstance(request, Mapping):
        raise ValueError(f"plan_jobs.request_data is not a JSON object ({_show(request)})")
    return score_plan(plan, request)


def compare(stored: Any, recomputed: Mapping[str, Any]) -> Comparison:
    """Every field of the stored scoring against the recomputed one: version, each factor's
    weight, score, contribution and metrics, the total, the weights, the metadata but
    `evaluatedAt`. Reasons must be as many and each non-empty; their wording is information."""
    if not isinstance(stored, Mapping):
        return Comparison((FieldDifference("scoring", _show(stored), "a scoring object"),))
    differences: list[FieldDifference] = []
    wording: list[FieldDifference] = []
    for name in COMPARED_FIELDS:
        _compare(
            stored.get(name, MISSING), recomputed.get(name, MISSING), name, differences, wording
        )
    return Comparison(tuple(differences), tuple(wording))


def _compare(
    stored: Any,
    recomputed: Any,
    path: str,
    differences: list[FieldDifference],
    wording: list[FieldDifference],
) -> None:
    if path in IGNORED_PATHS:
        return
    if _is_reasons(path):
        _compare_reasons(stored, recomputed, path, differences, wording)
    elif isinstance(stored, Mapping) and isinstance(recomputed, Mapping):
        # The reference's fields in its order, then any the stored payload has beyond them.
        extra = sorted(str(key) for key in stored if key not in recomputed)
        for key in [*recomputed, *extra]:
            _compare(
                stored.get(key, MISSING),
                recomputed.get(key, MISSING),
                f"{path}.{key}",
                differences,
                wording,
            )
    elif not _same(stored, recomputed, path):
        differences.append(FieldDifference(path, _show(stored), _show(recomputed)))


def _is_rounded_field(path: str) -> bool:
    parts = path.split(".")
    return (
        path == "total"
        or (len(parts) == 2 and parts[0] == "weights")
        or (len(parts) == 3 and parts[0] == "factors" and parts[2] in ROUNDED_FACTOR_FIELDS)
    )


def _is_reasons(path: str) -> bool:
    parts = path.split(".")
    return len(parts) == 3 and parts[0] == "factors" and parts[2] == "reasons"


def _compare_reasons(
    stored: Any,
    recomputed: Any,
    path: str,
    differences: list[FieldDifference],
    wording: list[FieldDifference],
) -> None:
    expected = recomputed if isinstance(recomputed, list) else []
    if not isinstance(stored, list):
        differences.append(FieldDifference(path, _show(stored), _count(expected)))
        return
    if len(stored) != len(expected):
        differences.append(FieldDifference(path, _count(stored), _count(expected)))
    for index, reason in enumerate(stored):
        if not isinstance(reason, str) or not reason.strip():
            differences.append(
                FieldDifference(f"{path}[{index}]", _show(reason), "a non-empty reason")
            )
        elif index < len(expected) and reason != expected[index]:
            wording.append(
                FieldDifference(f"{path}[{index}]", _show(reason), _show(expected[index]))
            )


def _count(reasons: list[Any]) -> str:
    return f"{len(reasons)} reason{'' if len(reasons) == 1 else 's'}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(stored: Any, recomputed: Any, path: str = "") -> bool:
    """Equal as the contract states them. The numbers it rounds to 4 decimals (the total, the
    weights, each factor's weight, score and contribution) must be stored so: equal to the
    reference's as numbers (a stored 4 and a recomputed 4.0 agree; 0.9749999999999999 is not
    0.975). Metrics agree at 4 decimals (round4 both). Anything else exactly, and a number never
    equals a non-number (not even True and 1)."""
    if _is_number(stored) and _is_number(recomputed):
        if not (math.isfinite(stored) and math.isfinite(recomputed)):
            return bool(stored == recomputed)
        if _is_rounded_field(path):
            return float(stored) == float(recomputed)
        return round4(stored) == round4(recomputed)
    if _is_number(stored) or _is_number(recomputed):
        return False
    return bool(stored == recomputed)


def _show(value: Any, limit: int = 80) -> str:
    if isinstance(value, _Missing) or _is_number(value) or isinstance(value, str):
        text = repr(value)
    else:
        text = json.dumps(value, default=str, separators=(",", ":"))
    return _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class StoredJob:
    """One job as staging stored it: the request, the scoring (None when it has none) and the
    plan stored for it (`plan_found` False when no plans row has its job_id)."""

    job_id: str
    request: Any
    scoring: Any
    plan: Any
    plan_found: bool
    link_problem: str | None = None  # why the plan found may not be this job's


@dataclass
class Audit:
    """Every listed job's outcome: recomputed and compared, without scoring (not recomputed), or
    scored but without a stored plan to recompute from."""

    listed: int = 0
    compared: dict[str, Comparison] = field(default_factory=dict)
    totals: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # stored, recomputed
    unscored: list[str] = field(default_factory=list)
    without_plan: list[str] = field(default_factory=list)
    unsure_link: dict[str, str] = field(default_factory=dict)  # job -> why

    @property
    def mismatched(self) -> dict[str, tuple[FieldDifference, ...]]:
        return {job: c.differences for job, c in self.compared.items() if c.differences}

    @property
    def worded(self) -> dict[str, tuple[FieldDifference, ...]]:
        return {job: c.wording for job, c in self.compared.items() if c.wording}


def audit(jobs: Iterable[StoredJob]) -> Audit:
    """Recompute every scored job that has its plan and compare; sort out the others."""
    outcome = Audit()
    for job in jobs:
        outcome.listed += 1
        if job.scoring is None:
            outcome.unscored.append(job.job_id)
            continue
        if job.link_problem:
            outcome.unsure_link[job.job_id] = job.link_problem
            continue
        if not job.plan_found:
            outcome.without_plan.append(job.job_id)
            continue
        stored_total = job.scoring.get("total") if isinstance(job.scoring, Mapping) else None
        try:
            recomputed = recompute(job.plan, job.request)
        except Exception as error:  # the reference cannot score what staging did score
            outcome.compared[job.job_id] = Comparison(
                (
                    FieldDifference(
                        "scoring",
                        "a score",
                        f"none: the reference cannot score the stored plan ({error})",
                    ),
                )
            )
            outcome.totals[job.job_id] = (stored_total, None)
            continue
        outcome.compared[job.job_id] = compare(job.scoring, recomputed)
        outcome.totals[job.job_id] = (stored_total, recomputed["total"])
    return outcome


def stored_jobs(rows: Iterable[Mapping[str, Any]]) -> list[StoredJob]:
    """The rows of the profile's `recent_scored_plans` query as jobs."""
    return [
        StoredJob(
            str(row["job_id"]),
            row["request_data"],
            row["scoring"],
            row["plan"],
            row["plan_found"],
            row.get("link_problem"),
        )
        for row in rows
    ]


def why_plans_cannot_be_found(
    plans_columns: set[str], needed: frozenset[str] = frozenset({"job_id", "content"})
) -> str | None:
    """Why this schema gives no way to find a job's stored plan, or None if it does."""
    if not plans_columns:
        return "there is no plans table"
    missing = sorted(needed - plans_columns)
    if missing:
        return f"the plans table has no {' or '.join(missing)} column"
    return None


def failure_message(outcome: Audit, first: str | None = None) -> str:
    """The mismatches as a person reads them: how many, then one job's differences (the job
    `first`, the run's test plan, where it differs; else the newest) as far as MESSAGE_BUDGET
    allows, and how many more there are in the evidence."""
    mismatched = outcome.mismatched
    job_id = first if first in mismatched else next(iter(mismatched))
    differences = mismatched[job_id]
    head = (
        f"{len(mismatched)} of {len(outcome.compared)} stored score(s) differ from "
        f"fixed-weight-v1 recomputed from the stored plan and request: job {job_id}: "
    )
    shown: list[str] = []
    for difference in differences:
        text = _cut(str(difference), 100)
        if shown and len(head) + len("; ".join([*shown, text])) > MESSAGE_BUDGET:
            break
        shown.append(text)
    more = [
        f"{count} more {what}"
        for count, what in (
            (len(differences) - len(shown), "field(s)"),
            (len(mismatched) - 1, "job(s)"),
        )
        if count
    ]
    tail = f" (and {', '.join(more)} in the evidence)" if more else ""
    return head + "; ".join(shown) + tail


def verify_stored_scores(
    probe: DatabaseProbe,
    evidence: Evidence,
    test_job_id: str,
    run_job_ids: Sequence[str] = (),
    since_epoch: float = 0.0,
) -> Audit:
    """Recompute the test plan's score, the run's other test plans' and every recent one
    stored on the target since `since_epoch` (the deploy: older jobs are another release's); fail on any field that differs, skip when the target gives no way
    to find the plans."""
    profile = probe.profile
    columns = {str(row[0]) for row in probe.run("plans_columns", evidence).rows}
    unlinked = why_plans_cannot_be_found(columns, profile.plan_columns)
    if unlinked:
        pytest.skip(
            f"{unlinked}: the suite cannot find the plan each job produced, so stored scores "
            "cannot be recomputed and their correctness is not verified"
        )
    result = probe.run(
        "recent_scored_plans",
        None,
        (since_epoch, RECOMPUTE_CAP, sorted({test_job_id, *run_job_ids})),
    )
    started = time.perf_counter()
    outcome = audit(stored_jobs(result.as_dicts()))
    recompute_ms = (time.perf_counter() - started) * 1000
    _record(probe, evidence, result.duration_ms, recompute_ms, outcome)

    unrecomputed = set(outcome.without_plan) | set(outcome.unsure_link)
    if test_job_id not in outcome.compared and test_job_id not in unrecomputed:
        fail(
            f"plan_jobs.result_data has no scoring for the test plan's job {test_job_id}: "
            "nothing to recompute",
            Fix.PERSISTENCE,
        )
    if outcome.mismatched:
        fail(failure_message(outcome, test_job_id), Fix.SCORER)
    if outcome.unsure_link:
        job_id, why = next(iter(outcome.unsure_link.items()))
        pytest.skip(
            f"the plan of {len(outcome.unsure_link)} scored job(s) cannot be told for sure "
            f"(job {job_id}: {why}): their scores are not recomputed, so scoring correctness "
            "is not verified"
        )
    if outcome.without_plan:
        ids = ", ".join(outcome.without_plan[:3])
        pytest.skip(
            f"no plans row is linked ({profile.plan_link}) to {len(outcome.without_plan)} "
            f"scored job(s) ({ids}"
            f"{', …' if len(outcome.without_plan) > 3 else ''}): their scores cannot be "
            "recomputed, so scoring correctness is not verified"
        )
    return outcome


def _record(
    probe: DatabaseProbe,
    evidence: Evidence,
    query_ms: float,
    recompute_ms: float,
    outcome: Audit,
) -> None:
    """The query with one readable row per job (not the plans themselves: kilobytes each), the
    counts, every difference and every differently worded reason."""
    rows: list[tuple[Any, ...]] = []
    for job_id, (stored, recomputed) in outcome.totals.items():
        found = len(outcome.compared[job_id].differences)
        rows.append((job_id, stored, recomputed, "equal" if not found else f"{found} field(s)"))
    rows += [(job_id, None, None, "no scoring: not recomputed") for job_id in outcome.unscored]
    rows += [
        (job_id, None, None, "no plans row: cannot recompute") for job_id in outcome.without_plan
    ]
    rows += [
        (job_id, None, None, f"plan not known for sure: {why}")
        for job_id, why in outcome.unsure_link.items()
    ]
    evidence.sql(
        probe.profile.query("recent_scored_plans").sql,
        ["job_id", "stored total", "recomputed total", "differences"],
        rows,
        query_ms,
        probe.target,
    )
    evidence.note(
        "fixed-weight-v1 recomputed from the stored plans",
        jobs=f"the {RECOMPUTE_CAP} most recent completed jobs of the last hour at most "
        f"(the cap), and every test plan of this run: {outcome.listed} listed",
        recomputed=len(outcome.compared),
        differing=len(outcome.mismatched),
        without_scoring_not_recomputed=len(outcome.unscored),
        without_stored_plan=len(outcome.without_plan),
        plan_not_known_for_sure=len(outcome.unsure_link),
        recompute_ms=round(recompute_ms, 2),
    )
    if outcome.mismatched:
        evidence.findings(
            "stored scoring that differs from fixed-weight-v1 recomputed by the reference",
            [f"job {job}: {d}" for job, found in outcome.mismatched.items() for d in found],
            [],
        )
    if outcome.worded:
        evidence.findings(
            "reasons worded unlike the reference (information, not a failure)",
            [],
            [f"job {job}: {d}" for job, found in outcome.worded.items() for d in found],
        )
