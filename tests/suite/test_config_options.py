"""Options are checked like their variables: a value given but unusable (0, negative, not a
number, nan) stops the run with one line naming the option and what it expects, instead of a
NO-GO that blames the staging or a silent fallback to the default."""

import os
from pathlib import Path
from unittest import mock

import pytest

from readiness.config import SuiteConfig, read_config
from readiness.options import OptionValues
from support.suite_runner import run_suite

VARIABLES = (
    "PLANNING_SLA_MS",
    "PLANNING_JOB_DEADLINE_S",
    "PLANNING_MAX_DURATION",
    "PLANNING_HTTP_TIMEOUT_S",
)


def _read(env: dict[str, str] | None = None, **options: str) -> SuiteConfig:
    """read_config on the embedded target with only these options and variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PLANNING_")}
    with mock.patch.dict(os.environ, {**clean, **(env or {})}, clear=True):
        return read_config(OptionValues(dict(options)), suite_selected=False)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("sla_ms", "-5", "--sla-ms -5 must be a positive number: expected the time limit"),
        ("sla_ms", "0", "--sla-ms 0 must be a positive number"),
        ("sla_ms", "fast", "--sla-ms fast is not a number: expected the time limit"),
        ("job_deadline", "-1", "--job-deadline -1 must be a positive number: expected the secon"),
        ("job_deadline", "0", "--job-deadline 0 must be a positive number"),
        ("job_deadline", "nan", "--job-deadline nan must be a positive number"),
        ("max_duration", "0", "--max-duration 0 must be a positive number: expected the run's"),
        ("max_duration", "inf", "--max-duration inf must be a positive number"),
        ("max_duration", "5m", "--max-duration 5m is not a number"),
    ],
)
def test_an_unusable_option_stops_the_run_naming_it(option: str, value: str, message: str) -> None:
    with pytest.raises(pytest.UsageError) as refused:
        _read(**{option: value})
    assert message in str(refused.value)
    assert "e.g." in str(refused.value)  # what to write instead
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PLANNING_SLA_MS", "-5", "PLANNING_SLA_MS='-5' must be a positive number"),
        ("PLANNING_JOB_DEADLINE_S", "0", "PLANNING_JOB_DEADLINE_S='0' must be a positive number"),
        ("PLANNING_MAX_DURATION", "-1", "PLANNING_MAX_DURATION='-1' must be a positive number"),
        ("PLANNING_MAX_DURATION", "soon", "PLANNING_MAX_DURATION='soon' is not a number"),
        ("PLANNING_HTTP_TIMEOUT_S", "nan", "PLANNING_HTTP_TIMEOUT_S='nan' must be a positive"),
    ],
)
def test_an_unusable_variable_stops_the_run_naming_it(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(pytest.UsageError) as refused:
        _read({variable: value})
    assert message in str(refused.value)


def test_an_option_wins_over_its_variable_which_wins_over_the_default() -> None:
    variables = {
        "PLANNING_SLA_MS": "900",
        "PLANNING_JOB_DEADLINE_S": "90",
        "PLANNING_MAX_DURATION": "600",
    }
    given = _read(variables, sla_ms="250", job_deadline="0.5", max_duration="30")
    assert (given.sla_ms, given.job_deadline_s, given.max_duration_s) == (250.0, 0.5, 30.0)
    from_variables = _read(variables)
    assert (from_variables.sla_ms, from_variables.job_deadline_s) == (900.0, 90.0)
    assert from_variables.max_duration_s == 600.0
    defaults = _read()
    assert (defaults.sla_ms, defaults.job_deadline_s, defaults.max_duration_s) == (500, 60, 300)
    assert defaults.http_timeout_s == 10.0


def test_a_good_option_does_not_hide_a_bad_variable_of_another_setting() -> None:
    with pytest.raises(pytest.UsageError, match="PLANNING_MAX_DURATION='0'"):
        _read({"PLANNING_MAX_DURATION": "0"}, sla_ms="250")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--sla-ms", "-5"), "ERROR: --sla-ms -5 must be a positive number: expected the time"),
        (("--job-deadline", "-1"), "ERROR: --job-deadline -1 must be a positive number"),
        (("--max-duration", "0"), "ERROR: --max-duration 0 must be a positive number"),
    ],
    ids=["sla", "job-deadline", "max-duration"],
)
def test_the_suite_stops_with_one_line_and_exit_4(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    """As QA runs it: before any scenario, no NO-GO blaming the staging, no report."""
    run = run_suite(tmp_path, {}, *args, timeout_s=60)
    assert run.exit_code == 4, run.output[-2000:]
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(expected), lines
    assert run.outcomes == {}


def test_the_schema_profile_comes_from_the_option_then_the_variable_else_detection() -> None:
    assert _read().schema_profile is None  # detected from the target's columns
    assert _read({"PLANNING_SCHEMA_PROFILE": "athlete-ally"}).schema_profile == "athlete-ally"
    assert (
        _read({"PLANNING_SCHEMA_PROFILE": "athlete-ally"}, schema_profile="runbook").schema_profile
        == "runbook"
    )


@pytest.mark.parametrize(
    ("env", "options", "message"),
    [
        ({}, {"schema_profile": "prisma"}, "--schema-profile='prisma': unknown schema profile"),
        ({"PLANNING_SCHEMA_PROFILE": "Runbook"}, {}, "PLANNING_SCHEMA_PROFILE='Runbook': unknown"),
    ],
)
def test_an_unknown_schema_profile_stops_the_run_naming_the_known_ones(
    env: dict[str, str], options: dict[str, str], message: str
) -> None:
    with pytest.raises(pytest.UsageError, match="expected one of runbook, athlete-ally") as error:
        _read(env, **options)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("env", "options", "message"),
    [
        ({}, {"api_profile": "fastify"}, "--api-profile='fastify': unknown API profile 'fastify'"),
        ({"PLANNING_API_PROFILE": "gateway"}, {}, "PLANNING_API_PROFILE='gateway': unknown API"),
        (
            {"PLANNING_API_PROFILE": "athlete-ally"},
            {"schema_profile": "runbook"},
            "cannot serve the athlete-ally API on the runbook schema",
        ),
    ],
)
def test_an_unusable_api_profile_stops_the_run_naming_it(
    env: dict[str, str], options: dict[str, str], message: str
) -> None:
    with pytest.raises(pytest.UsageError, match=message):
        _read(env, **options)


def test_the_athlete_ally_api_brings_its_schema_to_the_embedded_target() -> None:
    config = _read(api_profile="athlete-ally")
    assert (config.api_profile, config.schema_profile) == ("athlete-ally", "athlete-ally")
    assert (_read().api_profile, _read().schema_profile) == (None, None)


def test_a_reports_dir_that_is_a_file_stops_the_run_with_one_line_and_exit_4(
    tmp_path: Path,
) -> None:
    taken = tmp_path / "reports-file"
    taken.write_text("not a folder")
    run = run_suite(tmp_path, {}, f"--reports-dir={taken}", timeout_s=60)
    assert run.exit_code == 4, run.output[-2000:]
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert lines == [
        f"ERROR: --reports-dir {taken} is a file, not a folder: name a folder for the reports "
        "(PLANNING_REPORTS_DIR), or move the file"
    ]
    assert taken.read_text() == "not a folder"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"deployed_at": "yesterday"}, "--deployed-at='yesterday' is not an ISO 8601 time"),
        ({"deployed_at": "2999-01-01T00:00:00Z"}, "--deployed-at='2999-01-01T00:00:00Z' is in"),
        ({"PLANNING_DEPLOYED_AT": "noon"}, "PLANNING_DEPLOYED_AT='noon' is not an ISO 8601"),
        ({"PLANNING_RATE_TOLERANCE": "5"}, "PLANNING_RATE_TOLERANCE=5 must be at most 1"),
        ({"PLANNING_MIN_JOBS": "0"}, "PLANNING_MIN_JOBS='0' must be a positive number"),
        ({"history": "."}, "is a directory: name the history file"),
    ],
)
def test_an_unusable_before_after_setting_stops_the_run_naming_it(
    given: dict[str, str], message: str
) -> None:
    variables = {k: v for k, v in given.items() if k.isupper()}
    options = {k: v for k, v in given.items() if not k.isupper()}
    with pytest.raises(pytest.UsageError) as refused:
        _read(variables, **options)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_the_deploy_time_and_the_tolerances_are_read_once() -> None:
    config = _read(
        {"PLANNING_LATENCY_TOLERANCE": "0.5", "PLANNING_HISTORY": "h.sqlite"},
        deployed_at="2026-01-02T03:04:05+01:00",
    )
    assert config.deployed_at is not None and config.deployed_at.isoformat() == (
        "2026-01-02T03:04:05+01:00"
    )
    assert (config.tolerances.latency, config.tolerances.min_jobs) == (0.5, 20)
    assert config.history == Path("h.sqlite")
