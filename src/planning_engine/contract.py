"""The scoring contract validator: the JSON Schema plus every cross-field rule of the spec.

Shared by the engine (`validate-scoring`) and the readiness suite, so a payload is judged
the same way wherever it is checked. All findings are returned at once, each with the
JSON path it concerns.
"""

import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from planning_engine.resources import SCORING_SCHEMA, load_schema
from planning_engine.scoring import VERSION, round4

FACTORS = ("safety", "compliance", "performance")
TOLERANCE = 0.001
WEIGHT_SUM_TOLERANCE = 0.01
KNOWN_KEYS = {"version", "total", "weights", "factors", "metadata"}


@dataclass(frozen=True)
class Finding:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class ContractReport:
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def scoring_schema() -> dict[str, Any]:
    return load_schema(SCORING_SCHEMA)


@cache
def _schema_validator() -> Draft202012Validator:
    return Draft202012Validator(scoring_schema(), format_checker=FormatChecker())


def _json_path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def validate_scoring(payload: Any) -> ContractReport:
    """Judge one payload against the schema and the cross-field rules.

    Always returns a report, whatever JSON it is given: it is the judge of payloads that may be
    broken in any way, and a judge that crashes (an integer of 400 digits overflows a float, one
    of 5000 cannot even be printed) reports nothing about the payload it was asked about."""
    report = ContractReport()
    try:
        errors = sorted(
            _schema_validator().iter_errors(payload), key=lambda e: list(e.absolute_path)
        )
    except (ValueError, RecursionError) as error:  # e.g. a schema message quoting a huge integer
        report.errors.append(Finding("$", f"the schema check could not finish: {error}"))
    else:
        report.errors.extend(Finding(_json_path(e.absolute_path), e.message) for e in errors)
    for path, value in _numbers(payload):
        if isinstance(value, float):
            if not math.isfinite(value):
                report.errors.append(Finding(path, f"{value} is not a finite number"))
        elif not -_FLOAT_LIMIT <= value <= _FLOAT_LIMIT:
            report.errors.append(
                Finding(
                    path,
                    f"an integer of {value.bit_length()} bits is not a finite number in double precision",
                )
            )
    if isinstance(payload, dict):
        _cross_field_rules(payload, report)
        _four_decimals(payload, report)
        _warnings(payload, report)
    return report


def rounded_fields(payload: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The numbers the contract rounds to 4 decimals: the total, the weights, and each factor's
    weight, score and contribution."""
    yield "$.total", payload.get("total")
    weights = payload.get("weights")
    if isinstance(weights, dict):
        yield from ((f"$.weights.{name}", value) for name, value in weights.items())
    factors = payload.get("factors")
    for name, factor in factors.items() if isinstance(factors, dict) else []:
        if isinstance(factor, dict):
            for key in ("weight", "score", "contribution"):
                yield f"$.factors.{name}.{key}", factor.get(key)


def _four_decimals(payload: dict[str, Any], report: ContractReport) -> None:
    """Four decimals are part of the contract (round4): a total stored as 0.9749999999999999
    is not 0.975, whatever a reader that rounds again would make of it."""
    for path, value in rounded_fields(payload):
        number = _num(value)
        if number is not None and round4(number) != number:
            report.errors.append(
                Finding(
                    path, f"{value!r} is not rounded to 4 decimals (round4 gives {round4(number)})"
                )
            )


_FLOAT_LIMIT = int(sys.float_info.max)
"""The largest integer a double can hold (an integer beyond it becomes infinity in JSON readers)."""


def _numbers(payload: Any) -> Iterator[tuple[str, int | float]]:
    """Every number in the payload (bools are not numbers) with its JSON path, depth first.

    Walked with a stack, not recursion, so no nesting depth a JSON reader accepts can stop it."""
    stack: list[tuple[str, Any]] = [("$", payload)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, float) or (isinstance(node, int) and not isinstance(node, bool)):
            yield path, node
        elif isinstance(node, dict):
            stack.extend((f"{path}.{key}", value) for key, value in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(
                (f"{path}[{index}]", value) for index, value in reversed(list(enumerate(node)))
            )


def _num(value: Any) -> float | None:
    """A number the cross-field arithmetic can use: finite in double precision (bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and not -_FLOAT_LIMIT <= value <= _FLOAT_LIMIT:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _cross_field_rules(payload: dict[str, Any], report: ContractReport) -> None:
    weights: dict[str, Any] = payload["weights"] if isinstance(payload.get("weights"), dict) else {}
    factors: dict[str, Any] = payload["factors"] if isinstance(payload.get("factors"), dict) else {}
    contributions: list[float] = []
    for name in FACTORS:
        factor = factors.get(name)
        if not isinstance(factor, dict):
            continue
        weight, score, contribution = (
            _num(factor.get(k)) for k in ("weight", "score", "contribution")
        )
        top = _num(weights.get(name))
        if weight is not None and top is not None and abs(weight - top) > TOLERANCE:
            report.errors.append(
                Finding(f"$.factors.{name}.weight", f"{weight} differs from weights.{name} = {top}")
            )
        if None not in (weight, score, contribution):
            expected = weight * score  # type: ignore[operator]
            if abs(contribution - expected) > TOLERANCE:  # type: ignore[operator]
                report.errors.append(
                    Finding(
                        f"$.factors.{name}.contribution",
                        f"{contribution} is not weight x score = {weight} x {score} = {round(expected, 6)}",
                    )
                )
        if contribution is not None:
            contributions.append(contribution)
    total = _num(payload.get("total"))
    if (
        total is not None
        and len(contributions) == len(FACTORS)
        and abs(total - sum(contributions)) > TOLERANCE
    ):
        report.errors.append(
            Finding(
                "$.total",
                f"{total} is not the sum of the contributions ({round(sum(contributions), 6)})",
            )
        )
    weight_values = [_num(weights.get(name)) for name in FACTORS]
    if None not in weight_values:
        weight_sum = sum(weight_values)  # type: ignore[arg-type]
        if abs(weight_sum - 1.0) > WEIGHT_SUM_TOLERANCE:
            report.errors.append(
                Finding(
                    "$.weights",
                    f"weights sum to {round(weight_sum, 6)}, expected 1.0 (within 0.01)",
                )
            )


def _warnings(payload: dict[str, Any], report: ContractReport) -> None:
    for key in sorted(set(payload) - KNOWN_KEYS):
        report.warnings.append(
            Finding(f"$.{key}", "not part of the contract; consumers will ignore it")
        )
    metadata = payload.get("metadata")
    evaluated = metadata.get("evaluatedAt") if isinstance(metadata, dict) else None
    if isinstance(evaluated, str):
        try:
            moment = datetime.fromisoformat(evaluated.replace("Z", "+00:00"))
        except ValueError:
            return
        if moment.utcoffset() != timedelta(0):
            report.warnings.append(Finding("$.metadata.evaluatedAt", f"{evaluated} is not in UTC"))
        elif moment > datetime.now(UTC) + timedelta(minutes=5):
            report.warnings.append(
                Finding("$.metadata.evaluatedAt", f"{evaluated} is in the future")
            )
    if (
        payload.get("version") == VERSION
        and isinstance(metadata, dict)
        and "weeklyGoalDays" not in metadata
    ):
        report.warnings.append(
            Finding("$.metadata.weeklyGoalDays", "absent: the request had no weekly goal")
        )


def payloads_in(document: Any) -> list[tuple[str, Any]]:
    """Labelled payloads of a file: one payload, a list, or job results carrying resultData.scoring."""
    items = document if isinstance(document, list) else [document]
    found: list[tuple[str, Any]] = []
    for index, item in enumerate(items):
        label = f"payload {index + 1}"
        if isinstance(item, dict) and ("resultData" in item or "result_data" in item):
            job = item.get("jobId") or item.get("job_id")
            label = f"job {job}" if job else label
            result = item.get("resultData", item.get("result_data")) or {}
            found.append((label, result.get("scoring") if isinstance(result, dict) else None))
        elif isinstance(item, dict) and "scoring" in item and "version" not in item:
            found.append((label, item["scoring"]))
        else:
            found.append((label, item))
    return found
